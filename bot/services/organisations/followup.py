"""Following a roadmap: the representative reports each action's status when its date comes;
reminders go out on working days in the day; a roadmap stalled for six months is flagged.

Every message is claimed first by a row unique per action and round (`action_reminders`), so a
restart or a second scheduler sends nothing twice.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Option, Outgoing
from bot.services.content.commitment_specs import Catalog
from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.messaging import outbox
from bot.services.organisations.approvers import list_deciders
from bot.services.organisations.commitments import view
from bot.services.people.users import UserView
from db.models import (
    ActionReminder,
    ActionStatus,
    Commitment,
    CommitmentAction,
    CommitmentStatus,
    Unit,
    User,
)
from db.queries.upserts import insert_ignore

# The outbox holds this batch at night, on weekends and holidays (as reminders to report).
BATCH = "reminders"
SEND_AT = time(8, 0)
STALLED = timedelta(days=182)  # six months
FOLLOWED = (CommitmentStatus.SUBMITTED, CommitmentStatus.VERIFIED)


async def set_status(
    session: AsyncSession, *, user: UserView, action_id: int, done: bool, now: datetime
) -> tuple[str, str]:
    """The representative says an action is done, or behind its date; (label, status)."""
    require_role(user.role, Role.REPRESENTATIVE)
    action = await session.get(CommitmentAction, action_id, with_for_update=True)
    commitment = await session.get(Commitment, action.commitment_id) if action else None
    if action is None or commitment is None or commitment.unit_id != user.unit_id:
        raise NotFound("commitments/gone")
    if commitment.status not in FOLLOWED:
        raise InvalidInput("commitments/not_followed")
    action.status = ActionStatus.DONE if done else ActionStatus.LATE
    action.status_at = now
    await audit.record(
        session, actor_id=user.id, action=f"action.{action.status}", subject=f"action:{action.id}"
    )
    return action.label, action.status


def _round_key(action: CommitmentAction, today: date) -> str | None:
    """'due' in the action's month, then 'late-YYYY-MM' each later month until it is done."""
    if action.status == ActionStatus.DONE or action.due_date > today:
        return None
    if (today.year, today.month) == (action.due_date.year, action.due_date.month):
        return "due"
    return f"late-{today:%Y-%m}"


async def send_due(
    session: AsyncSession, *, now: datetime, calendar: WorkCalendar, texts: Texts
) -> int:
    """Ask about each action whose date has come (once), then monthly while it is late."""
    if not calendar.may_send(now):
        return 0
    today = calendar.local_date(now)
    if calendar.working_at(today, SEND_AT) > now:
        return 0
    rows = await session.execute(
        select(CommitmentAction, Commitment.unit_id)
        .join(Commitment, Commitment.id == CommitmentAction.commitment_id)
        .where(
            Commitment.status.in_(FOLLOWED),
            CommitmentAction.status != ActionStatus.DONE,
            CommitmentAction.due_date <= today,
        )
        .order_by(CommitmentAction.id)
    )
    queued = 0
    for action, unit_id in rows.all():
        key = _round_key(action, today)
        if key is None or not await insert_ignore(
            session, ActionReminder, {"action_id": action.id, "round_key": key, "sent_at": now}
        ):
            continue
        message = Outgoing(
            texts.render("commitments/reminder", action=action, late=key != "due"),
            (
                Option(texts.render("commitments/done_button"), f"commit:done:{action.id}"),
                Option(texts.render("commitments/late_button"), f"commit:late:{action.id}"),
            ),
            columns=2,
        )
        for user_id in await _representatives(session, unit_id):
            queued += await outbox.enqueue(
                session, user_id=user_id, message=message, now=now, batch=BATCH
            )
    return queued


async def _representatives(session: AsyncSession, unit_id: int) -> list[int]:
    return list(
        await session.scalars(
            select(User.id).where(
                User.unit_id == unit_id, User.role == Role.REPRESENTATIVE, User.active
            )
        )
    )


async def flag_stalled(
    session: AsyncSession, *, now: datetime, today: date, texts: Texts, catalog: Catalog
) -> int:
    """Flag (once) each followed roadmap whose every action has been late six months or more,
    and tell its deciders; returns how many were flagged."""
    candidates = await session.scalars(
        select(Commitment).where(Commitment.status.in_(FOLLOWED), Commitment.flagged_at.is_(None))
    )
    flagged = 0
    for commitment in list(candidates):
        actions = list(
            await session.scalars(
                select(CommitmentAction).where(CommitmentAction.commitment_id == commitment.id)
            )
        )
        if not actions or any(
            a.status == ActionStatus.DONE or a.due_date > today - STALLED for a in actions
        ):
            continue
        claimed = await session.scalar(
            update(Commitment)
            .where(Commitment.id == commitment.id, Commitment.flagged_at.is_(None))
            .values(flagged_at=now)
            .returning(Commitment.id)
        )
        if claimed is None:
            continue
        flagged += 1
        await _tell_deciders(session, commitment, now=now, texts=texts, catalog=catalog)
    return flagged


async def _tell_deciders(
    session: AsyncSession, commitment: Commitment, *, now: datetime, texts: Texts, catalog: Catalog
) -> None:
    unit = await session.get(Unit, commitment.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    shown = await view(session, commitment)
    message = Outgoing(texts.render("commitments/flagged", c=shown))
    for decider in await list_deciders(session, unit=unit, catalog=catalog):
        await outbox.enqueue(session, user_id=decider.id, message=message, now=now)
