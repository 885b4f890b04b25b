"""When a commune's reporting period closes (its sending deadline has passed), each commune's
officials get their own standing against the province's, with one button to report what is
missing. Once per period, whoever runs it."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Option, Outgoing
from bot.services.content.periods import Period
from bot.services.content.report_specs import Question, parse_reporting
from bot.services.core.access import Role
from bot.services.core.texts import Texts
from bot.services.insights.completeness import Completeness, UnitCompleteness, measure
from bot.services.messaging import outbox
from bot.services.plan.tasks import get_plan_info
from bot.services.plan.units import COMMUNE_KINDS
from bot.services.reports.counting import RECEIVED, is_counted
from db.models import AppState, PlanTask, Report, ReportFigure, User
from db.queries.upserts import insert_ignore

# A standing is news for a week after the deadline; a bot started later does not send it.
FRESH = timedelta(days=7)
REPORT_PAYLOAD = "cmd:baocao:{code}"


@dataclass(frozen=True)
class Figure:
    """A number a unit reported over the period, summed, with its label and unit."""

    label: str
    value: float
    unit: str


async def queue_standings(session: AsyncSession, *, texts: Texts, now: datetime, tz: tzinfo) -> int:
    """Queue each commune's standing for the last month whose deadline has passed; how many
    messages were queued (none when already done for that period, or when it is stale)."""
    plan = await get_plan_info(session)
    today = now.astimezone(tz).date()
    period = plan.periods.last_due("month", today)
    if today - period.deadline > FRESH or not plan.start_year <= period.year <= plan.end_year:
        return 0
    key = f"standings.sent.{period.key}"
    if not await insert_ignore(session, AppState, {"key": key, "value": now.isoformat()}):
        return 0
    completeness = await measure(session, period=period, now=now, tz=tz)
    figures = await _figures(session, period)
    queued = 0
    for unit in completeness.units:
        if unit.kind not in COMMUNE_KINDS:
            continue
        message = _message(texts, completeness, unit, figures.get(unit.unit_id, []))
        for user_id in await _officials(session, unit.unit_id):
            queued += await outbox.enqueue(session, user_id=user_id, message=message, now=now)
    return queued


def _message(
    texts: Texts, completeness: Completeness, unit: UnitCompleteness, figures: list[Figure]
) -> Outgoing:
    communes = [u for u in completeness.units if u.kind in COMMUNE_KINDS]
    complete = sum(1 for u in communes if u.tally.due and not u.tally.missing)
    text = texts.render(
        "standings/commune",
        period=completeness.period,
        unit=unit,
        figures=figures,
        province=completeness.communes,
        complete=complete,
        communes=len(communes),
    )
    options = [
        Option(texts.render("reminders/report_button", code=code), REPORT_PAYLOAD.format(code=code))
        for code in unit.missing_tasks[:1]
    ]
    return Outgoing(text, options=tuple(options))


async def _figures(session: AsyncSession, period: Period) -> dict[int, list[Figure]]:
    """Each unit's number figures over the period (reports received), summed by question."""
    questions: dict[tuple[str, str], Question] = {}
    for code, spec in await session.execute(select(PlanTask.code, PlanTask.spec)):
        if "reporting" in spec:
            for question in parse_reporting(spec["reporting"]).questions:
                questions[(code, question.key)] = question
    rows = await session.execute(
        select(Report.unit_id, PlanTask.code, ReportFigure.key, func.sum(ReportFigure.number))
        .join(Report, Report.id == ReportFigure.report_id)
        .join(PlanTask, PlanTask.id == Report.task_id)
        .where(
            is_counted(RECEIVED),
            Report.activity_date.between(period.start, period.end),
            ReportFigure.number.is_not(None),
        )
        .group_by(Report.unit_id, PlanTask.code, ReportFigure.key)
        .order_by(Report.unit_id, PlanTask.code, ReportFigure.key)
    )
    found: dict[int, list[Figure]] = defaultdict(list)
    for unit_id, code, key, total in rows:
        asked = questions.get((code, key))
        if asked is not None and asked.type == "number":
            found[unit_id].append(Figure(asked.label, float(total or 0), asked.unit or ""))
    return found


async def _officials(session: AsyncSession, unit_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(User.id).where(
                User.unit_id == unit_id, User.role == Role.OFFICIAL, User.active.is_(True)
            )
        )
    )
