"""Who decides for an establishment: its kind's lead department, the commune for markets and
craft villages, or a coordinator who belongs to no department (a provincial administrator)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.commitment_specs import Catalog
from bot.services.core.access import Role
from bot.services.core.errors import PermissionDenied
from bot.services.people.users import UserView, get_user
from db.models import Unit, User

DECIDERS = (Role.COORDINATOR, Role.OFFICIAL)


async def may_decide(
    session: AsyncSession, *, actor: UserView, unit: Unit, catalog: Catalog
) -> bool:
    """Whether the actor decides for this establishment.

    A coordinator without a unit decides for every kind (the ADMIN_CHAT_IDS coordinators and
    those invited without a department); a coordinator or official of a department decides for
    the kinds that department approves; the officials of a market's or craft village's commune
    decide for it.
    """
    rule = catalog.kinds.get(unit.kind)
    if rule is None or actor.role not in DECIDERS:
        return False
    if actor.role == Role.COORDINATOR and actor.unit_id is None:
        return True
    if actor.unit_id is None:
        return False
    if rule.commune_officials and actor.role == Role.OFFICIAL and actor.unit_id == unit.commune_id:
        return True
    code = await session.scalar(select(Unit.code).where(Unit.id == actor.unit_id))
    return code in rule.approvers


async def require_decider(
    session: AsyncSession, *, actor: UserView, unit: Unit, catalog: Catalog
) -> None:
    """Refuse, naming who decides, unless the actor does."""
    if not await may_decide(session, actor=actor, unit=unit, catalog=catalog):
        raise PermissionDenied(
            "organisations/not_your_department",
            {"deciders": await decider_names(session, unit=unit, catalog=catalog)},
        )


async def decider_names(session: AsyncSession, *, unit: Unit, catalog: Catalog) -> str:
    """'Sở Công Thương' or 'Sở Công Thương hoặc UBND xã Thạch Hà', for messages."""
    rule = catalog.kinds.get(unit.kind)
    if rule is None:
        return ""
    names = list(await session.scalars(select(Unit.name).where(Unit.code.in_(rule.approvers))))
    if rule.commune_officials and unit.commune_id:
        commune = await session.get(Unit, unit.commune_id)
        if commune is not None:
            prefix = "UBND phường" if commune.kind == "ward" else "UBND xã"
            names.append(f"{prefix} {commune.name}")
    return " hoặc ".join(names)


async def list_deciders(session: AsyncSession, *, unit: Unit, catalog: Catalog) -> list[UserView]:
    """Active users who decide for this establishment, to be told about it."""
    users = await session.scalars(
        select(User.id).where(User.role.in_(DECIDERS), User.active).order_by(User.id)
    )
    found = []
    for user_id in users:
        user = await get_user(session, user_id)
        if await may_decide(session, actor=user, unit=unit, catalog=catalog):
            found.append(user)
    return found
