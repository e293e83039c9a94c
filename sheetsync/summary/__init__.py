"""The summary step's engine: what the network achieved over a period (outcomes.py), and the
network-wide flags (network.py) that the Summary tab and the organizers' digest both show."""
