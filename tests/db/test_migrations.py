from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import URL

from db.base import Base
from db.engine import make_engine
from db.migrate import upgrade_to_head


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrations_build_exactly_the_models(empty_db_url: URL) -> None:
    engine = make_engine(empty_db_url)
    async with engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    assert {"units", "plan_tasks", "targets", "reports", "outbox", "conversations"} <= tables


def test_upgrading_twice_is_harmless(empty_db_url: URL) -> None:
    upgrade_to_head(empty_db_url)
    upgrade_to_head(empty_db_url)
