import json
from typing import Any

import pytest
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
        with engine.begin() as conn:
            at_head = _triggers(conn)
            _a_user_with_what_hangs_on_them(conn)
        assert len(at_head) == 3
        command.downgrade(alembic_config(empty_db_url), "0100")
        with engine.connect() as conn:
            assert _triggers(conn) == at_head
            assert "web_epoch" not in {c["name"] for c in inspect(conn).get_columns("users")}
            # Rebuilding the users table deleted nobody's subscriptions or invites.
            assert _counts(conn) == (1, 1, 1)
        upgrade_to_head(empty_db_url)
        with engine.connect() as conn:
            assert _triggers(conn) == at_head
            assert _counts(conn) == (1, 1, 1)
    finally:
        engine.dispose()


def _a_user_with_what_hangs_on_them(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO users (id, channel, chat_id, role, active, created_at, last_seen_at,"
            " review_notices, web_epoch) VALUES (1, 'telegram', '1', 'coordinator', true,"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, true, 0)"
        )
    )
    conn.execute(text("INSERT INTO topics (key, label, position) VALUES ('t', 'Chủ đề', 1)"))
    conn.execute(
        text(
            "INSERT INTO subscriptions (user_id, topic, created_at)"
            " VALUES (1, 't', CURRENT_TIMESTAMP)"
        )
    )
    conn.execute(
        text(
            "INSERT INTO invites (code, role, created_by_id, expires_at, created_at)"
            " VALUES ('ABC', 'official', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
        )
    )


def _counts(conn: Connection) -> tuple[int, ...]:
    return tuple(
        conn.execute(text(query)).scalar_one()
        for query in (
            "SELECT count(*) FROM users",
            "SELECT count(*) FROM subscriptions",
            "SELECT count(*) FROM invites WHERE created_by_id = 1",
        )
    )


def test_a_sqlite_migration_that_would_leave_a_dangling_key_is_rolled_back(
    empty_db_url: URL,
) -> None:
    if empty_db_url.get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL checks foreign keys itself, at every statement")
    engine = create_engine(sync_url(empty_db_url), poolclass=pool.NullPool)
    try:
        with engine.begin() as conn:  # a row an old bug left behind, keys off as in migrations
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.execute(text("INSERT INTO topics (key, label, position) VALUES ('t', 'x', 1)"))
            conn.execute(
                text(
                    "INSERT INTO subscriptions (user_id, topic, created_at)"
                    " VALUES (99, 't', CURRENT_TIMESTAMP)"
                )
            )
        with pytest.raises(RuntimeError, match="subscriptions"):
            command.downgrade(alembic_config(empty_db_url), "0100")
        with engine.connect() as conn:  # nothing of the downgrade was kept
            assert "web_epoch" in {c["name"] for c in inspect(conn).get_columns("users")}
    finally:
        engine.dispose()
