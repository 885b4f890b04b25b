"""Report lists read a fixed number of queries, however many reports they show."""

from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.services.people.users import get_user
from bot.services.reports.changes import list_unreviewed
from bot.services.reports.recording import list_recent
from db.models import ReportAttachment
from tests.factories import make_report, make_user
from tests.statements import executed

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


async def _reports(session: AsyncSession, count: int, *, photos: int) -> None:
    for day in range(1, count + 1):
        report = await make_report(
            session,
            unit_code="18073",
            task_code="IV.9",
            activity_date=date(2026, 10, day),
            figures={"sessions_held": day},
        )
        for n in range(photos):
            session.add(ReportAttachment(report_id=report.id, channel="telegram", file_ref=f"p{n}"))
    await session.flush()


async def test_lists_take_the_same_queries_for_two_reports_or_eight(
    db_engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        official = await make_user(session, chat_id="7001", role="official", unit_code="18073")
        coordinator = await make_user(session, chat_id="9000", role="coordinator")
        await _reports(session, 2, photos=3)
    runs: dict[str, list[int]] = {"recent": [], "unreviewed": []}
    for more in (0, 6):
        async with sessions.begin() as session:
            await _reports(session, more, photos=1)
        async with sessions() as session:
            user = await get_user(session, official.id)
            actor = await get_user(session, coordinator.id)
            with executed(db_engine) as statements:
                recent = await list_recent(session, user=user, now=NOW, limit=8)
            runs["recent"].append(len(statements))
            with executed(db_engine) as statements:
                waiting = await list_unreviewed(session, actor=actor, now=NOW, limit=8)
            runs["unreviewed"].append(len(statements))
        assert len(recent) == len(waiting) == 2 + more
    assert runs == {"recent": [4, 4], "unreviewed": [4, 4]}
    oldest = waiting[0]
    assert (oldest.unit_name, oldest.task_code, oldest.photos) == ("Thành Sen", "IV.9", 3)
    assert oldest.figures == [("Buổi tuyên truyền", "1 buổi")]
    assert [r.photos for r in recent] == [1] * 6 + [3, 3]
