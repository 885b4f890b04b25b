import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from bot.services.insights.digests import queue_weekly_digest
from db.engine import make_engine, make_sessionmaker
from db.locks import LeaderLock
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.runner import build_scheduler
from tests.dialog.conftest import outbox_texts
from tests.factories import make_user


async def test_only_one_process_leads_until_it_lets_go(db_url: URL) -> None:
    first_engine, second_engine = make_engine(db_url), make_engine(db_url)
    first = LeaderLock(first_engine, owner="a", ttl=timedelta(seconds=60))
    second = LeaderLock(second_engine, owner="b", ttl=timedelta(seconds=60))
    try:
        assert await first.hold()
        assert not await second.hold()
        assert await first.hold()  # renewing our own lock
        await first.release()
        assert await second.hold()
        assert not await first.hold()
    finally:
        await first.release()
        await second.release()
        await first_engine.dispose()
        await second_engine.dispose()


async def test_the_weekly_digest_is_queued_once_per_week_to_coordinators(
    sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    monday = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    async with sessions.begin() as session:
        await make_user(session, chat_id="9000", role="coordinator")
        await make_user(session, chat_id="9001", role="coordinator")
        await make_user(session, chat_id="3001", role="official", unit_code="18073")
    for _ in range(2):  # a restart, or a second scheduler, must not send it twice
        async with sessions.begin() as session:
            await queue_weekly_digest(session, texts=texts, now=monday, tz=tz)
    assert len(await outbox_texts(sessions, "9000")) == 1
    assert len(await outbox_texts(sessions, "9001")) == 1
    assert await outbox_texts(sessions, "3001") == []
    [digest] = await outbox_texts(sessions, "9000")
    assert "Từ 16/11/2026 đến 22/11/2026" in digest["text"]
    async with sessions.begin() as session:
        next_week = monday + timedelta(days=7)
        assert await queue_weekly_digest(session, texts=texts, now=next_week, tz=tz) == 2


async def test_the_digest_goes_out_at_the_first_tick_after_monday_eight(
    sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    async with sessions.begin() as session:
        await make_user(session, chat_id="9000", role="coordinator")
    clock = [datetime(2026, 11, 30, 7, 50, tzinfo=tz)]  # Monday, before office hours
    context = JobContext(sessions, texts, tz, clock=lambda: clock[0])
    scheduler = build_scheduler(context)
    job = next(j for j in scheduler.get_jobs() if j.id == "weekly_digest")
    ticks: list[datetime] = []
    moment = clock[0]
    while len(ticks) < 3:
        moment = job.trigger.get_next_fire_time(None, moment + timedelta(seconds=1))
        ticks.append(moment)
    assert ticks[0] == datetime(2026, 11, 30, 8, 0, tzinfo=tz)
    assert await jobs.weekly_digest(context) == 0  # 07:50: not yet
    for tick in ticks:  # every tick of the day runs it; only the first queues
        clock[0] = tick
        await jobs.weekly_digest(context)
    assert len(await outbox_texts(sessions, "9000")) == 1


async def test_a_digest_missed_while_the_bot_was_down_goes_out_once_when_it_is_back(
    sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    async with sessions.begin() as session:
        await make_user(session, chat_id="9000", role="coordinator")
    tuesday = datetime(2026, 12, 1, 9, 30, tzinfo=tz)  # down all Monday
    context = JobContext(sessions, texts, tz, clock=lambda: tuesday)
    assert await jobs.weekly_digest(context) == 1
    assert await jobs.weekly_digest(context) == 0
    [digest] = await outbox_texts(sessions, "9000")
    assert "Từ 23/11/2026 đến 29/11/2026" in digest["text"]


def test_the_reminders_job_runs_every_five_minutes(
    sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    scheduler = build_scheduler(JobContext(sessions, texts, tz))
    job = next(j for j in scheduler.get_jobs() if j.id == "reminders")
    fire = job.trigger.get_next_fire_time(None, datetime(2026, 11, 25, 7, 58, tzinfo=tz))
    assert fire == datetime(2026, 11, 25, 8, 0, tzinfo=tz)
    after = job.trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    assert after == datetime(2026, 11, 25, 8, 5, tzinfo=tz)
    assert job.func is jobs.remind


async def test_two_leaders_at_once_queue_the_digest_once(
    db_url: URL, sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    """Two processes that both believe they lead (a lock lost unnoticed) run the job together."""
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    async with sessions.begin() as session:
        await make_user(session, chat_id="9000", role="coordinator")
    monday = datetime(2026, 11, 30, 8, 0, tzinfo=tz)
    engines = [make_engine(db_url) for _ in range(2)]
    try:
        contexts = [
            JobContext(make_sessionmaker(e), texts, tz, clock=lambda: monday) for e in engines
        ]
        results = await asyncio.gather(
            *(jobs.weekly_digest(c) for c in contexts), return_exceptions=True
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sorted(r if isinstance(r, int) else -1 for r in results) == [0, 1]
    assert len(await outbox_texts(sessions, "9000")) == 1
