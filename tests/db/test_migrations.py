import json
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, pool, text
from sqlalchemy.engine import URL

from db.base import Base
from db.engine import make_engine, sync_url
from db.migrate import alembic_config, upgrade_to_head


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


def test_finished_outbox_messages_lose_the_texts_earlier_versions_kept(empty_db_url: URL) -> None:
    command.downgrade(alembic_config(empty_db_url), "0090")
    engine = create_engine(sync_url(empty_db_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:
            for status in ("pending", "sending", "sent", "unknown", "blocked", "failed"):
                conn.execute(
                    text(
                        "INSERT INTO outbox (channel, chat_id, payload, status, priority,"
                        " parts_sent, attempts, not_before, created_at)"
                        " VALUES ('telegram', '1', :payload, :status, 0, 0, 0,"
                        " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"payload": json.dumps({"text": "Họ tên: Lê Thị A"}), "status": status},
                )
        upgrade_to_head(empty_db_url)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT status, payload FROM outbox")).all()
    finally:
        engine.dispose()
    kept = {status: _loaded(payload).get("text") for status, payload in rows}
    assert kept == {
        "pending": "Họ tên: Lê Thị A",
        "sending": "Họ tên: Lê Thị A",
        "sent": None,
        "unknown": None,
        "blocked": None,
        "failed": None,
    }


def _loaded(payload: Any) -> dict[str, object]:
    """A JSON column as the raw driver returns it: text on SQLite, a dict on PostgreSQL."""
    loaded: dict[str, object] = json.loads(payload) if isinstance(payload, str) else payload
    return loaded


def _triggers(connection: Connection) -> set[str]:
    if connection.dialect.name == "postgresql":
        query = (
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'users'::regclass AND NOT tgisinternal"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'users'"
    return set(connection.execute(text(query)).scalars())


def test_the_sign_out_counter_comes_and_goes_with_the_users_triggers(empty_db_url: URL) -> None:
    engine = create_engine(sync_url(empty_db_url), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            at_head = _triggers(conn)
        assert len(at_head) == 3
        command.downgrade(alembic_config(empty_db_url), "0100")
        with engine.connect() as conn:
            assert _triggers(conn) == at_head
            assert "web_epoch" not in {c["name"] for c in inspect(conn).get_columns("users")}
        upgrade_to_head(empty_db_url)
        with engine.connect() as conn:
            assert _triggers(conn) == at_head
    finally:
        engine.dispose()
