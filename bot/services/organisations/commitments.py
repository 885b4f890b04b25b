"""Plastic-reduction commitments: the roadmap, the letter's values, the signed copy, and the
department's verification. Only a verified commitment counts for the targets."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.commitment_specs import Catalog
from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.documents.commitment_letter import LetterAction, LetterValues
from bot.services.organisations.approvers import may_decide, require_decider
from bot.services.organisations.inputs import PLAN_END
from bot.services.people.users import UserView
from db.models import (
    ActionStatus,
    Commitment,
    CommitmentAction,
    CommitmentStatus,
    OrgRegistration,
    Registry,
    Unit,
)

OPEN = (
    CommitmentStatus.AWAITING_SIGNATURE,
    CommitmentStatus.SUBMITTED,
    CommitmentStatus.VERIFIED,
)
MAX_REASON = 300


@dataclass(frozen=True)
class Step:
    """One action of a roadmap as the representative chose it."""

    key: str
    due: date
    done: bool = False


@dataclass(frozen=True)
class ActionView:
    """An action of a roadmap and where it stands."""

    id: int
    label: str
    due_date: date
    status: str


@dataclass(frozen=True)
class CommitmentView:
    """A commitment as its representative and its department see it."""

    id: int
    unit_id: int
    unit_name: str
    kind: str
    kind_label: str
    commune_name: str | None
    status: str
    actions: tuple[ActionView, ...]
    review_reason: str | None
    signed_ref: str | None
    signed_kind: str | None
    signed_channel: str | None
    flagged: bool


async def view(session: AsyncSession, commitment: Commitment) -> CommitmentView:
    """The commitment with its unit and actions."""
    unit = await session.get(Unit, commitment.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    registry = await session.get(Registry, unit.kind)
    commune = await session.get(Unit, unit.commune_id) if unit.commune_id else None
    actions = await session.scalars(
        select(CommitmentAction)
        .where(CommitmentAction.commitment_id == commitment.id)
        .order_by(CommitmentAction.position)
    )
    return CommitmentView(
        commitment.id,
        unit.id,
        unit.name,
        unit.kind,
        registry.label if registry else unit.kind,
        commune.name if commune else None,
        commitment.status,
        tuple(ActionView(a.id, a.label, a.due_date, a.status) for a in actions),
        commitment.review_reason,
        commitment.signed_ref,
        commitment.signed_kind,
        commitment.signed_channel,
        commitment.flagged_at is not None,
    )


async def current(session: AsyncSession, *, unit_id: int) -> CommitmentView | None:
    """The unit's open commitment, or else its last rejected one."""
    rows = list(
        await session.scalars(
            select(Commitment).where(Commitment.unit_id == unit_id).order_by(Commitment.id.desc())
        )
    )
    chosen = next((c for c in rows if c.status in OPEN), rows[0] if rows else None)
    return await view(session, chosen) if chosen else None


async def get(session: AsyncSession, commitment_id: int) -> CommitmentView:
    """One commitment by id."""
    commitment = await session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("commitments/gone")
    return await view(session, commitment)


async def _own_unit(session: AsyncSession, user: UserView, catalog: Catalog) -> Unit:
    """The representative's establishment, which must make the commitment."""
    require_role(user.role, Role.REPRESENTATIVE)
    unit = await session.get(Unit, user.unit_id) if user.unit_id else None
    rule = catalog.kinds.get(unit.kind) if unit else None
    if unit is None or rule is None or not rule.commits:
        raise InvalidInput("commitments/kind_does_not_commit")
    return unit


async def create(
    session: AsyncSession,
    *,
    user: UserView,
    steps: list[Step],
    today: date,
    now: datetime,
    catalog: Catalog,
) -> CommitmentView:
    """Record the roadmap; the letter is then generated to be signed and sent back."""
    unit = await _own_unit(session, user, catalog)
    open_one = await session.scalar(
        select(Commitment.id)
        .where(Commitment.unit_id == unit.id, Commitment.status.in_(OPEN))
        .with_for_update()
    )
    if open_one is not None:
        raise InvalidInput("commitments/already_open")
    allowed = {a.key: a for a in catalog.actions_for(unit.kind)}
    if not steps or len({s.key for s in steps}) != len(steps):
        raise InvalidInput("commitments/pick_expected")
    for step in steps:
        if step.key not in allowed or not (step.done or today <= step.due <= PLAN_END):
            raise InvalidInput("commitments/date_range", {"today": today, "end": PLAN_END})
    commitment = Commitment(unit_id=unit.id, created_by_id=user.id, created_at=now)
    session.add(commitment)
    await session.flush()
    for position, step in enumerate(steps, start=1):
        session.add(
            CommitmentAction(
                commitment_id=commitment.id,
                key=step.key,
                label=allowed[step.key].label,
                position=position,
                due_date=step.due,
                status=ActionStatus.DONE if step.done else ActionStatus.PLANNED,
                status_at=now if step.done else None,
            )
        )
    await session.flush()
    await audit.record(
        session,
        actor_id=user.id,
        action="commitment.created",
        subject=f"commitment:{commitment.id}",
    )
    return await view(session, commitment)


