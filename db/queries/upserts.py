"""Insert-if-absent for both backends, used where two workers may race to create a row."""

from typing import Any

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
    table = model.__table__
    key = next(iter(model.__mapper__.primary_key))
    dialect = session.bind.dialect.name if session.bind else "sqlite"
    module: Any = postgresql if dialect == "postgresql" else sqlite
    # RETURNING rather than rowcount: drivers disagree on rowcount after DO NOTHING.
    statement = module.insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return (await session.execute(statement)).scalar()
