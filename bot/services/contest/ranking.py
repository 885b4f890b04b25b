"""Ranking a round: score, then the prediction's distance to the real number of all-correct
attempts, then total time charged, then submission time; and the tally per school."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.contest.registry import RoundView, get_round
from db.models import ContestAttempt, ContestEntry, Unit

SCHOOL_KINDS = ("school",)


@dataclass(frozen=True)
class Ranked:
    """One participant's counted attempt and its place."""

    rank: int
    attempt_id: int
    entry_id: int
    user_id: int | None
    full_name: str | None
    birth_date: str | None
    school_id: int
    school_name: str
    class_name: str | None
    score: int
    total: int
    prediction: int | None
    distance: int | None
    charged_seconds: float
    queue_seconds: float
    finished_at: datetime
    flagged: bool
    timed_out: bool


@dataclass(frozen=True)
class Ranking:
    """A round's ranking and the real number of participants with every answer right."""

    round: RoundView
    all_correct: int
    rows: list[Ranked]


@dataclass(frozen=True)
class SchoolTally:
    """A school's participation: participants, share of its students if known, mean score."""

    school_id: int
    name: str
    participants: int
    students: int | None
    average_score: float | None

    @property
    def share(self) -> float | None:
        """Participants per 100 students, where the registry gives the enrolment."""
        return 100.0 * self.participants / self.students if self.students else None


async def rank_round(session: AsyncSession, *, round_id: int) -> Ranking:
    """The ranking of the round's finished attempts (one per participant: the best one)."""
    contest_round = await get_round(session, round_id)
    rows = await session.execute(
        select(ContestAttempt, ContestEntry, Unit.name)
        .join(ContestEntry, ContestEntry.id == ContestAttempt.entry_id)
        .join(Unit, Unit.id == ContestEntry.school_id)
        .where(ContestAttempt.round_id == round_id, ContestAttempt.status == "finished")
    )
    best: dict[int, tuple[ContestAttempt, ContestEntry, str]] = {}
    for attempt, entry, school in rows:
        kept = best.get(entry.id)
        if kept is None or _better(attempt, kept[0]):
            best[entry.id] = (attempt, entry, school)
    total = contest_round.question_count
    all_correct = sum(1 for attempt, _e, _s in best.values() if attempt.score >= total)

    def key(row: tuple[ContestAttempt, ContestEntry, str]) -> tuple[int, int, int, datetime, int]:
        attempt = row[0]
        distance = _distance(attempt.prediction, all_correct)
        finished = attempt.finished_at or attempt.started_at
        return (-attempt.score, distance, attempt.charged_ms, finished, attempt.id)

    ordered = sorted(best.values(), key=key)
    ranked = [
        Ranked(
            rank=place,
            attempt_id=attempt.id,
            entry_id=entry.id,
            user_id=entry.user_id,
            full_name=entry.full_name,
            birth_date=entry.birth_date.strftime("%d/%m/%Y") if entry.birth_date else None,
            school_id=entry.school_id,
            school_name=school,
            class_name=entry.class_name,
            score=attempt.score,
            total=total,
            prediction=attempt.prediction,
            distance=None if attempt.prediction is None else abs(attempt.prediction - all_correct),
            charged_seconds=attempt.charged_ms / 1000,
            queue_seconds=attempt.queue_ms / 1000,
            finished_at=attempt.finished_at or attempt.started_at,
            flagged=attempt.flagged,
            timed_out=attempt.timed_out,
        )
        for place, (attempt, entry, school) in enumerate(ordered, start=1)
    ]
    return Ranking(contest_round, all_correct, ranked)


def _distance(prediction: int | None, real: int) -> int:
    """No prediction ranks after every prediction."""
    return abs(prediction - real) if prediction is not None else 2**31


def _better(attempt: ContestAttempt, other: ContestAttempt) -> bool:
    """The attempt that counts when several are allowed: more right answers, then less time."""
    return (-attempt.score, attempt.charged_ms, attempt.number) < (
        -other.score,
        other.charged_ms,
        other.number,
    )


async def tally_schools(session: AsyncSession, *, ranking: Ranking) -> list[SchoolTally]:
    """Every active school of the registry with its participants in the ranking, most first."""
    schools = await session.execute(
        select(Unit.id, Unit.name, Unit.students).where(Unit.kind.in_(SCHOOL_KINDS), Unit.active)
    )
    scores: dict[int, list[int]] = {}
    for row in ranking.rows:
        scores.setdefault(row.school_id, []).append(row.score)
    tallies = [
        SchoolTally(
            school_id,
            name,
            len(scores.get(school_id, [])),
            students,
            sum(scores[school_id]) / len(scores[school_id]) if school_id in scores else None,
        )
        for school_id, name, students in schools
    ]
    return sorted(tallies, key=lambda t: (-t.participants, t.name))
