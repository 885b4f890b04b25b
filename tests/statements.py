"""The SQL statements an engine runs inside a block, for tests that bound them."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


@contextmanager
def executed(
    engine: AsyncEngine, keep: Callable[[str], bool] = lambda _statement: True
) -> Iterator[list[str]]:
    """The statements run inside the block that `keep` accepts, whitespace folded to spaces."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        folded = " ".join(statement.split())
        if keep(folded):
            seen.append(folded)

    event.listen(engine.sync_engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", note)
