"""Conversation flows; each module registers its own commands, buttons and steps."""
