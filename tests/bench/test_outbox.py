"""Outbound broadcast through the outbox, against a fake Bot API that enforces the flood limits.

10,000 messages to 10,000 users are queued with `bot.services.outbox.enqueue` into a real
database (SQLite, and PostgreSQL when TEST_DATABASE_URL answers), then drained by the real
`OutboxSender` through the real `TelegramChannel` (python-telegram-bot) to `outbox_fake`, which
runs in its own process, refuses with a 429 whatever would put more than `cap` messages into one
sliding second (or two into one second of the same chat) and counts those violations, and counts
every message token it accepted, so duplicates and losses show. The cap is raised to 200/s
(OUTBOX_BENCH_CAP) so that a run takes about 50 s.

Configurations:
- one sender; two senders on two engines draining the same rows at once (each at half the cap:
  a sender's pacing is its own, so two of them must share the cap between them);
- on SQLite, a short probe of the channel exactly as shipped: its python-telegram-bot
  AIORateLimiter keeps its default overall limit of 30 messages a second whatever rate the
  sender is given. The other runs build the same limiter with the cap as its overall limit.

The table is printed at the end (pytest -s). Only correctness is asserted: every row 'sent',
every message accepted by the fake exactly once. Rates are reported, never asserted.
"""

import asyncio
import functools
import os
import re
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
from telegram.ext import AIORateLimiter

from bot.channels.telegram import TelegramChannel
from bot.messages import DeliveryResult, Incoming, Option, Outgoing
from bot.services import outbox
from bot.settings import TelegramSettings
from db.engine import make_engine, make_sessionmaker
from db.models import OutboxMessage, User
from scheduler.outbox_sender import OutboxSender
from tests.bench.outbox_fake import TOKEN

PROJECT_DIR = Path(__file__).resolve().parents[2]
CAP = float(os.environ.get("OUTBOX_BENCH_CAP", "200"))
MESSAGES = int(os.environ.get("OUTBOX_BENCH_MESSAGES", "10000"))
PROBE_MESSAGES = int(os.environ.get("OUTBOX_BENCH_PROBE_MESSAGES", "600"))
CHAT_INTERVAL = 1.0  # Telegram: about one message a second to one chat
CHAT_BASE = 700_000_000
PTB_DEFAULT_RATE = 30.0  # AIORateLimiter's overall_max_rate when not given one
_MARK = re.compile(r"\[([^\]\s]+)\]")


@dataclass
class Run:
    """One configuration's figures."""

    name: str
    backend: str
    senders: int
    cap: float
    messages: int
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
        """Messages a second, first claim to last row recorded."""
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def of_cap(self) -> float:
        """The rate as a percentage of the cap."""
        return 100.0 * self.rate / self.cap


def render(runs: list[Run]) -> str:
    """The results as a fixed-width table."""
    header = (
        f"{'configuration':<34} {'backend':<8} {'cap/s':>6} {'msgs':>6} {'seconds':>8} "
        f"{'msg/s':>7} {'% cap':>6} {'viol.':>6} {'chat v.':>7} {'dupl.':>5} {'lost':>5} "
        f"{'unsent':>6} {'peak 1s':>7} {'CPU ms/msg':>10}"
    )
    lines = ["", "Outbox drain to the fake Bot API", header, "-" * len(header)]
    lines.extend(
        f"{r.name:<34} {r.backend:<8} {r.cap:>6.0f} {r.messages:>6} {r.seconds:>8.1f} "
        f"{r.rate:>7.1f} {r.of_cap:>5.1f}% {r.violations:>6} {r.chat_violations:>7} "
        f"{r.duplicates:>5} {r.lost:>5} {r.unsent_rows:>6} {r.peak_window:>7} {r.cpu_ms:>10.2f}"
        for r in runs
    )
    return "\n".join(lines)


@pytest.fixture(scope="module")
def outbox_runs() -> Iterator[list[Run]]:
    """Every configuration's figures, printed as one table after the module's tests."""
    runs: list[Run] = []
    yield runs
    if runs:
        print(render(runs))


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
        assert line.startswith("PORT "), f"the fake did not start: {line!r}"
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


async def _control(root: str, path: str, body: dict[str, float] | None = None) -> Any:
    async with aiohttp.ClientSession() as client:
        if body is None:
            async with client.get(f"{root}/control/{path}") as response:
                return await response.json()
        async with client.post(f"{root}/control/{path}", json=body) as response:
            return await response.json()


async def _seed(url: URL, count: int, run: str) -> set[str]:
    """`count` users, one bulk insert; one queued message each via outbox.enqueue; the tokens."""
    engine = make_engine(url)
    now = datetime.now(UTC)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await session.execute(
                insert(User),
                [
                    {
                        "channel": "telegram",
                        "chat_id": str(CHAT_BASE + i),
                        "platform_user_id": str(CHAT_BASE + i),
                        "display_name": f"Người dùng {i}",
                        "role": "citizen",
                        "active": True,
                        "created_at": now,
                        "last_seen_at": now,
                    }
                    for i in range(count)
                ],
            )
            # Load the users once, so each enqueue's session.get() is an identity-map hit.
            users = list(await session.scalars(select(User).order_by(User.id)))
            tokens: set[str] = set()
            for i, user in enumerate(users):
                token = f"{run}:{i}"
                message = Outgoing(
                    f"Tài liệu mới về sản xuất và tiêu dùng bền vững. [{token}]",
                    options=(Option("Xem tài liệu", "m:1"),),
                )
                assert await outbox.enqueue(session, user_id=user.id, message=message, now=now)
                tokens.add(token)
    finally:
        await engine.dispose()
    return tokens


