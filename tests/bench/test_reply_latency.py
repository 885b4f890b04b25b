"""A conversation during a broadcast: a user's reply must not wait behind 10,000 outbox rows.

The real bot (`python -m bot run`, webhook mode, SQLite, TELEGRAM_SEND_RATE as shipped: 30/s)
against the fast fake Bot API. 20 users each send /toi five times, a second apart: first with
an idle outbox (the reference, in the same run), then while a 10,000-row broadcast drains at
the platform's cap. Printed: reply latency p50/p99/max in both phases and the broadcast's send
rate meanwhile (goal: every reply under 2 s, the broadcast still at the cap). Only correctness
is asserted: every reply arrives.
"""

import asyncio
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import create_engine, insert, select

from db.models import OutboxMessage, User
from tests.bench.fast_api import FastBotApi
from tests.bench.load import Tally, Users, text_update
from tests.bench.processes import BotProcess, start_ours

USERS, ROUNDS = 20, 5
BROADCAST = 10_000
TALKERS, LISTENERS = 610_000_000, 620_000_000


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    broadcast_per_second: float = 0.0

    def line(self) -> str:
        lat = sorted(self.latencies)
        p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
        return (
            f"| {self.name} | {len(lat)} | {1000 * statistics.median(lat):.0f} ms"
            f" | {1000 * p99:.0f} ms | {1000 * lat[-1]:.0f} ms | {self.broadcast_per_second:.1f} |"
        )


def queue_broadcast(database: Path, count: int) -> None:
    """`count` users and one broadcast row each, written as the broadcast service would."""
    engine = create_engine(f"sqlite:///{database}", connect_args={"timeout": 30})
    now = datetime.now(UTC)
    chats = [str(LISTENERS + i) for i in range(count)]
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                {
                    "channel": "telegram",
                    "chat_id": c,
                    "platform_user_id": c,
                    "role": "citizen",
                    "active": True,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for c in chats
            ],
        )
        ids = connection.execute(select(User.id, User.chat_id).where(User.chat_id.in_(chats)))
        connection.execute(
            insert(OutboxMessage),
            [
                {
                    "channel": "telegram",
                    "chat_id": chat,
                    "user_id": user_id,
                    "status": "pending",
                    "payload": {"text": f"Thông báo chung [{chat}]"},
                    "attempts": 0,
                    "not_before": now,
                    "created_at": now,
                    "batch": "bench",
                    "priority": 2,
                    "parts_sent": 0,
                }
                for user_id, chat in ids
            ],
        )
    engine.dispose()


async def converse(fake: FastBotApi, bot: BotProcess, name: str) -> Phase:
    phase, tally = Phase(name), Tally()
    async with aiohttp.ClientSession() as session:
        users = Users(fake, bot, session)

        async def talk(user_id: int) -> None:
            for _ in range(ROUNDS):
                await users.exchange(tally, user_id, text_update(fake, user_id, "/toi"))
                await asyncio.sleep(1.0)

        await asyncio.gather(*(talk(TALKERS + i) for i in range(USERS)))
    assert not tally.errors, tally.errors
    assert not tally.timeouts
    phase.latencies = tally.latencies
    return phase


async def broadcast_sent(fake: FastBotApi) -> int:
    return sum(fake._queue(LISTENERS + i).qsize() for i in range(BROADCAST))


@pytest.mark.timeout(900)
def test_replies_while_a_broadcast_drains(inbound_api: FastBotApi, tmp_path: Path) -> None:
    fake = inbound_api
    database = tmp_path / "bot.db"
    bot = start_ours(fake, tmp_path, f"sqlite:///{database}", "ours, SQLite")
    try:

        async def greet() -> None:
            async with aiohttp.ClientSession() as session:
                users, tally = Users(fake, bot, session), Tally()
                await asyncio.gather(*(users.greet(tally, TALKERS + i) for i in range(USERS)))

        fake.run(greet(), timeout=120)
        idle = fake.run(converse(fake, bot, "idle outbox (reference)"), timeout=300)
        queue_broadcast(database, BROADCAST)
        time.sleep(5.0)  # let the drain reach its pace
        before, started = fake.run(broadcast_sent(fake), 30), time.monotonic()
        busy = fake.run(converse(fake, bot, f"{BROADCAST:,} broadcast rows draining"), 300)
        busy.broadcast_per_second = (fake.run(broadcast_sent(fake), 30) - before) / (
            time.monotonic() - started
        )
    finally:
        bot.stop()
        fake.reset()
    header = "| outbox | replies | p50 | p99 | max | broadcast msg/s meanwhile |"
    print(f"\n{header}\n|---|---|---|---|---|---|\n{idle.line()}\n{busy.line()}")
