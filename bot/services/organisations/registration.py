"""A representative registers an establishment; its department (or commune) approves.

"Not in the list" creates the establishment as a new, inactive unit of its registry: it joins
the registry (and the targets' denominators) only when the registration is approved.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.commitment_specs import Catalog
from bot.services.content.unit_tables import KIND_WORDS
from bot.services.core import audit
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.core.matching import Candidate, best_matches, fold
from bot.services.organisations.approvers import (
    decider_names,
    list_deciders,
    may_decide,
    require_decider,
)
from bot.services.people.users import UserView, set_role
from bot.services.plan.units import UnitView, get_unit
from db.models import OrgRegistration, Registry, Unit, User

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
MATCH_CUTOFF = 80
# Words that say what a place is, not which one (folded).
GENERIC_WORDS = (
    *sorted(KIND_WORDS, key=len, reverse=True),
    "cong ty",
    "tnhh",
    "co phan",
    "cp",
    "mtv",
    "mot thanh vien",
    "chi nhanh",
    "cua hang",
    "dich vu",
)


@dataclass(frozen=True)
class Applicant:
    """What the representative gave, checked by the flow's steps."""

    kind: str
    unit_id: int | None  # None: not in the registry, `name` is new
    name: str
    commune_id: int | None
    tax_code: str | None
    rep_name: str
    rep_position: str
    phone: str


@dataclass(frozen=True)
class RegistrationView:
    """A registration as deciders and the representative see it."""

    id: int
    user_id: int
    unit_id: int
    unit_name: str
    kind: str
    kind_label: str
    commune_name: str | None
    tax_code: str | None
    rep_name: str | None
    rep_position: str | None
    phone: str | None
    new_unit: bool
    status: str


