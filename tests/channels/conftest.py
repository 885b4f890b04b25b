"""The dialog harness's fixtures, shared with channel tests."""

from tests.dialog.conftest import chat, clock, engine

__all__ = ["chat", "clock", "engine"]
