"""What coordinators see: commitments by kind and state, those to verify, those flagged, and
each commune's establishments (committed, pending, not started)."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.commitment_specs import Catalog
from bot.services.core.access import Role, require_role
from bot.services.organisations.approvers import may_decide
from bot.services.organisations.commitments import OPEN, CommitmentView, view
from bot.services.people.users import UserView
from db.models import Commitment, CommitmentStatus, Registry, Unit, User

NOT_STARTED = "not_started"


@dataclass(frozen=True)
class KindCounts:
    """One kind: how many establishments, and how many at each state of their commitment."""

    kind: str
    label: str
    total: int
    verified: int
    submitted: int
    awaiting_signature: int
    not_started: int


@dataclass(frozen=True)
class EstablishmentState:
    """An establishment of a commune and where its commitment stands."""

    name: str
    kind_label: str
    state: str


async def _states(session: AsyncSession, kinds: tuple[str, ...]) -> dict[int, str]:
    """The state of each active unit of these kinds: its open commitment's, or not started."""
    units = dict(
        (
            await session.execute(
                select(Unit.id, Unit.kind).where(Unit.kind.in_(kinds), Unit.active)
            )
        ).all()
    )
    states = dict.fromkeys(units, NOT_STARTED)
    rows = await session.execute(
        select(Commitment.unit_id, Commitment.status)
        .where(Commitment.unit_id.in_(units), Commitment.status.in_(OPEN))
        .order_by(Commitment.id)
    )
    for unit_id, status in rows.all():
        states[unit_id] = status
    return states


async def kind_counts(
    session: AsyncSession, *, actor: UserView, catalog: Catalog
) -> list[KindCounts]:
    """Per kind that commits: totals and states (coordinators only)."""
    require_role(actor.role, Role.COORDINATOR)
    kinds = catalog.committing_kinds
    labels = {r.kind: r.label for r in await session.scalars(select(Registry))}
    units = dict(
        (
            await session.execute(
                select(Unit.id, Unit.kind).where(Unit.kind.in_(kinds), Unit.active)
            )
        ).all()
    )
    states = await _states(session, kinds)
    result = []
    for kind in kinds:
        mine = [states[u] for u, k in units.items() if k == kind]
        result.append(
            KindCounts(
                kind,
                labels.get(kind, kind),
                len(mine),
                mine.count(CommitmentStatus.VERIFIED),
                mine.count(CommitmentStatus.SUBMITTED),
                mine.count(CommitmentStatus.AWAITING_SIGNATURE),
                mine.count(NOT_STARTED),
            )
        )
    return result


async def to_verify(
    session: AsyncSession, *, actor: UserView, catalog: Catalog
) -> list[CommitmentView]:
    """Signed commitments waiting for this actor's verification, oldest first."""
    rows = await session.scalars(
        select(Commitment)
        .where(Commitment.status == CommitmentStatus.SUBMITTED)
        .order_by(Commitment.submitted_at)
    )
    found = []
    for commitment in rows:
        unit = await session.get(Unit, commitment.unit_id)
        if unit is not None and await may_decide(session, actor=actor, unit=unit, catalog=catalog):
            found.append(await view(session, commitment))
    return found


async def flagged(session: AsyncSession, *, actor: UserView) -> list[CommitmentView]:
    """Roadmaps flagged as stalled (every action late for six months)."""
    require_role(actor.role, Role.COORDINATOR)
    rows = await session.scalars(
        select(Commitment)
        .where(Commitment.flagged_at.is_not(None), Commitment.status.in_(OPEN))
        .order_by(Commitment.flagged_at)
    )
    return [await view(session, c) for c in rows]


async def commune_states(
    session: AsyncSession, *, actor: UserView, commune_id: int, catalog: Catalog
) -> list[EstablishmentState]:
    """The establishments of a commune that commit, each with its state."""
    require_role(actor.role, Role.COORDINATOR)
    kinds = catalog.committing_kinds
    labels = {r.kind: r.label for r in await session.scalars(select(Registry))}
    states = await _states(session, kinds)
    units = await session.scalars(
        select(Unit)
        .where(Unit.commune_id == commune_id, Unit.kind.in_(kinds), Unit.active)
        .order_by(Unit.kind, Unit.name)
    )
    return [
        EstablishmentState(u.name, labels.get(u.kind, u.kind), states.get(u.id, NOT_STARTED))
        for u in units
    ]


ORGANISATION_KINDS = (
    "supermarket",
    "trade_centre",
    "market",
    "lodging",
    "tourist_site",
    "enterprise",
    "zone",
    "craft_village",
)
STATE_NAMES = {
    CommitmentStatus.AWAITING_SIGNATURE: "Chờ bản đã ký",
    CommitmentStatus.SUBMITTED: "Chờ xác minh",
    CommitmentStatus.VERIFIED: "Đã xác minh",
    CommitmentStatus.REJECTED: "Bị từ chối",
    NOT_STARTED: "Chưa lập",
}
ACTION_NAMES = {"planned": "chưa đến hạn", "done": "đã thực hiện", "late": "chậm"}
EXPORT_HEADERS = (
    "Mã",
    "Loại",
    "Tên",
    "Xã, phường",
    "Mã số thuế",
    "Người đại diện",
    "Cam kết số",
    "Trạng thái cam kết",
    "Lộ trình (việc – hạn – tình trạng)",
    "Quá hạn 6 tháng",
)


async def export_rows(session: AsyncSession) -> list[list[object]]:
    """One row per establishment, zone, craft village and enterprise, for the Excel sheet.

    Representatives are counted, not named: the file travels.
    """
    labels = {r.kind: r.label for r in await session.scalars(select(Registry))}
    communes = dict(
        (
            await session.execute(
                select(Unit.id, Unit.name).where(Unit.kind.in_(("commune", "ward")))
            )
        ).all()
    )
    reps = dict(
        (
            await session.execute(
                select(User.unit_id, func.count())
                .where(User.role == Role.REPRESENTATIVE)
                .group_by(User.unit_id)
            )
        ).all()
    )
    latest: dict[int, Commitment] = {}
    for row in await session.scalars(select(Commitment).order_by(Commitment.id)):
        if row.status in OPEN or row.unit_id not in latest:
            latest[row.unit_id] = row
    units = await session.scalars(
        select(Unit)
        .where(Unit.kind.in_(ORGANISATION_KINDS), Unit.active)
        .order_by(Unit.kind, Unit.name)
    )
    rows: list[list[object]] = []
    for unit in units:
        commitment = latest.get(unit.id)
        shown = await view(session, commitment) if commitment is not None else None
        roadmap = "; ".join(
            f"{a.label} – {a.due_date:%d/%m/%Y} – {ACTION_NAMES.get(a.status, a.status)}"
            for a in (shown.actions if shown is not None else ())
        )
        rows.append(
            [
                unit.code,
                labels.get(unit.kind, unit.kind),
                unit.name,
                communes.get(unit.commune_id or 0, ""),
                unit.tax_code or "",
                reps.get(unit.id, 0),
                shown.id if shown is not None else None,
                STATE_NAMES.get(shown.status if shown is not None else NOT_STARTED, ""),
                roadmap,
                "Có" if shown is not None and shown.flagged else "",
            ]
        )
    return rows