async def _view(session: AsyncSession, row: OrgRegistration) -> RegistrationView:
    unit = await session.get(Unit, row.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    registry = await session.get(Registry, unit.kind)
    commune_id = unit.commune_id or row.commune_id
    commune = await session.get(Unit, commune_id) if commune_id else None
    return RegistrationView(
        row.id,
        row.user_id,
        unit.id,
        unit.name,
        unit.kind,
        registry.label if registry else unit.kind,
        commune.name if commune else None,
        unit.tax_code or row.tax_code,
        row.rep_name,
        row.rep_position,
        row.phone,
        row.new_unit,
        row.status,
    )


async def find_establishments(session: AsyncSession, text: str, *, kind: str) -> list[UnitView]:
    """Units of the kind whose name resembles the typed one (accents and typos tolerated).

    Words every name of the kind shares ("siêu thị", "công ty TNHH") are left out of the
    comparison, or every supermarket would look like every other.
    """
    typed = _distinctive(text)
    if not typed:
        return []
    units = {
        u.id: u for u in await session.scalars(select(Unit).where(Unit.kind == kind, Unit.active))
    }
    candidates = [
        Candidate(u.id, tuple(_distinctive(n) for n in (u.name, *u.aliases)))
        for u in units.values()
    ]
    matches = best_matches(typed, candidates, limit=5, cutoff=MATCH_CUTOFF)
    found = [await get_unit(session, m.key) for m in matches]
    return [u for u in found if u is not None]


def _distinctive(name: str) -> str:
    words = f" {fold(name)} "
    for generic in GENERIC_WORDS:
        words = words.replace(f" {generic} ", " ")
    return " ".join(words.split())


async def current_registration(session: AsyncSession, user_id: int) -> RegistrationView | None:
    """The user's pending or approved registration, if any."""
    row = await session.scalar(
        select(OrgRegistration)
        .where(OrgRegistration.user_id == user_id, OrgRegistration.status != REJECTED)
        .order_by(OrgRegistration.id.desc())
        .limit(1)
    )
    return await _view(session, row) if row else None


async def register(
    session: AsyncSession, *, user: UserView, applicant: Applicant, now: datetime
) -> tuple[RegistrationView, Unit]:
    """File the registration (one at a time per person), creating a new unit if needed."""
    if user.role != Role.CITIZEN:
        raise InvalidInput("organisations/already_member", {"unit": user.unit_name or ""})
    if await current_registration(session, user.id) is not None:
        raise InvalidInput("organisations/already_pending")
    unit = await _establishment(session, applicant, now)
    row = OrgRegistration(
        user_id=user.id,
        unit_id=unit.id,
        new_unit=applicant.unit_id is None,
        commune_id=applicant.commune_id,
        tax_code=applicant.tax_code,
        rep_name=applicant.rep_name,
        rep_position=applicant.rep_position,
        phone=applicant.phone,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session, actor_id=user.id, action="org.registered", subject=f"org_registration:{row.id}"
    )
    return await _view(session, row), unit


async def _establishment(session: AsyncSession, applicant: Applicant, now: datetime) -> Unit:
    if applicant.unit_id is not None:
        unit = await session.get(Unit, applicant.unit_id)
        if unit is None or unit.kind != applicant.kind or not unit.active:
            raise NotFound("errors/stale_button")
        return unit
    if applicant.tax_code and await session.scalar(
        select(Unit.id).where(Unit.tax_code == applicant.tax_code)
    ):
        raise InvalidInput("organisations/tax_code_taken", {"tax_code": applicant.tax_code})
    unit = Unit(
        code=f"org-pending-{secrets.token_hex(6)}",
        kind=applicant.kind,
        name=applicant.name,
        commune_id=applicant.commune_id,
        tax_code=applicant.tax_code,
        note=f"Đăng ký qua trợ lý ngày {now:%d/%m/%Y}",
        active=False,
        created_at=now,
    )
    session.add(unit)
    await session.flush()
    unit.code = f"org-{applicant.kind.replace('_', '-')}-{unit.id}"
    return unit


async def decide(
    session: AsyncSession,
    *,
    actor: UserView,
    registration_id: int,
    approve: bool,
    now: datetime,
    catalog: Catalog,
) -> RegistrationView:
    """Approve (the user represents the unit; a new unit joins its registry) or reject."""
    row = await session.get(OrgRegistration, registration_id, with_for_update=True)
    if row is None:
        raise NotFound("organisations/gone")
    unit = await session.get(Unit, row.unit_id)
    assert unit is not None  # noqa: S101 (foreign key)
    await require_decider(session, actor=actor, unit=unit, catalog=catalog)
    if row.status != PENDING:
        raise InvalidInput("organisations/already_decided", {"status": row.status})
    user = await session.get(User, row.user_id)
    if approve and (user is None or user.role != Role.CITIZEN):
        raise InvalidInput("organisations/requester_changed")
    row.status = APPROVED if approve else REJECTED
    row.decided_at, row.decided_by_id = now, actor.id
    if approve:
        unit.active = True
        unit.commune_id = unit.commune_id or row.commune_id
        if row.tax_code and not unit.tax_code:
            unit.tax_code = row.tax_code
        await set_role(session, row.user_id, role=Role.REPRESENTATIVE, unit_id=unit.id)
    await audit.record(
        session,
        actor_id=actor.id,
        action=f"org.{row.status}",
        subject=f"org_registration:{row.id}",
    )
    return await _view(session, row)


async def list_pending(
    session: AsyncSession, *, actor: UserView, catalog: Catalog
) -> list[RegistrationView]:
    """Registrations waiting for this actor's decision, oldest first."""
    rows = await session.scalars(
        select(OrgRegistration)
        .where(OrgRegistration.status == PENDING)
        .order_by(OrgRegistration.id)
    )
    found = []
    for row in rows:
        unit = await session.get(Unit, row.unit_id)
        if unit is not None and await may_decide(session, actor=actor, unit=unit, catalog=catalog):
            found.append(await _view(session, row))
    return found


async def deciders_of(
    session: AsyncSession, *, unit_id: int, catalog: Catalog
) -> tuple[list[UserView], str]:
    """Who decides for an establishment (to notify) and their names (to say who will)."""
    unit = await session.get(Unit, unit_id)
    if unit is None:
        return [], ""
    users = await list_deciders(session, unit=unit, catalog=catalog)
    return users, await decider_names(session, unit=unit, catalog=catalog)


async def unit_commune(session: AsyncSession, unit_id: int) -> tuple[int | None, str | None]:
    """An establishment's commune (id and name), when the registry knows it."""
    unit = await session.get(Unit, unit_id)
    if unit is None or unit.commune_id is None:
        return None, None
    commune = await session.get(Unit, unit.commune_id)
    return unit.commune_id, commune.name if commune else None


async def unit_tax_code(session: AsyncSession, unit_id: int) -> str | None:
    """The tax code the registry has for a unit."""
    unit = await session.get(Unit, unit_id)
    return unit.tax_code if unit else None


async def representatives_of(session: AsyncSession, *, unit_id: int) -> list[int]:
    """The active representatives of an establishment."""
    return list(
        await session.scalars(
            select(User.id).where(
                User.unit_id == unit_id, User.role == Role.REPRESENTATIVE, User.active
            )
        )
    )
