"""The volunteer board (docs/board.md): a second spreadsheet, shared with volunteers, that
sheetsync fills each run with the open needs as the privacy policy lets its readers see
them; a volunteer claims one by writing their volunteer code (or email) in its row.

    store.py   open and read the board (its own Backend), init creates its tab
    codes.py   volunteer codes, and how a claim cell is read and masked
    claims.py  the claims engine: valid claims become accepted tasks, others are answered
    rows.py    the board's rows from the run's final frames, and the one write of them

Steps: `claims` (steps/claims.py) before matching, `board` (steps/board.py) last.
"""
