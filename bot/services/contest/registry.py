"""Contests and their rounds: seeding the contest, creating, opening and closing rounds."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.contest_files import ContestSpec
from bot.services.contest.bank import IMPORTED_BANK, count_active
from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, NotFound
from db.models import Contest, ContestRound

DEFAULT_CONTEST = "sxtdbv"
MAX_ROUND_DAYS = 92
MOMENT = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})(?:\s+(\d{1,2})[:h](\d{2}))?$")


@dataclass(frozen=True)
class RoundView:
    """A round as flows, the CLI and the web page see it."""

    id: int
    contest_name: str
    organisers: str
    number: int
    bank: str
    question_count: int
    time_limit_seconds: int
    attempts_rule: str
    max_attempts: int
    human_min_seconds: float
    starts_at: datetime
    ends_at: datetime
    status: str
    results_at: datetime | None
    retention_days: int

    def state(self, now: datetime) -> str:
        """draft, scheduled (opened, not started yet), open, closed or published."""
        if self.results_at is not None:
            return "published"
        if self.status == "closed" or (self.status == "open" and now >= self.ends_at):
            return "closed"
        if self.status == "open":
            return "open" if now >= self.starts_at else "scheduled"
        return "draft"

    def accepts(self, now: datetime) -> bool:
        """Whether students may register, start and answer now."""
        return self.state(now) == "open"

    @property
    def minutes(self) -> int:
        """The time limit in whole minutes."""
        return self.time_limit_seconds // 60


def parse_window(text: str, *, tz: tzinfo) -> tuple[datetime, datetime]:
    """'1/12/2026 - 15/12/2026' (dates: from 00:00 to the end of the last day) or with times
    '1/12/2026 07:30 - 15/12/2026 21:00', local time."""
    parts = [p.strip() for p in re.split(r"\s+(?:-|–|den|đến)\s+", text.strip()) if p.strip()]
    if len(parts) != 2:
        raise InvalidInput("contest/dates_invalid")
    start = _moment(parts[0], tz, end=False)
    end = _moment(parts[1], tz, end=True)
    return start, end


def _moment(text: str, tz: tzinfo, *, end: bool) -> datetime:
    found = MOMENT.match(text)
    if found is None:
        raise InvalidInput("contest/dates_invalid")
    day, month, year, hour, minute = found.groups()
    try:
        when = date(int(year), int(month), int(day))
        if hour is not None:
            return datetime.combine(when, time(int(hour), int(minute)), tzinfo=tz)
    except ValueError:
        raise InvalidInput("contest/dates_invalid") from None
    moment = datetime.combine(when, time.min, tzinfo=tz)
    return moment + timedelta(days=1) if end else moment


async def apply_contest(session: AsyncSession, spec: ContestSpec) -> bool:
    """Insert or update the contest of contest.yaml; True when something changed."""
    row = await session.scalar(select(Contest).where(Contest.code == spec.code))
    settings: dict[str, object] = {
        "bank": spec.bank,
        "questions": spec.questions,
        "minutes": spec.minutes,
        "attempts": spec.attempts,
        "max_attempts": spec.max_attempts,
        "human_min_seconds": spec.human_min_seconds,
        "retention_days": spec.retention_days,
    }
    if row is None:
        session.add(
            Contest(code=spec.code, name=spec.name, organisers=spec.organisers, settings=settings)
        )
        return True
    values = {"name": spec.name, "organisers": spec.organisers, "settings": settings}
    changed = any(getattr(row, k) != v for k, v in values.items())
    for key, value in values.items():
        setattr(row, key, value)
    return changed


async def _contest(session: AsyncSession, code: str) -> Contest:
    contest = await session.scalar(select(Contest).where(Contest.code == code))
    if contest is None:
        raise NotFound("contest/no_contest")
    return contest


def view_of(row: ContestRound, contest: Contest) -> RoundView:
    """The view of a round row read together with its contest."""
    return RoundView(
        row.id,
        contest.name,
        contest.organisers,
        row.number,
        row.bank,
        row.question_count,
        row.time_limit_seconds,
        row.attempts_rule,
        row.max_attempts,
        row.human_min_seconds,
        row.starts_at,
        row.ends_at,
        row.status,
        row.results_at,
        int(str(contest.settings.get("retention_days", 90))),
    )


async def get_round(session: AsyncSession, round_id: int) -> RoundView:
    """One round, or NotFound."""
    found = (
        await session.execute(
            select(ContestRound, Contest)
            .join(Contest, Contest.id == ContestRound.contest_id)
            .where(ContestRound.id == round_id)
        )
    ).first()
    if found is None:
        raise NotFound("contest/no_round_id", {"id": round_id})
    return view_of(*found)


async def list_rounds(
    session: AsyncSession, *, contest_code: str = DEFAULT_CONTEST
) -> list[RoundView]:
    """The contest's rounds, latest first."""
    contest = await _contest(session, contest_code)
    rows = await session.scalars(
        select(ContestRound)
        .where(ContestRound.contest_id == contest.id)
        .order_by(ContestRound.number.desc())
    )
    return [view_of(row, contest) for row in rows]


