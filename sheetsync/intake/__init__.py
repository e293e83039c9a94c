"""The intake step's engine: form responses checked against their schema (validate.py)."""
