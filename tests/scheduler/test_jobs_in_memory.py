"""The scheduler's jobs live in memory and use the app's own sessions: nothing is pickled."""

from zoneinfo import ZoneInfo

from apscheduler.jobstores.memory import MemoryJobStore
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.runner import build_scheduler


async def test_the_fixed_jobs_are_in_memory_with_the_apps_sessions(
    db_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    context = JobContext(sessions, texts, ZoneInfo("Asia/Ho_Chi_Minh"))
    scheduler = build_scheduler(context)
    scheduler.start(paused=True)
    try:
        stores = scheduler._jobstores  # APScheduler lists them nowhere else
        assert list(stores) == ["default"]
        assert isinstance(stores["default"], MemoryJobStore)
        found = {job.id: job for job in scheduler.get_jobs()}
        assert sorted(found) == [
            "commitments",
            "media_sweep",
            "reminders",
            "review_notices",
            "standings",
            "weekly_digest",
        ]
        assert found["weekly_digest"].func is jobs.weekly_digest
        for job in found.values():
            assert job.args == (context,)
            assert job.args[0].sessions is sessions  # the app's own, no second engine
    finally:
        scheduler.shutdown(wait=False)
    async with db_engine.connect() as connection:
        tables = await connection.run_sync(lambda c: inspect(c).get_table_names())
    assert "apscheduler_jobs" not in tables
