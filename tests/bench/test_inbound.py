"""Inbound load, webhook mode: our bot on SQLite and PostgreSQL against a bare PTB echo bot.

50 users each send a command and press a button of the answer, ten times (1,000 updates per
configuration); the table printed at the end gives the bot's CPU time per update, updates/s,
p50/p99 latency and the unloaded /start→reply time, and the CPU ratio ours/echo (goal ≤ 1.0,
PERFORMANCE.md). Only correctness is asserted: every update answered, no timeouts, no errors.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.bench.fast_api import FastBotApi
from tests.bench.harness import Load, Result, measure, start_echo, start_ours
from tests.databases import PostgresUnavailable, postgres_admin_url


@contextmanager
def postgres_database() -> Iterator[str]:
    """A throw-away database on TEST_DATABASE_URL's server, dropped afterwards."""
    try:
        admin = postgres_admin_url()
    except PostgresUnavailable as exc:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"REQUIRE_POSTGRES=1 but PostgreSQL is unavailable: {exc}")
        pytest.skip(f"PostgreSQL benchmark skipped: {exc}")
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.timeout(900)
@pytest.mark.parametrize("config", ["echo", "sqlite", "postgres"])
def test_inbound_load(config: str, fake: FastBotApi, results: list[Result], tmp_path: Path) -> None:
    load = Load.from_env()
    if config == "echo":
        result = measure(fake, start_echo(fake, tmp_path, "echo (PTB defaults)"), load, tmp_path)
    elif config == "sqlite":
        url = f"sqlite:///{tmp_path / 'bot.db'}"
        result = measure(fake, start_ours(fake, tmp_path, url, "ours, SQLite"), load, tmp_path)
    else:
        with postgres_database() as url:
            bot = start_ours(fake, tmp_path, url, "ours, PostgreSQL")
            result = measure(fake, bot, load, tmp_path)
    results.append(result)
    print(
        f"\n{result.name}: {result.cpu_ms_per_update:.2f} ms CPU/update, "
        f"{result.rate:.1f} updates/s, {result.timeouts} timeouts, {len(result.errors)} errors"
    )
    assert result.errors == [], "\n".join(result.errors[:20])
    assert result.timeouts == 0
    assert result.answered == result.updates == load.updates
    assert len(result.start_latencies) == load.probes
