"""`sheetsync undo`: revert the last run's changes (undo.py), leaving cells changed since.

cli.py adds the command to its group; it gets the group's settings from the context."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sheetsync.undo import CellLeft, CellReverted, Undone

SHOWN = 10  # without --verbose, at most this many cells reverted and left are listed


def undone_lines(result: Undone, where: str, *, limit: int | None) -> Iterator[str]:
    """What an undo reverted (or would) and left, by tab, row id and column: no values."""
    head = "Undo (dry run, nothing written)" if result.dry_run else f"Undo {result.undo_id}"
    yield f"{head} of run {result.run_id} on {where}:"
    for note in result.notices:
        yield f"Note: {note}"
    yield _counts(result)
    yield from _listed([_reverted(item) for item in result.reverted], limit)
    if result.left:
        yield (
            f"Left as they are ({len(result.left)}), each with why (most were changed since "
            "the run: what is there now was kept):"
        )
        yield from _listed([_left(item) for item in result.left], limit)
    if not result.dry_run:
        yield "The undo is recorded on the Changes tab: `sheetsync undo` again reverts it."


def _counts(result: Undone) -> str:
    whats = [r.what for r in result.reverted]
    verbs = ("would revert", "would blank", "would add back") if result.dry_run else ()
    revert, blank, add = verbs or ("reverted", "blanked", "added back")
    return (
        f"  {revert} {whats.count('reverted')} cells; {blank} {whats.count('row blanked')} "
        f"rows the run added; {add} {whats.count('row added again')} rows an undo had blanked."
    )


def _reverted(item: CellReverted) -> str:
    column = f" {item.column}" if item.column else ""
    return f"  ~ {item.tab} {item.key}{column}: {item.what}"


def _left(item: CellLeft) -> str:
    column = f" {item.column}" if item.column else ""
    return f"  ! {item.tab} {item.key}{column}: {item.why}"


def _listed(lines: Sequence[str], limit: int | None) -> Iterator[str]:
    yield from lines[:limit]
    if limit is not None and len(lines) > limit:
        yield f"  … and {len(lines) - limit} more (--verbose lists them all)"
