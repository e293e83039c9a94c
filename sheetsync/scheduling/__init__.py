"""Cron for a network: the crontab lines (crontab.py), one run at a time (lock.py), and
`tick`, which runs each job when its schedule says so (tick.py)."""
