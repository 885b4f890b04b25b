"""The nightly sweep: photos nothing holds any more (a draft thrown away) are deleted after a
week; evidence of reports, signed letters and drafts in progress stay."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from db.models import Conversation, ReportAttachment
from scheduler import jobs
from scheduler.jobs import JobContext
from scheduler.runner import build_scheduler
from tests.factories import make_report

NOW = datetime(2026, 11, 25, 20, 30, tzinfo=UTC)


def _photo(media: Path, ref: str, *, days_old: int) -> Path:
    path = media / ref
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"jpeg")
    moment = (NOW - timedelta(days=days_old)).timestamp()
    os.utime(path, (moment, moment))
    return path


async def test_only_old_photos_nothing_holds_are_deleted(
    sessions: async_sessionmaker[AsyncSession], texts: Texts, tmp_path: Path
) -> None:
    media = tmp_path / "media"
    evidence = _photo(media, "zalo/2026/10/evidence.jpg", days_old=40)
    drafted = _photo(media, "zalo/2026/10/drafted.jpg", days_old=40)
    thrown = _photo(media, "zalo/2026/10/thrown.jpg", days_old=40)
    fresh = _photo(media, "zalo/2026/11/fresh.jpg", days_old=1)
    async with sessions.begin() as session:
        report = await make_report(session)
        session.add(
            ReportAttachment(
                report_id=report.id, channel="zalo", file_ref="zalo/2026/10/evidence.jpg"
            )
        )
        session.add(
            Conversation(
                channel="zalo",
                chat_id="z1",
                state="report.photos",
                data={"photos": ["zalo/2026/10/drafted.jpg"]},
            )
        )
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    context = JobContext(sessions, texts, tz, clock=lambda: NOW, media_dir=media)
    assert "media_sweep" in {job.id for job in build_scheduler(context).get_jobs()}
    assert await jobs.sweep_media(context) == 1
    assert not thrown.exists()
    assert evidence.exists()
    assert drafted.exists()
    assert fresh.exists()
    assert await jobs.sweep_media(context) == 0
