"""Insert-if-absent for both backends, used where two workers may race to create a row."""

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Insert, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import Base, table_of


async def insert_ignore(session: AsyncSession, model: type[Base], values: dict[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True when inserted."""
    return await insert_returning_id(session, model, values) is not None


async def insert_returning_id(
    session: AsyncSession, model: type[Base], values: dict[str, Any]
) -> Any:
    """Insert a row unless one with the same unique key exists; its key, or None if not."""
    table = table_of(model)
    statement = insert_ignoring(dialect_of(session), table, *table.primary_key.columns)
    return (await session.execute(statement, values)).scalar()


def dialect_of(session: AsyncSession) -> str:
    """The database the session talks to ("sqlite" or "postgresql")."""
    return session.bind.dialect.name if session.bind else "sqlite"


@cache
def insert_ignoring(dialect: str, table: Table, *returning: ColumnElement[Any]) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING RETURNING `returning`, built once per table: these
    inserts sit on the path of every update (the inbox, the conversation), where building the
    statement cost more than running it. Executed with values (one row or a list)."""
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # RETURNING rather than rowcount: drivers disagree on rowcount after DO NOTHING.
    statement: Insert = module.insert(table).on_conflict_do_nothing().returning(*returning)
    return statement