async def current_round(session: AsyncSession, *, now: datetime) -> RoundView | None:
    """The round students deal with now: the open one, else the next scheduled, else the last."""
    rounds = [r for r in await list_rounds(session) if r.state(now) != "draft"]
    for wanted in ("open", "scheduled"):
        found = [r for r in rounds if r.state(now) == wanted]
        if found:
            return min(found, key=lambda r: r.starts_at)
    return rounds[0] if rounds else None


async def create_round(
    session: AsyncSession,
    *,
    actor_role: str,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    bank: str | None = None,
    questions: int | None = None,
    minutes: int | None = None,
    contest_code: str = DEFAULT_CONTEST,
) -> RoundView:
    """A new draft round copying the contest's settings (any of bank/questions/minutes given)."""
    require_role(actor_role, Role.COORDINATOR)
    contest = await _contest(session, contest_code)
    settings = contest.settings
    count = questions or int(str(settings["questions"]))
    if bank is None:  # an imported bank replaces the starter bank once it is big enough
        imported = await count_active(session, bank=IMPORTED_BANK)
        bank = IMPORTED_BANK if imported >= count else str(settings["bank"])
    limit = 60 * (minutes or int(str(settings["minutes"])))
    if not (ends_at > starts_at and ends_at > now):
        raise InvalidInput("contest/dates_order")
    if ends_at - starts_at > timedelta(days=MAX_ROUND_DAYS):
        raise InvalidInput("contest/dates_too_long", {"days": MAX_ROUND_DAYS})
    if not 1 <= count <= 100 or not 60 <= limit <= 180 * 60:
        raise InvalidInput("contest/round_settings")
    available = await count_active(session, bank=bank)
    if available < count:
        raise InvalidInput(
            "contest/bank_too_small", {"bank": bank, "available": available, "count": count}
        )
    number = (
        await session.scalar(
            select(func.max(ContestRound.number)).where(ContestRound.contest_id == contest.id)
        )
        or 0
    ) + 1
    row = ContestRound(
        contest_id=contest.id,
        number=number,
        bank=bank,
        question_count=count,
        time_limit_seconds=limit,
        attempts_rule=str(settings["attempts"]),
        max_attempts=int(str(settings["max_attempts"])),
        human_min_seconds=float(str(settings["human_min_seconds"])),
        starts_at=starts_at,
        ends_at=ends_at,
        status="draft",
        created_at=now,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session, actor_id=None, action="contest.round_created", subject=f"round:{row.id}"
    )
    return view_of(row, contest)


async def open_round(
    session: AsyncSession, *, actor_role: str, round_id: int, now: datetime
) -> RoundView:
    """A draft round opens (students may take part from its start until its end)."""
    require_role(actor_role, Role.COORDINATOR)
    row = await _round_row(session, round_id)
    if row.status != "draft":
        raise InvalidInput("contest/not_draft", {"number": row.number})
    if row.ends_at <= now:
        raise InvalidInput("contest/dates_order")
    others = await session.scalar(
        select(func.count())
        .select_from(ContestRound)
        .where(
            ContestRound.contest_id == row.contest_id,
            ContestRound.status == "open",
            ContestRound.ends_at > now,
        )
    )
    if others:
        raise InvalidInput("contest/another_open")
    row.status = "open"
    await audit.record(
        session, actor_id=None, action="contest.round_opened", subject=f"round:{row.id}"
    )
    return await get_round(session, row.id)


async def mark_closed(
    session: AsyncSession, *, actor_role: str, round_id: int, now: datetime
) -> RoundView:
    """An open round closes now (or is recorded closed once its end has passed)."""
    require_role(actor_role, Role.COORDINATOR)
    row = await _round_row(session, round_id)
    if row.status != "open":
        raise InvalidInput("contest/not_open", {"number": row.number})
    row.status, row.closed_at = "closed", now
    row.ends_at = min(row.ends_at, now)
    await audit.record(
        session, actor_id=None, action="contest.round_closed", subject=f"round:{row.id}"
    )
    return await get_round(session, row.id)


async def _round_row(session: AsyncSession, round_id: int) -> ContestRound:
    row = await session.get(ContestRound, round_id, with_for_update=True)
    if row is None:
        raise NotFound("contest/no_round_id", {"id": round_id})
    return row
