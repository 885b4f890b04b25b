"""Job functions for the persistent job store: importable, plain arguments, own session."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.insights.charts import ChartFiles, chart_stem, digest_chart_values, draw
from bot.services.insights.digests import queue_weekly_digest
from bot.services.insights.standings import queue_standings
from bot.services.reminders import rounds as reminders
from db.engine import make_engine, make_sessionmaker, parse_database_url


async def weekly_digest(database_url: str, content_dir: str, tz_name: str) -> int:
    """Queue last week's digest to the coordinators (once per week, whoever runs it).

    Its picture is drawn first, from a read-only session, in a worker thread: no transaction
    waits for matplotlib.
    """
    engine = make_engine(parse_database_url(database_url))
    texts, tz, now = Texts(Path(content_dir) / "templates"), ZoneInfo(tz_name), datetime.now(UTC)
    files = ChartFiles(
        Path.cwd() / "var" / "charts", Path(content_dir) / "fonts" / "DejaVuSans.ttf"
    )
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as session:
            values = await digest_chart_values(session, texts=texts, now=now, tz=tz)
        stem = chart_stem("digest", now.astimezone(tz).date())
        picture = await draw(values, files=files, stem=stem)
        async with sessions.begin() as session:
            return await queue_weekly_digest(session, texts=texts, now=now, tz=tz, picture=picture)
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


async def standings(database_url: str, content_dir: str, tz_name: str) -> int:
    """Queue each commune's standing once its month's sending deadline has passed (once)."""
    engine = make_engine(parse_database_url(database_url))
    try:
        async with make_sessionmaker(engine).begin() as session:
            return await queue_standings(
                session,
                texts=Texts(Path(content_dir) / "templates"),
                now=datetime.now(UTC),
                tz=ZoneInfo(tz_name),
            )
    finally:
        await engine.dispose()
