"""Following a verified roadmap: reminders on the action's date (once), monthly while late,
not at night; a roadmap late for six months flagged once; through the real job function."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from db.models import Commitment, CommitmentAction, OutboxMessage
from scheduler.jobs import JobContext, commitment_followup
from tests.databases import CONTENT_DIR
from tests.factories import make_representative, make_user

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


async def _roadmap(sessions: async_sessionmaker[AsyncSession], *dues: date) -> list[int]:
    """A verified commitment of a supermarket with actions due on these dates."""
    async with sessions.begin() as session:
        _, unit = await make_representative(session)
        await make_user(session, chat_id="7001", role="coordinator", unit_code="SCT")
        commitment = Commitment(unit_id=unit.id, status="verified")
        session.add(commitment)
        await session.flush()
        actions = [
            CommitmentAction(
                commitment_id=commitment.id,
                key=f"a{i}",
                label=f"Việc {i}",
                position=i,
                due_date=due,
            )
            for i, due in enumerate(dues, start=1)
        ]
        session.add_all(actions)
        await session.flush()
        return [a.id for a in actions]


async def _run(sessions: async_sessionmaker[AsyncSession], now: datetime) -> int:
    texts = Texts(CONTENT_DIR / "templates")
    context = JobContext(sessions, texts, TZ, clock=lambda: now, content_dir=CONTENT_DIR)
    return await commitment_followup(context)


async def _texts(sessions: async_sessionmaker[AsyncSession], chat_id: str) -> list[str]:
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [str(row.payload["text"]) for row in rows]


async def test_an_action_is_asked_about_on_its_date_once_then_monthly_while_late(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _roadmap(sessions, date(2027, 3, 15))  # a Monday
    assert await _run(sessions, local(2027, 3, 12, 10)) == 0  # before its date
    assert await _run(sessions, local(2027, 3, 15, 7, 30)) == 0  # before 08:00
    assert await _run(sessions, local(2027, 3, 15, 8, 5)) == 1
    assert await _run(sessions, local(2027, 3, 15, 8, 20)) == 0  # the same round, once
    assert await _run(sessions, local(2027, 3, 20, 10)) == 0  # a Saturday: nothing anyway
    assert await _run(sessions, local(2027, 4, 1, 22)) == 0  # at night
    assert await _run(sessions, local(2027, 4, 2, 9)) == 1  # next month, still not done
    texts = await _texts(sessions, "2001")
    assert "Đến hạn việc" in texts[0]
    assert "đã quá hạn" in texts[1]
    async with sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == "2001"))
        assert row is not None
        assert row.batch == "reminders"  # held by the sender at night and on days off
        options = row.payload["options"]
        assert isinstance(options, list)
        labels = [o["label"] for o in options]
        assert labels == ["✅ Đã thực hiện", "⏳ Chưa, đang chậm"]


async def test_a_done_action_is_not_asked_again(sessions: async_sessionmaker[AsyncSession]) -> None:
    (action_id,) = await _roadmap(sessions, date(2027, 3, 15))
    async with sessions.begin() as session:
        action = await session.get(CommitmentAction, action_id)
        assert action is not None
        action.status = "done"
    assert await _run(sessions, local(2027, 3, 15, 9)) == 0
    assert await _run(sessions, local(2027, 4, 2, 9)) == 0


async def test_a_roadmap_late_for_six_months_is_flagged_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _roadmap(sessions, date(2027, 1, 29), date(2027, 2, 26))
    await _run(sessions, local(2027, 8, 20, 9))  # the later action is under six months late
    async with sessions() as session:
        assert (await session.get(Commitment, 1)).flagged_at is None  # type: ignore[union-attr]
    await _run(sessions, local(2027, 9, 1, 9))
    await _run(sessions, local(2027, 9, 2, 9))
    flagged = [t for t in await _texts(sessions, "7001") if "quá hạn từ 6 tháng" in t]
    assert len(flagged) == 1
    async with sessions() as session:
        commitment = await session.get(Commitment, 1)
        assert commitment is not None
        assert commitment.flagged_at is not None
        total = await session.scalar(select(func.count()).select_from(OutboxMessage))
        assert total is not None
