"""What coordinators see and do with a round's results: summary, close, publish, retention."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Outgoing
from bot.services.contest import attempts
from bot.services.contest.ranking import Ranked, Ranking, SchoolTally, rank_round, tally_schools
from bot.services.contest.registry import RoundView, current_round, get_round, mark_closed
from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput
from bot.services.core.texts import Texts
from bot.services.messaging import outbox
from bot.services.people.privacy import anonymize_entry
from db.models import ContestAttempt, ContestEntry, ContestRound, Registry

TOP = 10


@dataclass(frozen=True)
class RoundSummary:
    """/ketquathi: the round in figures, its top ten and the schools still missing."""

    round: RoundView
    state: str
    registered: int
    started: int
    finished: int
    in_progress: int
    flagged: int
    average_score: float | None
    all_correct: int
    top: list[Ranked]
    schools_total: int
    schools_taking_part: int
    schools_missing: list[str]
    registry: str


@dataclass(frozen=True)
class ContestDigest:
    """The contest's lines in the weekly digest."""

    number: int
    state: str
    registered: int
    finished: int
    schools_taking_part: int
    schools_total: int
    registry: str


async def school_registry_state(session: AsyncSession) -> str:
    """'complete' once an operator imported the official list, else the shipped status."""
    registry = await session.get(Registry, "school")
    if registry is None:
        return "empty"
    return "complete" if registry.declared_complete else registry.status


async def round_results(
    session: AsyncSession, *, round_id: int, now: datetime
) -> tuple[Ranking, list[SchoolTally]]:
    """The ranking and the school tally, attempts brought up to date first."""
    await attempts.settle_round(session, round_id=round_id, now=now)
    ranking = await rank_round(session, round_id=round_id)
    return ranking, await tally_schools(session, ranking=ranking)


async def summarize_round(
    session: AsyncSession, *, actor_role: str, round_id: int, now: datetime
) -> RoundSummary:
    """The coordinator's summary of a round."""
    require_role(actor_role, Role.COORDINATOR)
    await purge_expired(session, now=now)
    ranking, schools = await round_results(session, round_id=round_id, now=now)
    registered = await session.scalar(
        select(func.count()).select_from(ContestEntry).where(ContestEntry.round_id == round_id)
    )
    rows = await session.execute(
        select(ContestAttempt.status, func.count())
        .where(ContestAttempt.round_id == round_id)
        .group_by(ContestAttempt.status)
    )
    counts: dict[str, int] = dict(rows.all())  # a Result has keys(): dict() would misread it
    scores = [row.score for row in ranking.rows]
    return RoundSummary(
        round=ranking.round,
        state=ranking.round.state(now),
        registered=registered or 0,
        started=sum(counts.values()),
        finished=counts.get("finished", 0),
        in_progress=counts.get("active", 0) + counts.get("predicting", 0),
        flagged=sum(1 for row in ranking.rows if row.flagged),
        average_score=sum(scores) / len(scores) if scores else None,
        all_correct=ranking.all_correct,
        top=ranking.rows[:TOP],
        schools_total=len(schools),
        schools_taking_part=sum(1 for s in schools if s.participants),
        schools_missing=[s.name for s in schools if not s.participants],
        registry=await school_registry_state(session),
    )


async def close_round(
    session: AsyncSession, *, actor_role: str, round_id: int, now: datetime
) -> RoundView:
    """Close an open round now: no more answers; unfinished attempts are submitted as they are."""
    closed = await mark_closed(session, actor_role=actor_role, round_id=round_id, now=now)
    await attempts.settle_round(session, round_id=round_id, now=now)
    return closed


async def publish_results(
    session: AsyncSession, *, actor_role: str, round_id: int, now: datetime, texts: Texts
) -> int:
    """Make a closed round's results final and tell every participant theirs (outbox).

    From then on the correct answers may be seen, and erasure requests are carried out.
    """
    require_role(actor_role, Role.COORDINATOR)
    row = await session.get(ContestRound, round_id, with_for_update=True)
    contest_round = await get_round(session, round_id)
    if row is None or contest_round.state(now) != "closed":
        raise InvalidInput(
            "contest/publish_needs_closed"
            if contest_round.results_at is None
            else "contest/already_published",
            {"number": contest_round.number},
        )
    ranking, _schools = await round_results(session, round_id=round_id, now=now)
    row.results_at = now
    if row.status == "open":
        row.status, row.closed_at = "closed", row.closed_at or now
    queued = 0
    for ranked in ranking.rows:
        if ranked.user_id is None:
            continue
        text = texts.render(
            "contest/announcement", r=ranked, ranking=ranking, count=len(ranking.rows)
        )
        queued += await outbox.enqueue(
            session, user_id=ranked.user_id, message=Outgoing(text), now=now
        )
    await erase_requested(session, round_id=round_id, now=now)
    await audit.record(
        session, actor_id=None, action="contest.results_published", subject=f"round:{round_id}"
    )
    return queued


async def erase_requested(session: AsyncSession, *, round_id: int, now: datetime) -> int:
    """Erase the entries whose students asked for it (/xoadulieu) while the round was running."""
    entries = await session.scalars(
        select(ContestEntry).where(
            ContestEntry.round_id == round_id,
            ContestEntry.erase_requested,
            ContestEntry.erased_at.is_(None),
        )
    )
    count = 0
    for entry in entries:
        anonymize_entry(entry, now=now)
        count += 1
    return count


async def purge_expired(session: AsyncSession, *, now: datetime) -> int:
    """Erase the personal data of rounds published longer ago than the contest keeps it."""
    rounds = await session.scalars(select(ContestRound).where(ContestRound.results_at.is_not(None)))
    count = 0
    for row in rounds:
        view = await get_round(session, row.id)
        assert view.results_at is not None  # noqa: S101 (filtered above)
        if view.results_at + timedelta(days=view.retention_days) > now:
            continue
        entries = await session.scalars(
            select(ContestEntry).where(
                ContestEntry.round_id == row.id, ContestEntry.erased_at.is_(None)
            )
        )
        for entry in entries:
            anonymize_entry(entry, now=now)
            count += 1
    return count


async def contest_digest(session: AsyncSession, *, now: datetime) -> ContestDigest | None:
    """The round students deal with now, in figures (None before any round exists).

    The weekly digest job also erases what the contest keeps past its retention period.
    """
    await purge_expired(session, now=now)
    contest_round = await current_round(session, now=now)
    if contest_round is None:
        return None
    ranking, schools = await round_results(session, round_id=contest_round.id, now=now)
    registered = await session.scalar(
        select(func.count())
        .select_from(ContestEntry)
        .where(ContestEntry.round_id == contest_round.id)
    )
    return ContestDigest(
        number=contest_round.number,
        state=contest_round.state(now),
        registered=registered or 0,
        finished=len(ranking.rows),
        schools_taking_part=sum(1 for s in schools if s.participants),
        schools_total=len(schools),
        registry=await school_registry_state(session),
    )
