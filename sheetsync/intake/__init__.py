"""The intake step's engine: form responses checked, and each one matched to its person.

validate.py checks responses against their schema; responses.py holds a valid response and how
records name it; people.py finds each response's person and recomputes them from their answers.
"""