async def _no_reply(_incoming: Incoming) -> list[Outgoing]:
    return []


async def _no_report(_chat_id: str, _result: DeliveryResult) -> None:
    return None


@pytest.fixture
def matched_limiter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build TelegramChannel's AIORateLimiter with the cap as its overall limit (not 30/s)."""
    monkeypatch.setattr(
        "bot.channels.telegram.AIORateLimiter",
        functools.partial(AIORateLimiter, overall_max_rate=CAP, overall_time_period=1),
    )


async def _channel(root: str) -> TelegramChannel:
    channel = TelegramChannel(
        TelegramSettings(token=TOKEN, api_base_url=root),
        handle=_no_reply,
        report=_no_report,
        commands=(),
        content_dir=PROJECT_DIR / "content",
    )
    await channel.app.initialize()
    return channel


async def _unfinished(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_(("pending", "sending")))
        )
    return int(count or 0)


async def _drain(sender: OutboxSender, sessions: async_sessionmaker[AsyncSession], end: float) -> None:
    """drain_once until no row is pending or being sent (by anyone), or the deadline."""
    while time.monotonic() < end:
        if not await sender.drain_once():
            if not await _unfinished(sessions):
                return
            await asyncio.sleep(0.05)


@dataclass
class Target:
    """A database to drain and the engines on it."""

    url: URL
    engines: list[AsyncEngine]

    async def close(self) -> None:
        for engine in self.engines:
            await engine.dispose()


@pytest.fixture
async def target(empty_db_url: URL) -> AsyncIterator[Target]:
    db = Target(empty_db_url, [])
    yield db
    await db.close()


async def measure(
    name: str,
    target: Target,
    root: str,
    *,
    senders: int,
    messages: int,
    cap: float,
) -> Run:
    """Queue `messages`, drain them with `senders` senders (own engine and channel each)."""
    run = uuid.uuid4().hex[:8]
    expected = await _seed(target.url, messages, run)
    await _control(root, "reset", {"cap": cap, "chat_interval": CHAT_INTERVAL})
    pairs: list[tuple[OutboxSender, async_sessionmaker[AsyncSession]]] = []
    channels: list[TelegramChannel] = []
    for _ in range(senders):
        engine = make_engine(target.url)
        target.engines.append(engine)
        sessions = make_sessionmaker(engine)
        channel = await _channel(root)
        channels.append(channel)
        rate = cap / senders
        sender = OutboxSender(
            sessions, {"telegram": channel}, rates={"telegram": rate}, chat_interval=CHAT_INTERVAL
        )
        pairs.append((sender, sessions))
    budget = 30.0 + 2.0 * messages / min(cap, PTB_DEFAULT_RATE if "shipped" in name else cap)
    cpu, start = time.process_time(), time.monotonic()
    try:
        await asyncio.gather(*(_drain(s, sessions, start + budget) for s, sessions in pairs))
        seconds = time.monotonic() - start
        cpu = time.process_time() - cpu
    finally:
        for channel in channels:
            await channel.app.shutdown()
    stats = await _control(root, "stats")
    counts: dict[str, int] = {
        token: n for token, n in stats["tokens"].items() if token.startswith(f"{run}:")
    }
    async with pairs[0][1]() as session:
        sent = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
        )
    return Run(
        name=name,
        backend=target.url.get_backend_name(),
        senders=senders,
        cap=cap,
        messages=messages,
        seconds=seconds,
        violations=int(stats["violations"]),
        chat_violations=int(stats["chat_violations"]),
        duplicates=sum(n - 1 for n in counts.values() if n > 1),
        lost=len(expected - counts.keys()),
        unsent_rows=messages - int(sent or 0),
        peak_window=int(stats["peak_window"]),
        cpu_ms=1000.0 * cpu / messages,
    )


def _check(run: Run) -> None:
    print(f"\n{render([run])}")
    assert run.duplicates == 0, "a message reached the fake Bot API twice"
    assert run.lost == 0, "a queued message never reached the fake Bot API"
    assert run.unsent_rows == 0, "an outbox row did not end 'sent'"


@pytest.mark.timeout(240)
@pytest.mark.parametrize("senders", [1, 2], ids=["one-sender", "two-senders"])
@pytest.mark.usefixtures("matched_limiter")
async def test_outbox_drain(
    senders: int, target: Target, fake_root: str, outbox_runs: list[Run]
) -> None:
    name = "one sender" if senders == 1 else f"two senders, {CAP / 2:.0f}/s each"
    run = await measure(
        f"{name}, PTB limiter = cap", target, fake_root, senders=senders, messages=MESSAGES, cap=CAP
    )
    outbox_runs.append(run)
    _check(run)


@pytest.mark.timeout(240)
async def test_outbox_drain_channel_as_shipped(
    target: Target, fake_root: str, outbox_runs: list[Run]
) -> None:
    if target.url.get_backend_name() != "sqlite":
        pytest.skip("the PTB limiter probe runs on SQLite only")
    run = await measure(
        "one sender, shipped PTB limiter",
        target,
        fake_root,
        senders=1,
        messages=PROBE_MESSAGES,
        cap=CAP,
    )
    outbox_runs.append(run)
    _check(run)
