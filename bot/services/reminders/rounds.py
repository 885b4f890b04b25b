"""Reminders to report: a round per unit, task and period; sent, nudged, stopped, snoozed.

Every step is a database write guarded by a unique key or a row lock, so a restart or a second
process running the same step at the same moment sends nothing twice.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Action, Option, Outgoing, action_payload
from bot.services.content.periods import Period, ReportingCalendar
from bot.services.content.reminder_specs import ReminderRule, Schedule, rules_from_spec
from bot.services.core.access import Role, require_role
from bot.services.core.errors import NotFound
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.messaging import outbox
from bot.services.people.users import UserView
from bot.services.plan.tasks import get_plan_info
from bot.services.reports.counting import RECEIVED, is_counted
from db.models import PlanTask, Reminder, Report, TaskUnit, Unit, User
from db.queries.upserts import insert_ignore

# A round is opened at most this long after its scheduled time (a bot started late still reminds;
# one started weeks later does not dig up old periods).
OPEN_WINDOW = timedelta(days=7)
# Outbox rows of reminders carry this batch: the sender holds them at night and on days off.
REMINDER_BATCH = "reminders"
# The people of a unit who report for it: its officials, and coordinators who belong to it
# (Sở Công Thương leads several tasks itself).
REMINDED_ROLES = (Role.OFFICIAL, Role.COORDINATOR)


def due_occurrences(
    schedule: Schedule, now: datetime, calendar: WorkCalendar, periods: ReportingCalendar
) -> list[tuple[Period, datetime]]:
    """The periods whose reminder is due now (and not long past), each with its time.

    A reminder goes out `days_before` the period's cut-off; the previous period is looked at
    too, as long as its sending deadline has not passed (a reminder moved past Tết).
    """
    today = calendar.local_date(now)
    current = periods.containing(schedule.period, today)
    found = []
    for period in (periods.preceding(current), current):
        due = calendar.working_at(period.end - timedelta(days=schedule.days_before), schedule.at)
        if due <= now and now - due <= OPEN_WINDOW and today <= period.deadline:
            found.append((period, due))
    return found


async def open_rounds(session: AsyncSession, *, now: datetime, calendar: WorkCalendar) -> int:
    """Open the rounds due now for units that have not reported; returns how many are new."""
    plan = await get_plan_info(session)
    if not plan.start_year <= calendar.local_date(now).year <= plan.end_year:
        return 0
    opened = 0
    for task in await session.scalars(select(PlanTask).order_by(PlanTask.position)):
        for rule in rules_from_spec(task.spec):
            for period, due in due_occurrences(rule.schedule, now, calendar, plan.periods):
                opened += await _open(session, task.id, rule, period=period, due=due, now=now)
    return opened


async def _open(
    session: AsyncSession,
    task_id: int,
    rule: ReminderRule,
    *,
    period: Period,
    due: datetime,
    now: datetime,
) -> int:
    """A round for each silent unit of the rule; how many are new."""
    opened = 0
    for unit_id in await _silent_units(session, task_id, rule, period):
        opened += await insert_ignore(
            session,
            Reminder,
            {
                "task_id": task_id,
                "unit_id": unit_id,
                "schedule": rule.schedule.name,
                "period_key": period.key,
                "period_start": period.start,
                "period_end": period.end,
                "deadline": period.deadline,
                "sent_count": 0,
                "send_time": rule.schedule.at.strftime("%H:%M"),
                "nudges": rule.schedule.nudges,
                "days_apart": rule.schedule.days_apart,
                "next_due_at": due,
                "created_at": now,
            },
        )
    return opened


async def send_due(
    session: AsyncSession, *, now: datetime, calendar: WorkCalendar, texts: Texts
) -> int:
    """Queue the reminders and nudges due now (never at night or on a day off); messages queued."""
    if not calendar.may_send(now):
        return 0
    rows = list(
        await session.scalars(
            select(Reminder)
            .where(Reminder.next_due_at <= now)
            .order_by(Reminder.unit_id, Reminder.id)
            .with_for_update(skip_locked=True)
        )
    )
    by_unit: dict[int, list[Reminder]] = defaultdict(list)
    for row in rows:
        if await _reported(session, row):
            row.next_due_at, row.closed = None, "reported"
        else:
            by_unit[row.unit_id].append(row)
    queued = 0
    for unit_id, unit_rows in by_unit.items():
        officials = await _officials(session, unit_id)
        if not officials:
            # Kept due, for someone of the unit who joins while the period lasts.
            for row in unit_rows:
                if calendar.local_date(now) > _deadline(row):
                    row.next_due_at, row.closed = None, "expired"
            continue
        message = await _message(session, texts, unit_id, unit_rows)
        for user_id in officials:
            queued += await outbox.enqueue(
                session, user_id=user_id, message=message, now=now, batch=REMINDER_BATCH
            )
        for row in unit_rows:
            _advance(row, now, calendar)
    return queued


async def snooze(
    session: AsyncSession, *, user: UserView, now: datetime, calendar: WorkCalendar
) -> datetime:
    """Ask again on the next working day at the schedule's time; returns when (UTC)."""
    require_role(user.role, Role.OFFICIAL, Role.COORDINATOR)
    rows = list(
        await session.scalars(
            select(Reminder)
            .where(
                Reminder.unit_id == user.unit_id,
                Reminder.sent_count > 0,
                Reminder.last_sent_at >= now - OPEN_WINDOW,
                Reminder.closed.is_(None) | (Reminder.closed == "exhausted"),
            )
            .with_for_update()
        )
    )
    tomorrow = calendar.local_date(now) + timedelta(days=1)
    when = []
    for row in rows:
        if await _reported(session, row):
            row.next_due_at, row.closed = None, "reported"
            continue
        row.next_due_at = calendar.working_at(tomorrow, time.fromisoformat(row.send_time))
        row.closed, row.snoozed_by_id = None, user.id
        when.append(row.next_due_at)
    if not when:
        raise NotFound("reminders/nothing_to_snooze")
    return min(when)


