"""Feedback after help (docs/feedback.md): a code per task, the asks, the answers."""
