"""Follow-up between digests: needs that wait too long go to the organizers the same day
(escalations), accepted tasks past their due date are flagged and their volunteer reminded,
and a member carrying too much who is waiting for help themselves is raised.

The followup step (steps/followup.py) works it out from the tabs and keeps its ledger in
sheetsync's own columns (Needs: days_open, escalated, escalated_at; Tasks:
due_from_urgency, follow_up, overdue_flagged, reminded), so each escalation and each
flag is made once; its effect (digest/alerts.py) sends the emails after the run's write.
"""
