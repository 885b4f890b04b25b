"""A contest peak in chat: 500 students each take a 20-question attempt through the webhook.

The real bot (`python -m bot run`, webhook mode, SQLite, the README's default send settings:
TELEGRAM_SEND_RATE 30, CHAT_SEND_INTERVAL 1) against `FastBotApi` enforcing Telegram's flood
limits (30 messages in any second in all, one a second per chat; a 429 otherwise). Students are
registered for an open round beforehand (registration is not what peaks); each sends /thi,
presses "Làm bài", answers every question 2-5 s after it arrives (every fifth answer is
delivered twice by "Telegram", same update id), then types the prediction.

Printed: attempts completed; answers lost or counted twice (goal 0); the delay from an answer
to the next question (p50/p95); the time charged against the time the questions waited in the
bot's queue; 429s; and the bot's CPU per answer next to the bare echo bot's CPU per update,
measured in the same run. Knobs: BENCH_CONTEST_STUDENTS (500), BENCH_CONTEST_QUESTIONS (20).
"""

import asyncio
import random
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.services.content.loading import load_content
from bot.services.contest import registration, registry
from bot.services.core.access import Role
from bot.services.seeding.apply import apply_content
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from db.models import Unit, User
from tests.bench.fast_api import FastBotApi, FloodLimits, Sent
from tests.bench.load import Load, button_update, env_int, measure, text_update
from tests.bench.processes import WEBHOOK_SECRET, BotProcess, start_echo, start_ours
from tests.bench.report import percentile
from tests.databases import CONTENT_DIR

STUDENTS = env_int("BENCH_CONTEST_STUDENTS", 500)
QUESTIONS = env_int("BENCH_CONTEST_QUESTIONS", 20)
FIRST_ID = 9_100_000
WAIT = 300.0  # a question may wait minutes in the queue at 30 messages a second


@dataclass
class Tally:
    """What the students saw."""

    completed: int = 0
    answers_sent: int = 0
    delays: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def prepare(raw_url: str, students: int) -> None:
    """Migrate, seed, open a round and register the students (before the bot starts)."""
    url = make_url(raw_url)
    await asyncio.to_thread(upgrade_to_head, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    async with sessions.begin() as session:
        await apply_content(session, load_content(CONTENT_DIR))
    async with sessions.begin() as session:
        created = await registry.create_round(
            session,
            actor_role=Role.COORDINATOR,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=1),
            now=now,
            questions=QUESTIONS,
            minutes=120,
        )
        await registry.open_round(
            session, actor_role=Role.COORDINATOR, round_id=created.id, now=now
        )
        schools = list(await session.scalars(select(Unit.id).where(Unit.kind == "school")))
        for number in range(students):
            user = User(
                channel="telegram",
                chat_id=str(FIRST_ID + number),
                platform_user_id=str(FIRST_ID + number),
                display_name=f"Học sinh {number}",
            )
            session.add(user)
            await session.flush()
            await registration.register(
                session,
                user_id=user.id,
                round_id=created.id,
                full_name=f"Học Sinh Số {number}",
                birth_date=date(2009, 1, 1),
                school_id=schools[number % len(schools)],
                class_name="11A1",
                phone=None,
                guardian_name=None,
                now=now,
                today=now.date(),
            )
    await engine.dispose()


class Students:
    """Telegram's side: students posting updates to the bot's webhook."""

    def __init__(self, fake: FastBotApi, bot: BotProcess, session: aiohttp.ClientSession) -> None:
        """Post to `bot` through `session`."""
        self.fake, self.bot, self.session = fake, bot, session
        self.headers = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}

    async def post(self, update: dict[str, object]) -> None:
        """POST one update; the webhook must answer 200."""
        async with self.session.post(self.bot.webhook_url, json=update, headers=self.headers) as r:
            await r.read()
            if r.status != 200:
                raise RuntimeError(f"webhook answered {r.status}")

    async def next(self, user_id: int) -> Sent:
        """The bot's next message to the student."""
        return await self.fake.next_message(user_id, WAIT)

    async def take(self, tally: Tally, number: int, rng: random.Random) -> None:
        """One student's attempt, as a person taps it."""
        user_id = FIRST_ID + number
        await self.post(text_update(self.fake, user_id, "/thi"))
        ready = await self.next(user_id)
        start = next(d for d in ready.callback_data() if d.startswith("thi:start:"))
        await asyncio.sleep(1.0)  # reading; a person never taps within the second
        await self.post(button_update(self.fake, user_id, ready.message, start))
        question = await self.next(user_id)
        for position in range(QUESTIONS):
            if not question.message["text"].startswith(f"Câu {position + 1}/"):
                raise RuntimeError(f"expected question {position + 1}: {question.message['text']}")
            await asyncio.sleep(rng.uniform(2.0, 5.0))
            choices = question.callback_data()
            toggles = [d for d in choices if d.startswith("thi:t:")]
            if toggles:  # several options may be right: select one, then submit
                await self.post(button_update(self.fake, user_id, question.message, toggles[0]))
                question = await self.next(user_id)
                choices = [d for d in question.callback_data() if d.startswith("thi:s:")]
                await asyncio.sleep(1.0)
            press = button_update(self.fake, user_id, question.message, rng.choice(choices))
            sent = time.perf_counter()
            await self.post(press)
            tally.answers_sent += 1
            if position % 5 == 0:  # Telegram delivers the same update again
                await self.post(press)
            question = await self.next(user_id)
            tally.delays.append(question.at - sent)
        if "Câu dự đoán" not in question.message["text"]:
            raise RuntimeError(f"expected the prediction: {question.message['text']}")
        await asyncio.sleep(1.0)
        await self.post(text_update(self.fake, user_id, str(rng.randint(0, 50))))
        final = await self.next(user_id)
        if "Kết quả" not in final.message["text"]:
            raise RuntimeError(f"expected the result: {final.message['text']}")
        tally.completed += 1


