"""Inbound load, webhook mode: our bot on SQLite and PostgreSQL against a bare PTB echo bot.

50 users each send a command and press a button of the answer, ten times (1,000 updates per
run, after one warm-up round); the echo bot runs before and after each of ours. The table printed
at the end gives the bot's CPU time per update, updates/s, p50/p99 latency, the unloaded
/start→reply time and the CPU ratio ours/echo (goal ≤ 1.0, docs/performance.md). Only correctness
is asserted: every update answered, no timeouts, no errors. Knobs: BENCH_USERS, BENCH_ROUNDS,
BENCH_PROBES, BENCH_WARMUP, BENCH_REPEAT, BENCH_ECHO_POOL, BENCH_PROFILE=1 (py-spy).
"""

import os
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests.bench.fast_api import FastBotApi
from tests.bench.load import Load, measure
from tests.bench.processes import start_echo, start_ours
from tests.bench.report import Result
from tests.databases import PostgresUnavailable, postgres_admin_url

# The echo bot is cheap to run and the noisiest (its pool of 256 connections grows to 20 or 50
# depending on how the first bursts fall), so it runs twice per round, around ours.
ROUND = ("echo", "sqlite", "echo", "postgres")


def _runs(repeat: int) -> list[object]:
    seen: Counter[str] = Counter()
    params: list[object] = []
    for config in ROUND * repeat:
        seen[config] += 1
        params.append(pytest.param(config, id=f"{config}-{seen[config]}"))
    return params


RUNS = _runs(Load.from_env().repeat)


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


def run_config(config: str, fake: FastBotApi, load: Load, folder: Path) -> Result:
    """Start the configuration's bot (and database), measure it, stop it."""
    if config == "echo":
        return measure(fake, start_echo(fake, folder, "echo (PTB defaults)"), load)
    if config == "sqlite":
        url = f"sqlite:///{folder / 'bot.db'}"
        return measure(fake, start_ours(fake, folder, url, "ours, SQLite", unthrottled=True), load)
    with postgres_database() as url:
        bot = start_ours(fake, folder, url, "ours, PostgreSQL", unthrottled=True)
        return measure(fake, bot, load)


@pytest.mark.timeout(900)
@pytest.mark.parametrize("config", RUNS)
def test_inbound_load(
    config: str, inbound_api: FastBotApi, inbound_results: list[Result], tmp_path: Path
) -> None:
    load = Load.from_env()
    result = run_config(config, inbound_api, load, tmp_path)
    inbound_results.append(result)
    print(
        f"\n{result.name}: {result.cpu_ms_per_update:.2f} ms CPU/update, "
        f"{result.rate:.1f} updates/s, {result.timeouts} timeouts, {len(result.errors)} errors"
    )
    assert result.errors == [], "\n".join(result.errors[:20])
    assert result.timeouts == 0
    assert result.answered == result.updates == load.updates
    assert len(result.start_latencies) == load.probes