async def letter_values(
    session: AsyncSession,
    *,
    user: UserView,
    commitment_id: int,
    today: date,
    catalog: Catalog,
) -> LetterValues:
    """The letter's contents for the representative (or a department checking it)."""
    commitment = await session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("commitments/gone")
    unit = await session.get(Unit, commitment.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    if user.unit_id != unit.id and not await may_decide(
        session, actor=user, unit=unit, catalog=catalog
    ):
        raise NotFound("commitments/gone")
    shown = await view(session, commitment)
    registration = await session.scalar(
        select(OrgRegistration)
        .where(OrgRegistration.unit_id == unit.id, OrgRegistration.status == "approved")
        .order_by(OrgRegistration.id.desc())
        .limit(1)
    )
    rule = catalog.kinds[unit.kind]
    recipient = await session.scalar(select(Unit.name).where(Unit.code == rule.approvers[0]))
    commune = await session.get(Unit, unit.commune_id) if unit.commune_id else None
    place = f"{_commune_title(commune)}, " if commune else ""
    return LetterValues(
        number=commitment.id,
        establishment=unit.name,
        kind_label=shown.kind_label,
        address=f"{place}tỉnh Hà Tĩnh",
        tax_code=unit.tax_code,
        representative=registration.rep_name if registration else None,
        position=registration.rep_position if registration else None,
        phone=registration.phone if registration else None,
        recipient=f"{recipient or 'Sở Công Thương'} tỉnh Hà Tĩnh",
        place="Hà Tĩnh",
        day=today,
        actions=tuple(
            LetterAction(a.label, a.due_date, a.status == ActionStatus.DONE) for a in shown.actions
        ),
        legal_frame=catalog.legal_frame,
        compliance_note=catalog.compliance_note,
        task=rule.task,
    )


def _commune_title(commune: Unit) -> str:
    return f"{'Phường' if commune.kind == 'ward' else 'Xã'} {commune.name}"


async def signed_copy(
    session: AsyncSession, *, actor: UserView, commitment_id: int, catalog: Catalog
) -> CommitmentView:
    """The commitment with its signed copy, for whoever verifies it."""
    commitment = await session.get(Commitment, commitment_id)
    if commitment is None:
        raise NotFound("commitments/gone")
    unit = await session.get(Unit, commitment.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    await require_decider(session, actor=actor, unit=unit, catalog=catalog)
    return await view(session, commitment)


async def attach_signed(
    session: AsyncSession,
    *,
    user: UserView,
    commitment_id: int,
    ref: str,
    kind: str,
    now: datetime,
) -> CommitmentView:
    """The signed and stamped letter sent back (a photo or a PDF): ready to be verified."""
    require_role(user.role, Role.REPRESENTATIVE)
    commitment = await session.get(Commitment, commitment_id, with_for_update=True)
    if commitment is None or commitment.unit_id != user.unit_id:
        raise NotFound("commitments/gone")
    if commitment.status not in (CommitmentStatus.AWAITING_SIGNATURE, CommitmentStatus.SUBMITTED):
        raise InvalidInput("commitments/not_awaiting", {"status": commitment.status})
    commitment.signed_ref, commitment.signed_kind = ref, kind
    commitment.signed_channel = user.channel
    commitment.status, commitment.submitted_at = CommitmentStatus.SUBMITTED, now
    await audit.record(
        session, actor_id=user.id, action="commitment.signed", subject=f"commitment:{commitment.id}"
    )
    return await view(session, commitment)


async def review(
    session: AsyncSession,
    *,
    actor: UserView,
    commitment_id: int,
    verify: bool,
    reason: str | None,
    now: datetime,
    catalog: Catalog,
) -> CommitmentView:
    """The department verifies the signed commitment (it counts from now) or rejects it."""
    commitment = await session.get(Commitment, commitment_id, with_for_update=True)
    if commitment is None:
        raise NotFound("commitments/gone")
    unit = await session.get(Unit, commitment.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    await require_decider(session, actor=actor, unit=unit, catalog=catalog)
    if commitment.status != CommitmentStatus.SUBMITTED:
        raise InvalidInput("commitments/not_submitted", {"status": commitment.status})
    if not verify:
        reason = " ".join((reason or "").split())
        if not 3 <= len(reason) <= MAX_REASON:
            raise InvalidInput("commitments/reason_expected", {"max": MAX_REASON})
    commitment.status = CommitmentStatus.VERIFIED if verify else CommitmentStatus.REJECTED
    commitment.review_reason = None if verify else reason
    commitment.reviewed_by_id, commitment.reviewed_at = actor.id, now
    await audit.record(
        session,
        actor_id=actor.id,
        action=f"commitment.{commitment.status}",
        subject=f"commitment:{commitment.id}",
    )
    return await view(session, commitment)
