"""Decides when things are sent: reminders, digests and the outbox sender."""
