"""The scheduler's jobs: open a session, call the service, commit. Whoever runs them, and however
often, the services' own tables make each message go out once."""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.metrics import REMINDERS
from bot.services.content.commitment_specs import load_catalog
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.insights.charts import ChartFiles, chart_stem, digest_chart_values, draw
from bot.services.insights.digests import DIGEST_AT, is_digest_queued, queue_weekly_digest
from bot.services.insights.standings import queue_standings
from bot.services.organisations import followup
from bot.services.people import privacy
from bot.services.reminders import rounds as reminders
from bot.services.reports.review_notices import queue_review_notices


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


def _default_charts() -> ChartFiles:
    return ChartFiles(Path("var") / "charts", Path("content") / "fonts" / "DejaVuSans.ttf")


@dataclass(frozen=True)
class JobContext:
    """What every job needs: the app's sessions, texts and calendar."""

    sessions: async_sessionmaker[AsyncSession]
    texts: Texts
    tz: ZoneInfo
    clock: Callable[[], datetime] = utc_now
    # The content folder (the commitment catalog: who is told about a stalled roadmap).
    content_dir: Path = Path("content")
    # Where pictures are kept and the font they are drawn with (the digest's picture).
    charts: ChartFiles = field(default_factory=_default_charts)
    # Photos copied from Zalo: those nothing holds any more are swept.
    media_dir: Path = Path("var") / "media"

    @property
    def calendar(self) -> WorkCalendar:
        """Working days and quiet hours in the province's time zone."""
        return WorkCalendar(self.tz)


async def weekly_digest(context: JobContext) -> int:
    """Queue last week's digest to the coordinators, once per week whoever calls it and when:
    from Monday 08:00, in working hours (a run missed then is made up at the next one)."""
    now = context.clock()
    local = now.astimezone(context.tz)
    if not context.calendar.may_send(now) or (local.weekday() == 0 and local.time() < DIGEST_AT):
        return 0
    # The picture is drawn first, from a read-only session, in a worker thread: no transaction
    # waits for matplotlib (it is drawn once for the same figures).
    async with context.sessions() as session:
        if await is_digest_queued(session, now=now, tz=context.tz):
            return 0
        values = await digest_chart_values(session, texts=context.texts, now=now, tz=context.tz)
    picture = await draw(values, files=context.charts, stem=chart_stem("digest", local.date()))
    async with context.sessions.begin() as session:
        return await queue_weekly_digest(
            session, texts=context.texts, now=now, tz=context.tz, picture=picture
        )


async def review_notices(context: JobContext) -> int:
    """Tell the coordinators how many reports wait for verification, once a day at most, in
    working hours from 08:00."""
    now = context.clock()
    if not context.calendar.may_send(now) or now.astimezone(context.tz).time() < DIGEST_AT:
        return 0
    async with context.sessions.begin() as session:
        return await queue_review_notices(session, texts=context.texts, now=now, tz=context.tz)


async def standings(context: JobContext) -> int:
    """Queue each commune's standing once its month's sending deadline has passed (once)."""
    now = context.clock()
    if not context.calendar.may_send(now):
        return 0
    async with context.sessions.begin() as session:
        return await queue_standings(session, texts=context.texts, now=now, tz=context.tz)


async def remind(context: JobContext) -> int:
    """Open the reminder rounds due now and queue the reminders and nudges due; messages queued."""
    now, calendar = context.clock(), context.calendar
    async with context.sessions.begin() as session:
        await reminders.open_rounds(session, now=now, calendar=calendar)
        queued = await reminders.send_due(session, now=now, calendar=calendar, texts=context.texts)
    REMINDERS.inc(queued)
    return queued


async def commitment_followup(context: JobContext) -> int:
    """Ask representatives about the actions whose date has come (working days, 08:00–21:00),
    and flag roadmaps stalled for six months; messages queued."""
    now, calendar = context.clock(), context.calendar
    # Read (when it changed) off the loop and before the transaction.
    catalog = await asyncio.to_thread(load_catalog, context.content_dir)
    async with context.sessions.begin() as session:
        queued = await followup.send_due(session, now=now, calendar=calendar, texts=context.texts)
        await followup.flag_stalled(
            session,
            now=now,
            today=calendar.local_date(now),
            texts=context.texts,
            catalog=catalog,
        )
    return queued


async def sweep_media(context: JobContext) -> int:
    """Delete the photos no report, commitment or draft holds (personal data kept for nothing)."""
    async with context.sessions() as session:
        return await privacy.sweep_unused_photos(
            session, media_dir=context.media_dir, now=context.clock()
        )
