"""Shared steps of the contest tests: a round, a registered student, delivering questions."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import DeliveryResult, DeliveryStatus, Option, Outgoing
from bot.services.contest import registry
from bot.services.core.access import Role
from bot.services.messaging import outbox
from db.models import ContestAttempt, ContestItem, ContestQuestion, OutboxMessage
from tests.dialog.conftest import NOW, Chat


async def open_round(
    sessions: async_sessionmaker[AsyncSession],
    *,
    questions: int = 3,
    minutes: int = 5,
    days: int = 7,
    now: datetime = NOW,
) -> int:
    """A round open from an hour before `now` for `days` days; its id."""
    async with sessions.begin() as session:
        created = await registry.create_round(
            session,
            actor_role=Role.COORDINATOR,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(days=days),
            now=now,
            questions=questions,
            minutes=minutes,
        )
        await registry.open_round(
            session, actor_role=Role.COORDINATOR, round_id=created.id, now=now
        )
    return created.id


async def single_answer_bank(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Leave only questions with one right option, for tests that press one button."""
    async with sessions.begin() as session:
        for question in await session.scalars(select(ContestQuestion)):
            question.active = len(question.correct) == 1


async def register(
    student: Chat,
    *,
    name: str = "Nguyễn Văn An",
    birth: str = "15/03/2009",
    school: str = "phan dinh phung",
    guardian: str | None = None,
) -> None:
    """The registration steps typed or pressed as a student does them, ending registered."""
    await student.say("/thi")
    await student.press(student.option("Đồng ý"))
    await student.say(name)
    await student.say(birth)
    await student.say(school)
    await student.press(student.reply_option_payload(0))
    await student.say("10A1")
    await student.press(student.option("Bỏ qua"))
    if guardian is not None:
        await student.say(guardian)
    replies = await student.press(student.option("Xác nhận"))
    assert "Đã đăng ký" in replies[0].text, [r.text for r in replies]


async def pending_messages(
    sessions: async_sessionmaker[AsyncSession], chat_id: str
) -> list[tuple[int, Outgoing]]:
    """Outbox rows of a chat not yet sent, oldest first."""
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.chat_id == chat_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
        )
        return [(row.id, outbox.decode(row.payload)) for row in rows]


async def deliver(
    sessions: async_sessionmaker[AsyncSession], chat_id: str, *, at: datetime
) -> list[Outgoing]:
    """The outbox sender's part: the chat's pending messages reported sent at `at`."""
    sent = []
    for message_id, message in await pending_messages(sessions, chat_id):
        async with sessions.begin() as session:
            await outbox.record_result(
                session,
                message_id=message_id,
                result=DeliveryResult(DeliveryStatus.SENT),
                now=at,
            )
        sent.append(message)
    return sent


def answer_buttons(message: Outgoing) -> list[Option]:
    """The answer buttons of a question message."""
    return [o for o in message.options if o.payload.startswith(("thi:a:", "thi:t:"))]


async def correct_letters(
    sessions: async_sessionmaker[AsyncSession], message: Outgoing
) -> list[str]:
    """Which letters of a question message are right (read from the database, like a grader)."""
    token = answer_buttons(message)[0].payload.split(":")[2].split(".")[0]
    async with sessions() as session:
        item = await session.scalar(select(ContestItem).where(ContestItem.token == token))
        assert item is not None
        question = await session.get(ContestQuestion, item.question_id)
        assert question is not None
        return ["ABCD"[slot] for slot, index in enumerate(item.order) if index in question.correct]


async def attempts_of(sessions: async_sessionmaker[AsyncSession]) -> list[ContestAttempt]:
    """Every attempt stored."""
    async with sessions() as session:
        return list(await session.scalars(select(ContestAttempt).order_by(ContestAttempt.id)))
