"""The data version for the pages, read once for every request that waits at the same time."""

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.versions import figures_version


class DataVersions:
    """Reads the figures' data version for many requests at once.

    A request waits for the next read that starts after it arrived, never for one already
    under way (that one may have missed a change the request's user just made); requests
    that arrive while a read is under way share the one that follows. Under 50 coordinators
    the database sees about one read a round trip instead of one a page.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        """Nothing read yet."""
        self._sessions = sessions
        self._next: asyncio.Future[int | None] | None = None
        self._reader: asyncio.Task[None] | None = None

    async def read(self) -> int | None:
        """The version as of a moment after this call began."""
        if self._next is None:
            self._next = asyncio.get_running_loop().create_future()
        waiting = self._next
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_while_wanted())
        return await asyncio.shield(waiting)

    async def _read_while_wanted(self) -> None:
        while self._next is not None:
            waiting, self._next = self._next, None  # later arrivals wait for the next read
            try:
                async with self._sessions() as db:
                    version = await figures_version(db)
            except Exception as exc:  # each waiter meets it (e.g. no connection free: 503)
                waiting.set_exception(exc)
                # Read here too: if every waiter went away, asyncio would log it as unread.
                waiting.exception()
            else:  # the connection is back in the pool before the waiters go on
                waiting.set_result(version)
