"""The match step's engine: eligibility under the hard constraints, then an
optimal assignment (solver.py)."""