def _advance(row: Reminder, now: datetime, calendar: WorkCalendar) -> None:
    """After a send: the next nudge, or the end of the round when the nudges are used up."""
    row.sent_count += 1
    row.last_sent_at = now
    if row.sent_count > row.nudges:
        row.next_due_at, row.closed = None, "exhausted"
        return
    day = calendar.local_date(now) + timedelta(days=row.days_apart)
    due = calendar.working_at(day, time.fromisoformat(row.send_time))
    if calendar.local_date(due) > _deadline(row):  # no nudge once the deadline has passed
        row.next_due_at, row.closed = None, "exhausted"
        return
    row.next_due_at = due


def _deadline(row: Reminder) -> date:
    """The sending deadline of the round's period (its cut-off for rounds opened before)."""
    return row.deadline or row.period_end


async def _message(
    session: AsyncSession, texts: Texts, unit_id: int, rows: list[Reminder]
) -> Outgoing:
    unit = await session.get(Unit, unit_id)
    items = []
    for row in rows:
        task = await session.get(PlanTask, row.task_id)
        assert task is not None  # noqa: S101 (foreign key)
        items.append(
            {
                "code": task.code,
                "name": task.name,
                "period": texts.render("reminders/period", **period_parts(row.period_key)),
                "start": row.period_start,
                "end": row.period_end,
                "deadline": _deadline(row),
                "nudge": row.sent_count,
            }
        )
    options = [
        Option(
            texts.render("reminders/report_button", code=item["code"]),
            action_payload(Action.REPORT_TASK, str(item["code"])),
        )
        for item in items
    ]
    snooze = action_payload(Action.SNOOZE_REMINDER)
    options.append(Option(texts.render("reminders/snooze_button"), snooze))
    text = texts.render("reminders/due", unit=unit.name if unit else "", items=items)
    return Outgoing(text, options=tuple(options))


def period_parts(key: str) -> dict[str, str | int]:
    """A period key as the `reminders/period` template takes it: kind, number, year."""
    year, _, part = key.partition("-")
    if not part:
        return {"kind": "year", "number": int(year), "year": int(year)}
    if part.startswith("Q"):
        return {"kind": "quarter", "number": int(part[1:]), "year": int(year)}
    if part.startswith("H"):
        return {"kind": "half", "number": int(part[1:]), "year": int(year)}
    return {"kind": "month", "number": int(part), "year": int(year)}


async def _silent_units(
    session: AsyncSession, task_id: int, rule: ReminderRule, period: Period
) -> list[int]:
    """Units the rule reminds with someone active to remind and no report received this period."""
    roles = [role for who, role in (("leads", "lead"), ("partners", "partner")) if who in rule.who]
    kinds = [who for who in rule.who if who not in ("leads", "partners")]
    linked = select(TaskUnit.unit_id).where(TaskUnit.task_id == task_id, TaskUnit.role.in_(roles))
    has_official = exists().where(
        User.unit_id == Unit.id, User.role.in_(REMINDED_ROLES), User.active.is_(True)
    )
    reported = exists().where(
        Report.unit_id == Unit.id,
        Report.task_id == task_id,
        is_counted(RECEIVED),
        Report.activity_date.between(period.start, period.end),
    )
    query = select(Unit.id).where(
        Unit.active.is_(True),
        Unit.kind.in_(kinds) | Unit.id.in_(linked),
        has_official,
        ~reported,
    )
    return list(await session.scalars(query.order_by(Unit.id)))


async def _reported(session: AsyncSession, row: Reminder) -> bool:
    """Whether the unit sent a report (not rejected or withdrawn) on the task for the period."""
    found = await session.scalar(
        select(Report.id)
        .where(
            Report.unit_id == row.unit_id,
            Report.task_id == row.task_id,
            is_counted(RECEIVED),
            Report.activity_date.between(row.period_start, row.period_end),
        )
        .limit(1)
    )
    return found is not None


async def _officials(session: AsyncSession, unit_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(User.id).where(
                User.unit_id == unit_id, User.role.in_(REMINDED_ROLES), User.active.is_(True)
            )
        )
    )
