"""Insert-if-absent for both backends, used where two workers may race to create a row."""

from functools import cache
from typing import Any

from sqlalchemy import Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base


async def insert_ignore(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True when inserted."""
    return await insert_returning_id(session, model, values) is not None


async def insert_returning_id(
    session: AsyncSession, model: type[Base], values: dict[str, Any]
) -> Any:
    """Insert a row unless one with the same unique key exists; its key, or None if not."""
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    statement = _insert_ignoring(dialect, model.__table__)
    return (await session.execute(statement, values)).scalar()


@cache
def _insert_ignoring(dialect: str, table: Table) -> Insert:
    # Built once per table: these inserts sit on the path of every update (the inbox, the
    # conversation), where building the statement cost more than running it.
    module: Any = postgresql if dialect == "postgresql" else sqlite
    key = next(iter(table.primary_key.columns))
    # RETURNING rather than rowcount: drivers disagree on rowcount after DO NOTHING.
    statement: Insert = module.insert(table).on_conflict_do_nothing().returning(key)
    return statement
