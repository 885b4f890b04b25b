"""SQLite for the async engine with statements run on the event loop (URL `sqlite+inloop`).

aiosqlite runs every call in its connection's thread: four crossings a statement (cursor,
execute, fetch, close), each a queue hand-off, a thread wake-up and a loop wake-up. Those cost
more than the statements themselves, which take microseconds on a local file. Here a statement
runs where it is called. The one call that can wait, BEGIN IMMEDIATE (for the write lock another
process holds, up to busy_timeout), still goes to aiosqlite's thread so the loop never waits
for another process; once the lock is held nothing waits for anyone: in WAL mode readers never
block, and a commit does not sync (synchronous=NORMAL) except when it checkpoints the WAL
(every 1,000 pages written; passive, never waiting on another process).
"""

from collections import deque
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER = "inloop"


async def _done() -> None:
    """An awaitable that never waits."""


def _checkpoint() -> None:
    # SQLAlchemy's AsyncConnection.execute insists that the driver awaited something (to catch
    # sync drivers used by mistake); a switch through a finished coroutine costs a microsecond.
    await_(_done())


class InLoopCursor(AsyncAdapt_aiosqlite_cursor):
    """A sqlite3 cursor used directly; only BEGIN goes to the connection's thread."""

    __slots__ = ()
    _awaitable_cursor_close = False

    def _make_new_cursor(self, connection: Any) -> Any:
        return connection._conn.cursor()

    def _aenter_cursor(self, cursor: Any) -> Any:
        return cursor

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        """Run the statement and buffer its rows, as the async adapters do."""
        cursor: Any = self._cursor  # a sqlite3 cursor, typed as the async one
        try:
            if operation.startswith("BEGIN"):
                # The write lock may be held by another process: wait off the loop.
                return await_(self._connection._execute(cursor.execute, operation))
            _checkpoint()
            result = cursor.execute(operation, parameters or ())
            if cursor.description:
                self._rows = deque(cursor.fetchall())
            return result
        except Exception as error:
            self._adapt_connection._handle_exception(error)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> Any:
        """Run the statement once per parameter set."""
        cursor: Any = self._cursor
        try:
            _checkpoint()
            return cursor.executemany(operation, seq_of_parameters)
        except Exception as error:
            self._adapt_connection._handle_exception(error)


class InLoopConnection(AsyncAdapt_aiosqlite_connection):
    """aiosqlite's connection, with commit and rollback run on the loop."""

    __slots__ = ()
    _cursor_cls = InLoopCursor

    def commit(self) -> None:
        """Commit on the loop (see the module's docstring: it waits for no other process)."""
        self._end("commit")

    def rollback(self) -> None:
        """Roll back on the loop."""
        self._end("rollback")

    def _end(self, how: str) -> None:
        if self._connection._connection:  # a closed connection has nothing to end
            try:
                getattr(self._connection._conn, how)()
            except Exception as error:
                self._handle_exception(error)


class InLoopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """aiosqlite's module adapter, handing out in-loop connections."""

    def connect(self, *arg: Any, **kw: Any) -> InLoopConnection:
        """Connect in aiosqlite's thread; the sqlite3 connection may then be used here."""
        kw["check_same_thread"] = False
        connection = self.aiosqlite.connect(*arg, **kw)
        connection._thread.daemon = True
        return InLoopConnection(self, await_(connection))


class InLoopSQLiteDialect(SQLiteDialect_aiosqlite):
    """The aiosqlite dialect with the in-loop adapter."""

    driver = DRIVER
    supports_statement_cache = True
    # Rows are fetched whole (AsyncSession.stream() is refused on SQLite; nothing uses it).
    supports_server_side_cursors = False

    @classmethod
    def import_dbapi(cls) -> InLoopDBAPI:
        """aiosqlite and sqlite3, adapted to run statements on the loop."""
        return InLoopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "InLoopSQLiteDialect")
