"""What a unit says once per reporting period beside its reports: difficulties ("khó khăn,
vướng mắc"), proposals ("đề xuất, kiến nghị") and, for lead departments, the funding used.
They feed the periodic report's sections."""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.reminder_specs import rules_from_spec
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, PermissionDenied
from bot.services.people.users import UserView
from bot.services.plan.tasks import get_plan_info
from db.models import PeriodNote, PlanTask, TaskUnit, Unit

MAX_NOTE = 500
MAX_FUNDING = 1_000_000  # million VND: a typo guard, far above any task's budget
_AMOUNT = re.compile(r"^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?$")


@dataclass(frozen=True)
class NotePeriod:
    """The period a unit's note is for, and whether the unit is asked the funding used."""

    key: str
    kind: str
    number: int
    year: int
    asks_funding: bool


async def note_due(
    session: AsyncSession, *, user: UserView, task_code: str, activity_date: date
) -> NotePeriod | None:
    """The period to ask the unit about after a report, or None when it was asked already.

    The period's kind is the one the task's reminder rule gives the unit (a commune's month, a
    department's quarter); a task without a rule for it counts by month.
    """
    require_role(user.role, Role.OFFICIAL, Role.COORDINATOR)
    if user.unit_id is None:
        return None
    unit = await session.get(Unit, user.unit_id)
    task = await session.scalar(select(PlanTask).where(PlanTask.code == task_code))
    if unit is None or task is None:
        return None
    leads = set(
        await session.scalars(
            select(TaskUnit.task_id).where(TaskUnit.unit_id == unit.id, TaskUnit.role == "lead")
        )
    )
    kind = _kind(task, unit.kind, is_lead=task.id in leads)
    plan = await get_plan_info(session)
    period = plan.periods.containing(kind, activity_date)
    asked = await session.scalar(
        select(PeriodNote.id).where(
            PeriodNote.unit_id == unit.id, PeriodNote.period_key == period.key
        )
    )
    if asked is not None:
        return None
    asks_funding = unit.kind == "department" and bool(leads)
    return NotePeriod(period.key, period.kind, period.number, period.year, asks_funding)


def _kind(task: PlanTask, unit_kind: str, *, is_lead: bool) -> str:
    for rule in rules_from_spec(task.spec):
        if unit_kind in rule.who or (is_lead and "leads" in rule.who):
            return rule.schedule.period
    return "month"


def check_note(text: str) -> str:
    """A short free text (difficulties or proposals), at most 500 characters."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InvalidInput("period_note/text_expected")
    if len(cleaned) > MAX_NOTE:
        raise InvalidInput("period_note/too_long", {"length": len(cleaned), "max": MAX_NOTE})
    return cleaned


def parse_funding(text: str) -> float:
    """Million VND as typed: "120", "120,5", "1.200" (dots group thousands); not negative."""
    cleaned = text.strip().lower()
    for word in ("triệu đồng", "trieu dong", "triệu", "trieu", "tr"):
        cleaned = cleaned.removesuffix(word).strip()
    match = _AMOUNT.match(cleaned)
    if match is None:
        raise InvalidInput("period_note/funding_expected")
    whole = int(match[1].replace(".", ""))
    value = whole + (float(f"0.{match[2]}") if match[2] else 0.0)
    if value > MAX_FUNDING:
        raise InvalidInput("period_note/funding_expected")
    return value


async def save_note(
    session: AsyncSession,
    *,
    user: UserView,
    period_key: str,
    difficulties: str | None,
    proposals: str | None,
    funding_used: float | None,
    now: datetime,
) -> None:
    """Keep the unit's note for the period (an empty one too: the unit is not asked again)."""
    require_role(user.role, Role.OFFICIAL, Role.COORDINATOR)
    if user.unit_id is None:
        raise PermissionDenied("report/no_unit")
    note = await session.scalar(
        select(PeriodNote).where(
            PeriodNote.unit_id == user.unit_id, PeriodNote.period_key == period_key
        )
    )
    if note is None:
        note = PeriodNote(unit_id=user.unit_id, period_key=period_key)
        session.add(note)
    note.difficulties, note.proposals = difficulties, proposals
    note.funding_used, note.reporter_id, note.updated_at = funding_used, user.id, now
    await session.flush()
