"""Evenly spaced sends: at most one message a given interval to any one chat."""

import asyncio
import time
from collections.abc import Callable


class Pacer:
    """Hands out send times at least `interval` seconds apart (a strict rate, no bursts)."""

    def __init__(self, interval: float, clock: Callable[[], float] = time.monotonic) -> None:
        """`interval` = 1 / messages per second."""
        self._interval, self._clock, self._next = interval, clock, 0.0

    def reserve(self, slots: int = 1) -> float:
        """Book the next free slot (and the `slots - 1` after it); seconds to wait for it."""
        now = self._clock()
        slot = max(now, self._next)
        self._next = slot + self._interval * slots
        return slot - now

    async def wait(self, slots: int = 1) -> None:
        """Wait for the next free slot; `slots` messages will go out in it."""
        delay = self.reserve(slots)
        if delay > 0:
            await asyncio.sleep(delay)


class ChatPacers:
    """One pacer per chat (Telegram: about one message a second to the same chat)."""

    def __init__(self, interval: float) -> None:
        """`interval` between two messages to the same chat."""
        self._interval = interval
        self._pacers: dict[str, Pacer] = {}

    async def wait(self, chat_id: str) -> None:
        """Wait until this chat may receive another message."""
        pacer = self._pacers.setdefault(chat_id, Pacer(self._interval))
        await pacer.wait()
        if len(self._pacers) > 10_000:  # forget idle chats so memory stays flat
            self._pacers = {chat_id: pacer}
