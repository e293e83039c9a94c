"""Matching open needs to volunteers: eligibility under the hard constraints, then an
optimal assignment (solver.py)."""
