"""Unit registries: listing, finding by typed name, and operators' imports."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.errors import InvalidInput
from bot.services.core.matching import Candidate, best_matches, fold
from db.models import Registry, Unit

COMMUNE_KINDS = ("commune", "ward")


@dataclass(frozen=True)
class UnitView:
    """A unit as the rest of the app sees it."""

    id: int
    code: str
    kind: str
    name: str
    label: str

    @property
    def title(self) -> str:
        """The unit's name with its kind, e.g. 'Xã Thạch Hà'."""
        return f"{self.label} {self.name}" if self.label else self.name


def _view(unit: Unit, labels: dict[str, str]) -> UnitView:
    label = labels.get(unit.kind, "") if unit.kind in COMMUNE_KINDS else ""
    return UnitView(unit.id, unit.code, unit.kind, unit.name, label)


async def registry_labels(session: AsyncSession, *, plural: bool = False) -> dict[str, str]:
    """The singular (or plural) label of each registry kind ('commune' -> 'Xã' or 'xã')."""
    return {
        r.kind: r.plural if plural else r.label for r in await session.scalars(select(Registry))
    }


async def list_units(session: AsyncSession, *, kind: str | None = None) -> list[UnitView]:
    """Active units, optionally of one kind, ordered by kind and code."""
    query = select(Unit).where(Unit.active).order_by(Unit.kind, Unit.code)
    if kind:
        query = query.where(Unit.kind == kind)
    labels = await registry_labels(session)
    return [_view(u, labels) for u in await session.scalars(query)]


async def get_unit(session: AsyncSession, unit_id: int) -> UnitView | None:
    """One unit by id, or None."""
    unit = await session.get(Unit, unit_id)
    return _view(unit, await registry_labels(session)) if unit else None


MAX_TYPED_NAME = 100


async def find_typed_units(
    session: AsyncSession, text: str, *, kinds: tuple[str, ...] | None = None
) -> list[UnitView]:
    """The units matching a name someone typed; refused when empty, too long or unknown."""
    text = text.strip()
    if not text or len(text) > MAX_TYPED_NAME:
        raise InvalidInput("onboarding/unit_expected")
    found = await find_units(session, text, kinds=kinds)
    if not found:
        raise InvalidInput("onboarding/unit_not_found", {"typed": text})
    return found


async def find_units(
    session: AsyncSession, text: str, *, kinds: tuple[str, ...] | None = None, limit: int = 5
) -> list[UnitView]:
    """Units whose code, name, alias or former name resembles the typed text, best first."""
    query = select(Unit).where(Unit.active)
    if kinds:
        query = query.where(Unit.kind.in_(kinds))
    units = {u.id: u for u in await session.scalars(query)}
    labels = await registry_labels(session)
    by_code = [u for u in units.values() if fold(u.code) == fold(text)]
    if by_code:
        return [_view(by_code[0], labels)]
    candidates = [
        Candidate(u.id, (u.name, *u.aliases), tuple(_bare(n) for n in u.former_names))
        for u in units.values()
    ]
    return [_view(units[m.key], labels) for m in best_matches(text, candidates, limit=limit)]


def _bare(former_name: str) -> str:
    """'Phường Đại Nài (một phần)' -> 'Đại Nài': officials type old names without the kind."""
    name = former_name.split("(", maxsplit=1)[0].strip()
    for prefix in ("Phường ", "Xã ", "Thị trấn "):
        name = name.removeprefix(prefix)
    return name
