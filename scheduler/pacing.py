"""Evenly spaced sending slots, so no one-second window ever exceeds a platform's cap."""

import asyncio
import time
from collections import deque
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


class SendWindow:
    """At most `limit` sends in any `period` seconds, however the platform times them.

    The platform sees a send at some moment between its start here and its answer, so a send
    counts from its start until `period` after its answer. No window the platform sees can then
    hold more than `limit`, whatever the event loop's delays (a garbage collection, a slow
    database call, a 429 that held every request back) did to the spacing the Pacer planned.
    """

    def __init__(
        self, limit: int, period: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """`limit` sends per `period` seconds."""
        self._limit, self._period, self._clock = max(1, limit), period, clock
        self._answered: deque[float] = deque()  # answer times of recent sends, oldest first
        self._open = 0  # started, not yet answered

    async def acquire(self, sends: int = 1) -> None:
        """Wait until `sends` more sends fit, then count them as started."""
        sends = min(sends, self._limit)
        while True:
            now = self._clock()
            while self._answered and self._answered[0] <= now - self._period:
                self._answered.popleft()
            if len(self._answered) + self._open + sends <= self._limit:
                self._open += sends
                return
            delay = self._answered[0] + self._period - now if self._answered else 0.0
            await asyncio.sleep(max(delay, 0.001))

    def release(self, sends: int = 1) -> None:
        """The sends were answered, or failed."""
        sends = min(sends, self._limit)
        self._open -= sends
        self._answered.extend([self._clock()] * sends)
