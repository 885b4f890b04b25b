"""Job functions for the persistent job store: importable, plain arguments, own session."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.services.digests import queue_weekly_digest
from bot.services.texts import Texts
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
