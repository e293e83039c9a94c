"""Recurring needs: a request that asks for help every week or every two weeks starts a
series; the recur step (steps/recur.py) creates the series' next need when its day comes,
keeps it with the same volunteer when they agreed to continue, and stops the series when
the requester or an organizer ends it.

- series.py: what a series is, when its next need is due, and why it stopped;
- continuing.py: whether the volunteer of the previous need keeps the next one.
"""
