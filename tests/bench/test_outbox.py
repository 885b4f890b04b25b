"""Outbound broadcast through the outbox, against a fake Bot API that enforces the flood limits.

10,000 messages to 10,000 users are queued with `bot.services.outbox.enqueue` into a real
database (SQLite, and PostgreSQL when TEST_DATABASE_URL answers), then drained by the real
`OutboxSender` through the real `TelegramChannel` (python-telegram-bot) to `outbox_fake`. The fake
runs in its own process, refuses with a 429 whatever would put more than `cap` messages into one
sliding second (or two into one second of the same chat), counts those refusals as violations,
and counts every message token it accepts, so duplicates and losses show. The cap is raised to
200/s (OUTBOX_BENCH_CAP) so that a run takes about 50 s at full speed.

Configurations (only the scheduler's leader runs a sender, so one sender drains everything; the
channel's own send gate keeps the platform's rate, TELEGRAM_SEND_RATE):
- one sender at the cap;
- on SQLite, the channel as shipped: TELEGRAM_SEND_RATE's default of 30 a second;
- on SQLite, 1,000 rows of a material broadcast, each a text and a document: two Bot API
  messages per outbox row.

The table is printed at the end (pytest -s). Only correctness is asserted: every row ends
'sent' and every queued message reaches the fake exactly once. Rates are printed, never asserted.
OUTBOX_BENCH_MESSAGES, OUTBOX_BENCH_PROBE_MESSAGES and OUTBOX_BENCH_MATERIAL_ROWS change the
sizes.
"""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.telegram.channel import TelegramChannel, TelegramWiring
from bot.dialog.inbox import InboxStore
from bot.messages import Attachment, DeliveryResult, Incoming, Option, Outgoing
from bot.services.messaging import outbox
from bot.settings import TelegramSettings
from db.engine import make_engine, make_sessionmaker
from db.models import OutboxMessage, User
from scheduler.outbox_sender import OutboxSender
from tests.bench.outbox_fake import TOKEN

PROJECT_DIR = Path(__file__).resolve().parents[2]
CAP = float(os.environ.get("OUTBOX_BENCH_CAP", "200"))
MESSAGES = int(os.environ.get("OUTBOX_BENCH_MESSAGES", "10000"))
PROBE_MESSAGES = int(os.environ.get("OUTBOX_BENCH_PROBE_MESSAGES", "600"))
MATERIAL_ROWS = int(os.environ.get("OUTBOX_BENCH_MATERIAL_ROWS", "1000"))
SHIPPED_RATE = 30.0  # TELEGRAM_SEND_RATE's default
CHAT_INTERVAL = 1.0  # Telegram: about one message a second to one chat
CHAT_BASE = 700_000_000  # chat ids of the simulated users


@dataclass
class Run:
    """One configuration's figures."""

    name: str
    backend: str
    cap: float
    messages: int
    api_messages: int
    seconds: float
    violations: int
    chat_violations: int
    duplicates: int
    lost: int
    unsent_rows: int
    peak_window: int
    cpu_ms: float

    @property
    def rate(self) -> float:
        """Messages the Bot API accepted a second, first claim to last row recorded."""
        return self.api_messages / self.seconds if self.seconds else 0.0

    @property
    def of_cap(self) -> float:
        """The rate as a percentage of the cap."""
        return 100.0 * self.rate / self.cap


def render(runs: list[Run]) -> str:
    """The figures as a fixed-width table."""
    header = (
        f"{'configuration':<44} {'backend':<10} {'cap/s':>5} {'rows':>6} {'API msgs':>8} "
        f"{'seconds':>7} {'msg/s':>6} {'% cap':>6} {'viol.':>5} {'chat v.':>7} {'dupl.':>5} "
        f"{'lost':>4} {'unsent':>6} {'peak/1s':>7} {'CPU ms/row':>10}"
    )
    lines = [header, "-" * len(header)]
    lines.extend(
        f"{r.name:<44} {r.backend:<10} {r.cap:>5.0f} {r.messages:>6} {r.api_messages:>8} "
        f"{r.seconds:>7.1f} {r.rate:>6.1f} {r.of_cap:>5.1f}% {r.violations:>5} "
        f"{r.chat_violations:>7} {r.duplicates:>5} {r.lost:>4} {r.unsent_rows:>6} "
        f"{r.peak_window:>7} {r.cpu_ms:>10.2f}"
        for r in runs
    )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def outbox_runs() -> Iterator[list[Run]]:
    """Every configuration's figures, printed as one table after the module's tests."""
    runs: list[Run] = []
    yield runs
    if runs:
        print(f"\n\nOutbox drained to a rate-limited fake Bot API\n{render(runs)}")


