"""Processing a channel's stored updates: each chat's in arrival order, several chats at once.

An update is committed to the inbox before the platform is answered (webhook 200, the next
getUpdates offset); from there it is processed here, also after a crash: at start, and every
sweep, updates left unprocessed for a while are taken up again. Two workers taking the same
update (another process, a sweep) is harmless: the engine claims it in its transaction.
"""

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, Protocol

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30.0
STOP_GRACE = 10.0
RETRY_SECONDS = 1.0


class StoredUpdate(Protocol):
    """An update kept in the inbox."""

    @property
    def id(self) -> int:
        """The inbox row."""
        ...

    @property
    def chat_id(self) -> str | None:
        """The chat it came from."""
        ...

    @property
    def body(self) -> dict[str, Any]:
        """The raw body as received."""
        ...


class Inbox(Protocol):
    """Durable storage of updates (the app passes `bot.dialog.inbox.InboxStore`)."""

    async def store(
        self, *, channel: str, update_key: str, chat_id: str | None, body: dict[str, Any]
    ) -> int | None:
        """Commit an update; its row id, or None for a re-delivery."""
        ...

    async def pending(
        self, *, channel: str, limit: int = 500, older_than: timedelta | None = None
    ) -> Sequence[StoredUpdate]:
        """Unprocessed updates, oldest first."""
        ...

    async def done(self, entry_id: int, *, error: str | None = None) -> None:
        """Mark one processed without handling it."""
        ...

    async def failed(self, entry_id: int, *, error: str) -> bool:
        """Count a failed attempt; True when set aside."""
        ...


class _Entry:
    __slots__ = ("body", "chat_id", "id")

    def __init__(self, entry_id: int, chat_id: str | None, body: dict[str, Any]) -> None:
        self.id, self.chat_id, self.body = entry_id, chat_id, body


class InboxWorker:
    """Stores what a channel receives and runs `process` on each update, once, in order."""

    def __init__(
        self,
        inbox: Inbox,
        *,
        channel: str,
        process: Callable[[StoredUpdate], Awaitable[None]],
        chats_at_once: int = 64,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        """`process` handles one stored update (the engine marks it processed)."""
        self._inbox, self._channel, self._process = inbox, channel, process
        self._slots = asyncio.Semaphore(chats_at_once)
        self._sweep_seconds = sweep_seconds
        self._queues: dict[str, deque[StoredUpdate]] = {}
        self._known: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Take up what a crash left, then sweep now and then."""
        await self._sweep(older_than=None)
        self._sweeper = asyncio.create_task(self._sweep_loop(), name=f"{self._channel}-sweep")

    async def stop(self) -> None:
        """Let the update in hand of each chat finish; the rest waits in the inbox."""
        self._stopping = True
        if self._sweeper is not None:
            self._sweeper.cancel()
        tasks = list(self._tasks)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), STOP_GRACE)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def accept(self, *, update_key: str, chat_id: str | None, body: dict[str, Any]) -> bool:
        """Commit an update, then queue it; False for a re-delivery. Returns after the commit."""
        entry_id = await self._inbox.store(
            channel=self._channel, update_key=update_key, chat_id=chat_id, body=body
        )
        if entry_id is None:
            log.info("%s: update %s delivered again; ignored", self._channel, update_key)
            return False
        self._queue(_Entry(entry_id, chat_id, body))
        return True

    @property
    def backlog(self) -> int:
        """Updates received and not processed yet by this process."""
        return len(self._known)

    def _queue(self, entry: StoredUpdate) -> None:
        if entry.id in self._known or self._stopping:
            return
        self._known.add(entry.id)
        chat = entry.chat_id or f"#{entry.id}"
        queue = self._queues.get(chat)
        if queue is None:
            queue = self._queues[chat] = deque()
            task = asyncio.create_task(self._drain(chat, queue))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        queue.append(entry)

    async def _drain(self, chat: str, queue: deque[StoredUpdate]) -> None:
        async with self._slots:
            while queue and not self._stopping:
                entry = queue[0]
                if await self._handled(entry):
                    queue.popleft()
                    self._known.discard(entry.id)
            self._queues.pop(chat, None)
            for entry in queue:  # stopping: left for the next start
                self._known.discard(entry.id)

    async def _handled(self, entry: StoredUpdate) -> bool:
        """Process one update; False when it should be tried again (its chat waits)."""
        try:
            await self._process(entry)
        except Exception as exc:
            log.exception("%s: inbox entry %s failed", self._channel, entry.id)
            try:
                if await self._inbox.failed(entry.id, error=type(exc).__name__):
                    log.error("%s: inbox entry %s set aside", self._channel, entry.id)
                    return True
            except Exception:
                log.exception("%s: could not count the failure of %s", self._channel, entry.id)
            await asyncio.sleep(RETRY_SECONDS)
            return False
        return True

    async def _sweep_loop(self) -> None:
        age = timedelta(seconds=self._sweep_seconds)
        while True:
            await asyncio.sleep(self._sweep_seconds)
            try:
                await self._sweep(older_than=age)
            except Exception:
                log.exception("%s: sweeping the inbox failed", self._channel)

    async def _sweep(self, *, older_than: timedelta | None) -> None:
        for entry in await self._inbox.pending(channel=self._channel, older_than=older_than):
            self._queue(entry)


async def store_until_committed(
    accept: Callable[[dict[str, Any]], Awaitable[object]],
    body: dict[str, Any],
    *,
    channel: str,
    first_delay: float = 1.0,
    max_delay: float = 60.0,
) -> None:
    """Store a polled update, retrying with backoff until it is committed: the poller must not
    confirm it (advance the offset, ask for the next) before, or the platform forgets it."""
    delay = first_delay
    while True:
        try:
            await accept(body)
        except Exception:
            log.exception("%s: could not store an update; retrying in %.1f s", channel, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay)
        else:
            return
