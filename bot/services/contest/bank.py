"""Question banks: the starter bank from content/, coordinators' Excel imports, the draw."""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.contest_files import QuestionSpec
from bot.services.core.errors import InvalidInput
from db.models import ContestQuestion, ContestRound

# Where `contest import-questions` puts a coordinator's bank by default; new rounds take it
# when it has enough questions. The seed never writes it (it writes contest.yaml's bank).
IMPORTED_BANK = "chinh-thuc"


@dataclass(frozen=True)
class BankChange:
    """What loading a bank did."""

    bank: str
    created: int
    updated: int
    retired: int
    active: int


async def apply_bank(
    session: AsyncSession, *, bank: str, questions: Sequence[QuestionSpec]
) -> BankChange:
    """Make the bank hold exactly these questions (by code); others become inactive.

    Inactive questions stay, so attempts that drew them keep their text and answer key.
    """
    existing = {
        q.code: q
        for q in await session.scalars(select(ContestQuestion).where(ContestQuestion.bank == bank))
    }
    created = updated = retired = 0
    for position, spec in enumerate(questions, start=1):
        values: dict[str, object] = {
            "text": spec.text,
            "options": list(spec.options),
            "correct": list(spec.correct),
            "topic": spec.topic,
            "difficulty": spec.difficulty,
            "source": spec.source,
            "position": position,
            "active": True,
        }
        row = existing.pop(spec.code, None)
        if row is None:
            session.add(ContestQuestion(bank=bank, code=spec.code, **values))
            created += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            updated += 1
    for row in existing.values():
        if row.active:
            row.active = False
            retired += 1
    await session.flush()
    return BankChange(bank, created, updated, retired, len(questions))


async def import_bank(
    session: AsyncSession, *, bank: str, questions: Sequence[QuestionSpec], now: datetime
) -> BankChange:
    """A coordinator's bank replaces the bank of that name, unless a running round uses it."""
    running = await session.scalar(
        select(ContestRound.number).where(
            ContestRound.bank == bank,
            ContestRound.status == "open",
            ContestRound.starts_at <= now,
            ContestRound.ends_at > now,
        )
    )
    if running is not None:
        raise InvalidInput("contest/bank_in_use", {"bank": bank, "number": running})
    return await apply_bank(session, bank=bank, questions=questions)


async def list_banks(session: AsyncSession) -> list[tuple[str, int]]:
    """Each bank with its number of active questions."""
    rows = await session.execute(
        select(ContestQuestion.bank, func.count())
        .where(ContestQuestion.active)
        .group_by(ContestQuestion.bank)
        .order_by(ContestQuestion.bank)
    )
    return [(bank, count) for bank, count in rows]


async def draw(
    session: AsyncSession, *, bank: str, count: int, rng: random.Random
) -> list[ContestQuestion]:
    """`count` different active questions of the bank in a random order.

    Drawn by id, then only those are read: a whole bank's texts at every start would cost more
    than the start itself when a school starts at once.
    """
    ids = list(
        await session.scalars(
            select(ContestQuestion.id)
            .where(ContestQuestion.bank == bank, ContestQuestion.active)
            .order_by(ContestQuestion.id)
        )
    )
    if len(ids) < count:
        raise InvalidInput(
            "contest/bank_too_small", {"bank": bank, "available": len(ids), "count": count}
        )
    chosen = rng.sample(ids, count)
    rows = await session.scalars(select(ContestQuestion).where(ContestQuestion.id.in_(chosen)))
    found = {row.id: row for row in rows}
    return [found[question_id] for question_id in chosen]


async def count_active(session: AsyncSession, *, bank: str) -> int:
    """Active questions of a bank."""
    return (
        await session.scalar(
            select(func.count())
            .select_from(ContestQuestion)
            .where(ContestQuestion.bank == bank, ContestQuestion.active)
        )
        or 0
    )
