"""APScheduler inside the bot process, jobs kept in the database, run only by the leader."""

import asyncio
import logging
import os
import socket
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from db.engine import sync_url
from db.locks import LeaderLock
from scheduler import jobs

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
RENEW_SECONDS = 20.0


def build_scheduler(url: URL, *, content_dir: Path, tz: ZoneInfo) -> AsyncIOScheduler:
    """The scheduler with its fixed jobs (re-adding them on every start replaces, never doubles)."""
    store = SQLAlchemyJobStore(url=sync_url(url).render_as_string(hide_password=False))
    scheduler = AsyncIOScheduler(jobstores={"default": store}, timezone=tz)
    database = url.render_as_string(hide_password=False)
    scheduler.add_job(
        jobs.weekly_digest,
        CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=tz),
        id="weekly_digest",
        kwargs={"database_url": database, "content_dir": str(content_dir), "tz_name": tz.key},
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=int(timedelta(hours=6).total_seconds()),
    )
    scheduler.add_job(
        jobs.standings,
        CronTrigger(hour=8, minute=15, timezone=tz),
        id="standings",
        kwargs={"database_url": database, "content_dir": str(content_dir), "tz_name": tz.key},
        replace_existing=True,
        coalesce=True,
        misfire_grace_time=int(timedelta(hours=6).total_seconds()),
    )
    scheduler.add_job(
        jobs.remind,
        CronTrigger(minute="*/5", timezone=tz),
        id="reminders",
        kwargs={"database_url": database, "content_dir": str(content_dir), "tz_name": tz.key},
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(timedelta(minutes=5).total_seconds()),
    )
    return scheduler


async def run_when_leader(
    engine: AsyncEngine, url: URL, *, content_dir: Path, tz: ZoneInfo
) -> None:
    """Wait to become the one scheduler among the bot's processes, then run until cancelled."""
    lock = LeaderLock(engine, owner=f"{socket.gethostname()}:{os.getpid()}", ttl=LEASE)
    while True:
        if await lock.hold():
            scheduler = build_scheduler(url, content_dir=content_dir, tz=tz)
            scheduler.start()
            log.info("scheduler: this process leads")
            try:
                while await lock.hold():  # noqa: ASYNC110 (renewing a lease, not waiting)
                    await asyncio.sleep(RENEW_SECONDS)
            finally:
                scheduler.shutdown(wait=False)
                await lock.release()
            log.warning("scheduler: leadership lost")
        await asyncio.sleep(RENEW_SECONDS)
