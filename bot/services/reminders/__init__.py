"""Reminder rounds: who is asked to report what, and when."""
