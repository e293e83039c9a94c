"""The demo network: generated form responses (generate.py) and a played-out past
(history.py), for `sheetsync init --demo`, the tests and the benchmarks."""
