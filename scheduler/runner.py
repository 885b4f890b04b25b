"""APScheduler inside the bot process, run only by the leader among the bot's processes.

The fixed jobs live in memory and use the app's own engine, sessions and templates: nothing
is pickled into the database (no second SQLite writer, no database URL stored). What a job
must do only once (a week's digest, a reminder round) is recorded in our own tables, so a
restart, a missed run or two leaders at once send nothing twice, and a run missed while the
bot was down is made up at the next tick.
"""

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.ext.asyncio import AsyncEngine

from db.locks import LeaderLock
from scheduler import jobs
from scheduler.jobs import JobContext

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=60)
RENEW_SECONDS = 10.0


# The fixed jobs: id, what runs, when (local time). Each job's "once" lives in our own tables.
Job = Callable[[JobContext], Awaitable[int]]
FIXED_JOBS: tuple[tuple[str, Job, dict[str, str | int]], ...] = (
    # Every ten minutes of the working day: the first run after Monday 08:00 queues the digest.
    ("weekly_digest", jobs.weekly_digest, {"minute": "*/10", "hour": "8-20"}),
    # Every hour of the working day: the first run after a month's deadline queues the
    # communes' standings (once per period, a week at most after it).
    ("standings", jobs.standings, {"minute": 15, "hour": "8-20"}),
    # Every half hour of the working day: the first run that finds reports waiting tells the
    # coordinators (once a day).
    ("review_notices", jobs.review_notices, {"minute": "5,35", "hour": "8-20"}),
    ("reminders", jobs.remind, {"minute": "*/5"}),
    ("commitments", jobs.commitment_followup, {"minute": "*/15"}),
    # Every night: photos of drafts thrown away or sent outside a report are deleted.
    ("media_sweep", jobs.sweep_media, {"hour": 3, "minute": 30}),
)


def build_scheduler(context: JobContext) -> AsyncIOScheduler:
    """The scheduler with its fixed jobs."""
    scheduler = AsyncIOScheduler(timezone=context.tz)
    for job_id, job, when in FIXED_JOBS:
        scheduler.add_job(
            job,
            CronTrigger(timezone=context.tz, **when),
            id=job_id,
            args=[context],
            coalesce=True,
            max_instances=1,
        )
    return scheduler


async def run_when_leader(
    engine: AsyncEngine,
    context: JobContext,
    *,
    also: Sequence[Callable[[], Coroutine[Any, Any, None]]] = (),
    renew_seconds: float = RENEW_SECONDS,
) -> None:
    """Wait to become the one scheduler among the bot's processes, then run until cancelled.

    `also`: loops only the leader runs (the outbox sender: one sender keeps the platform's
    rate for all processes). The lock is checked every `renew_seconds`; a leader that cannot
    confirm it (its database connection was cut) stops at once and tries to take it again.
    """
    lock = LeaderLock(engine, owner=f"{socket.gethostname()}:{os.getpid()}", ttl=LEASE)
    while True:
        if await lock.hold():
            scheduler = build_scheduler(context)
            scheduler.start()
            loops = [asyncio.create_task(run()) for run in also]
            log.info("scheduler: this process leads")
            try:
                while await lock.hold():  # noqa: ASYNC110 (renewing a lease, not waiting)
                    await asyncio.sleep(renew_seconds)
            finally:
                scheduler.shutdown(wait=False)
                for task in loops:
                    task.cancel()
                await asyncio.gather(*loops, return_exceptions=True)
                await lock.release()
            log.warning("scheduler: leadership lost")
        await asyncio.sleep(renew_seconds)