@pytest.fixture(scope="module")
def fake_root() -> Iterator[str]:
    """The fake Bot API in its own process; its root URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.bench.outbox_fake", "--port", "0"],
        cwd=PROJECT_DIR,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("PORT "), f"the fake Bot API did not start: {line!r}"
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@dataclass
class Database:
    """The database under test and the engines opened on it (disposed at teardown)."""

    url: URL
    engines: list[AsyncEngine]

    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """Sessions on a new engine of their own, as a separate sender process would have."""
        engine = make_engine(self.url)
        self.engines.append(engine)
        return make_sessionmaker(engine)


@pytest.fixture
async def database(empty_db_url: URL) -> AsyncIterator[Database]:
    """A migrated empty database: a SQLite file, or a throw-away PostgreSQL database."""
    db = Database(empty_db_url, [])
    yield db
    for engine in db.engines:
        await engine.dispose()


async def _control(root: str, path: str, body: dict[str, float] | None = None) -> Any:
    async with aiohttp.ClientSession() as client:
        if body is None:
            async with client.get(f"{root}/control/{path}") as response:
                return await response.json()
        async with client.post(f"{root}/control/{path}", json=body) as response:
            return await response.json()


async def queue_messages(
    sessions: async_sessionmaker[AsyncSession], count: int, attachment: Attachment | None = None
) -> set[str]:
    """`count` users in one bulk insert, one message each through outbox.enqueue; the tokens."""
    run, now = uuid.uuid4().hex[:8], datetime.now(UTC)
    async with sessions.begin() as session:
        chats = [str(CHAT_BASE + i) for i in range(count)]
        await session.execute(
            insert(User),
            [
                {
                    "channel": "telegram",
                    "chat_id": chat,
                    "platform_user_id": chat,
                    "display_name": f"Người dùng {chat}",
                    "role": "citizen",
                    "active": True,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for chat in chats
            ],
        )
        # One query loads them all, so each enqueue's session.get() hits the identity map.
        users = await session.scalars(select(User).where(User.chat_id.in_(chats)))
        tokens: set[str] = set()
        for user in users:
            token = f"{run}:{user.chat_id}"
            message = Outgoing(
                f"Tài liệu mới về sản xuất và tiêu dùng bền vững đã có. [{token}]",
                options=(Option("Xem tài liệu", "material:1"),),
                attachment=attachment,
            )
            assert await outbox.enqueue(session, user_id=user.id, message=message, now=now)
            tokens.add(token)
    return tokens


async def _no_reply(_incoming: Incoming) -> list[Outgoing]:
    return []


async def _no_report(_chat_id: str, _result: DeliveryResult, _message: Outgoing) -> None:
    return None


async def _no_username(_username: str) -> None:
    return None


async def telegram_channel(
    root: str, sessions: async_sessionmaker[AsyncSession], send_rate: float
) -> TelegramChannel:
    """The real Telegram adapter pointed at the fake, initialised (getMe) but not polling."""
    wiring = TelegramWiring(
        handle=_no_reply,
        report=_no_report,
        inbox=InboxStore(sessions),
        commands=(),
        content_dir=PROJECT_DIR / "content",
        started=_no_username,
    )
    channel = TelegramChannel(
        TelegramSettings(token=TOKEN, api_base_url=root), wiring, send_rate=send_rate
    )
    await channel.bot.initialize()
    return channel


async def _count(sessions: async_sessionmaker[AsyncSession], *statuses: str) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(statuses))
        )
    return int(count or 0)


async def drain(
    sender: OutboxSender, sessions: async_sessionmaker[AsyncSession], end: float
) -> None:
    """drain_once until no row is pending or being sent (by any sender), or the deadline."""
    while time.monotonic() < end:
        if not await sender.drain_once():
            if not await _count(sessions, "pending", "sending"):
                return
            await asyncio.sleep(0.05)


async def measure(
    name: str,
    database: Database,
    root: str,
    *,
    rate: float,
    messages: int,
    attachment: Attachment | None = None,
    fake_chat_interval: float = CHAT_INTERVAL,
) -> Run:
    """Queue `messages`, then drain them with one sender through a Telegram channel whose send
    rate is `rate`; give up after three times the expected time."""
    tokens = await queue_messages(database.sessions(), messages, attachment)
    await _control(
        root,
        "reset",
        {
            "cap": CAP,
            "chat_interval": fake_chat_interval,
            "fail_documents": float(os.environ.get("FAILDOC", "0")),
        },
    )
    sessions = database.sessions()
    channel = await telegram_channel(root, sessions, rate)
    sender = OutboxSender(sessions, {"telegram": channel}, chat_interval=CHAT_INTERVAL)
    cpu, start = time.process_time(), time.monotonic()
    end = start + 30.0 + 3.0 * messages / min(rate, CAP)
    try:
        await drain(sender, sessions, end)
        seconds, cpu = time.monotonic() - start, time.process_time() - cpu
    finally:
        await channel.bot.shutdown()
    stats = await _control(root, "stats")
    seen: dict[str, int] = stats["tokens"]
    return Run(
        name=name,
        backend=database.url.get_backend_name(),
        cap=CAP,
        messages=messages,
        api_messages=int(stats["accepted"]),
        seconds=seconds,
        violations=int(stats["violations"]),
        chat_violations=int(stats["chat_violations"]),
        duplicates=sum(seen.get(token, 0) - 1 for token in tokens if seen.get(token, 0) > 1),
        lost=sum(1 for token in tokens if token not in seen),
        unsent_rows=messages - await _count(sessions, "sent"),
        peak_window=int(stats["peak_window"]),
        cpu_ms=1000.0 * cpu / messages,
    )


def check(run: Run, runs: list[Run]) -> None:
    """Keep the figures for the table; assert correctness only."""
    runs.append(run)
    print(f"\n{render([run])}")
    assert run.duplicates == 0, "a queued message reached the Bot API more than once"
    assert run.lost == 0, "a queued message never reached the Bot API"
    assert run.unsent_rows == 0, "an outbox row did not end 'sent'"


@pytest.mark.timeout(300)
async def test_outbox_drain(database: Database, fake_root: str, outbox_runs: list[Run]) -> None:
    run = await measure(
        "one sender, send rate = cap", database, fake_root, rate=CAP, messages=MESSAGES
    )
    check(run, outbox_runs)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
async def test_outbox_drain_with_the_channel_as_shipped(
    database: Database, fake_root: str, outbox_runs: list[Run]
) -> None:
    run = await measure(
        "one sender, TELEGRAM_SEND_RATE as shipped (30/s)",
        database,
        fake_root,
        rate=SHIPPED_RATE,
        messages=PROBE_MESSAGES,
    )
    check(run, outbox_runs)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("empty_db_url", ["sqlite"], indirect=True)
async def test_outbox_drain_of_material_rows_with_a_document(
    database: Database, fake_root: str, outbox_runs: list[Run]
) -> None:
    """A material broadcast: each row is a text and a document, two Bot API messages.

    Telegram lets a private chat take a short burst, so the fake's per-chat check is off here.
    """
    run = await measure(
        "material rows (text + document)",
        database,
        fake_root,
        rate=CAP,
        messages=MATERIAL_ROWS,
        attachment=Attachment("document", "https://example.org/to-roi.pdf", "to-roi.pdf"),
        fake_chat_interval=0.0,
    )
    check(run, outbox_runs)
