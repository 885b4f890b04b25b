"""Job functions for the persistent job store: importable, plain arguments, own session."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.content.commitment_specs import load_catalog
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.insights.digests import queue_weekly_digest
from bot.services.organisations import followup
from bot.services.reminders import rounds as reminders
from db.engine import make_engine, make_sessionmaker, parse_database_url


async def weekly_digest(database_url: str, content_dir: str, tz_name: str) -> int:
    """Queue last week's digest to the coordinators (once per week, whoever runs it)."""
    engine = make_engine(parse_database_url(database_url))
    try:
        async with make_sessionmaker(engine).begin() as session:
            return await queue_weekly_digest(
                session,
                texts=Texts(Path(content_dir) / "templates"),
                now=datetime.now(UTC),
                tz=ZoneInfo(tz_name),
            )
    finally:
        await engine.dispose()


async def remind(database_url: str, content_dir: str, tz_name: str) -> int:
    """Open the reminder rounds due now and queue the reminders and nudges due; messages queued."""
    engine = make_engine(parse_database_url(database_url))
    calendar = WorkCalendar(ZoneInfo(tz_name))
    now = datetime.now(UTC)
    try:
        async with make_sessionmaker(engine).begin() as session:
            await reminders.open_rounds(session, now=now, calendar=calendar)
            return await reminders.send_due(
                session, now=now, calendar=calendar, texts=Texts(Path(content_dir) / "templates")
            )
    finally:
        await engine.dispose()


async def commitment_followup(
    sessions: async_sessionmaker[AsyncSession],
    *,
    content_dir: Path,
    tz_name: str,
    now: datetime | None = None,
) -> int:
    """Ask representatives about the actions whose date has come (working days, 08:00–21:00),
    and flag roadmaps stalled for six months; messages queued."""
    now = now or datetime.now(UTC)
    calendar = WorkCalendar(ZoneInfo(tz_name))
    texts = Texts(content_dir / "templates")
    async with sessions.begin() as session:
        queued = await followup.send_due(session, now=now, calendar=calendar, texts=texts)
        await followup.flag_stalled(
            session,
            now=now,
            today=calendar.local_date(now),
            texts=texts,
            catalog=load_catalog(content_dir),
        )
    return queued


async def commitments(database_url: str, content_dir: str, tz_name: str) -> int:
    """commitment_followup for the job store (plain arguments, own engine)."""
    engine = make_engine(parse_database_url(database_url))
    try:
        return await commitment_followup(
            make_sessionmaker(engine), content_dir=Path(content_dir), tz_name=tz_name
        )
    finally:
        await engine.dispose()
