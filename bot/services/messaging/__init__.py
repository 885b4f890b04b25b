"""Conversations, the inbox of platform updates and the outbox of messages."""