async def run_students(fake: FastBotApi, bot: BotProcess, count: int) -> tuple[Tally, float]:
    """Every student at once; the tally and the wall-clock seconds."""
    tally = Tally()
    connector = aiohttp.TCPConnector(limit=40)  # Telegram's default webhook connections
    async with aiohttp.ClientSession(connector=connector) as session:
        students = Students(fake, bot, session)

        async def one(number: int) -> None:
            try:
                await students.take(tally, number, random.Random(number))
            except Exception as exc:
                tally.errors.append(f"student {number}: {exc!r}")

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(count)))
        return tally, time.perf_counter() - started


def stored_figures(database: Path) -> dict[str, object]:
    """Attempts, answers and times as the database holds them."""
    with sqlite3.connect(database) as conn:
        attempts = conn.execute(
            "select status, answered, charged_ms, queue_ms, "
            "(select count(*) from contest_answers a where a.attempt_id = t.id) "
            "from contest_attempts t"
        ).fetchall()
        per_question = conn.execute(
            "select a.charged_ms, a.queue_ms from contest_answers a"
        ).fetchall()
    return {"attempts": attempts, "per_question": per_question}


def _seconds(values: list[float], fraction: float) -> str:
    return f"{percentile(values, fraction):.1f}"


@pytest.mark.timeout(3600)
def test_contest_peak(tmp_path: Path) -> None:
    with FastBotApi() as fake:
        echo = measure(fake, start_echo(fake, tmp_path / "echo", "echo (PTB defaults)"),
                       Load(users=50, rounds=10, probes=5, warmup=1))  # fmt: skip
        assert echo.errors == [], echo.errors[:5]
        database = tmp_path / "ours" / "bot.db"
        database.parent.mkdir()
        url = f"sqlite:///{database}"
        asyncio.run(prepare(url, STUDENTS))
        fake.limits = FloodLimits(cap=30.0, chat_interval=1.0)
        bot = start_ours(fake, tmp_path / "ours", url, "ours, SQLite")
        try:
            cpu_before = bot.cpu_seconds()
            tally, seconds = fake.run(run_students(fake, bot, STUDENTS), timeout=3400)
            cpu = bot.cpu_seconds() - cpu_before
            problems = bot.log_problems()
        finally:
            bot.stop()
            if bot.log.exists():  # pytest prunes old temporary folders: keep the log to read
                keep = Path("var") / "bench-contest-bot.log"
                keep.parent.mkdir(exist_ok=True)
                keep.write_bytes(bot.log.read_bytes())
        limits = fake.limits
    figures = stored_figures(database)
    attempts = figures["attempts"]
    assert isinstance(attempts, list)
    per_question = figures["per_question"]
    assert isinstance(per_question, list)
    finished = sum(1 for a in attempts if a[0] == "finished")
    lost = sum(QUESTIONS - a[1] for a in attempts)
    doubled = sum(1 for a in attempts if a[1] != a[4]) + sum(
        max(0, a[1] - QUESTIONS) for a in attempts
    )
    charged = [a[2] / 1000 for a in attempts]
    queued = [a[3] / 1000 for a in attempts]
    charged_q = [c / 1000 for c, _q in per_question]
    queued_q = [q / 1000 for _c, q in per_question]
    updates = tally.answers_sent + 3 * tally.completed  # /thi, start, prediction
    ours_ms = 1000 * cpu / max(updates, 1)
    lines = [
        "",
        f"Contest peak: {STUDENTS} students x {QUESTIONS} questions, webhook, SQLite, "
        f"fake Bot API at {limits.cap:.0f} msg/s and 1/s per chat; {seconds:.0f} s wall clock",
        f"  attempts completed: {tally.completed}/{STUDENTS} (stored finished: {finished})",
        f"  answers sent {tally.answers_sent}; lost {lost}; counted twice {doubled}",
        f"  answer -> next question: p50 {_seconds(tally.delays, 0.5)} s, "
        f"p95 {_seconds(tally.delays, 0.95)} s, max {_seconds(tally.delays, 1.0)} s",
        f"  per attempt: time charged p50 {_seconds(charged, 0.5)} s / p95 "
        f"{_seconds(charged, 0.95)} s; time its questions waited in the bot's queue "
        f"p50 {_seconds(queued, 0.5)} s / p95 {_seconds(queued, 0.95)} s (not charged)",
        f"  per question: charged p50 {_seconds(charged_q, 0.5)} s (students think 2-5 s); "
        f"queued p50 {_seconds(queued_q, 0.5)} s / p95 {_seconds(queued_q, 0.95)} s",
        f"  429s from the fake: {limits.violations} over the cap, {limits.chat_violations} per "
        f"chat; peak {limits.peak} messages in one second",
        f"  CPU: ours {ours_ms:.2f} ms per update ({updates} updates, outbox sends included); "
        f"echo bot {echo.cpu_ms_per_update:.2f} ms per update; ratio "
        f"{ours_ms / echo.cpu_ms_per_update:.2f}",
    ]
    print("\n".join(lines))
    assert tally.errors == [], tally.errors[:10]
    assert problems == [], problems[:10]
    assert tally.completed == STUDENTS
    assert (lost, doubled) == (0, 0)
