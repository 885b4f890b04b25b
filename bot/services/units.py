"""Unit registries: listing, finding by typed name, and operators' imports."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content_files import read_table
from bot.services.errors import ContentError, InvalidInput
from bot.services.matching import Candidate, best_matches, fold
from bot.services.problems import Problems
from bot.services.seeding import apply_units
from bot.services.seeding_rows import SeedSummary
from bot.services.unit_tables import UnitSpec, check_header, check_unique_codes, parse_unit_rows
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


async def registry_labels(session: AsyncSession) -> dict[str, str]:
    """The singular label of each registry kind ('commune' -> 'Xã')."""
    return {r.kind: r.label for r in await session.scalars(select(Registry))}


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


def read_unit_file(path: Path, *, kind: str) -> list[UnitSpec]:
    """Units of one kind from an operator's CSV/.xlsx file; ContentError lists every problem."""
    problems = Problems()
    if not path.is_file():
        raise ContentError([f"{path}:1: file not found"])
    try:
        header, rows = read_table(path)
        if not check_header(path, header, problems):
            problems.raise_if_any()
        specs = parse_unit_rows(path, rows, kinds={kind}, default_kind=kind, problems=problems)
    except (UnicodeDecodeError, ValueError, OSError) as exc:
        raise ContentError([f"{path}:1: cannot read the file: {exc}"]) from None
    check_unique_codes(specs, problems)
    problems.raise_if_any()
    if not specs:
        raise ContentError([f"{path}:2: no units in the file"])
    return specs


async def import_units(
    session: AsyncSession, specs: list[UnitSpec], *, kind: str, complete: bool = False
) -> SeedSummary:
    """Add or update units of one kind, all or nothing; `complete` vouches the list is whole."""
    registry = await session.get(Registry, kind)
    if registry is None:
        kinds = ", ".join(sorted(await session.scalars(select(Registry.kind))))
        raise ContentError([f"unknown kind {kind!r} (known: {kinds})"])
    problems = Problems()
    await _check_codes(session, specs, kind, problems)
    problems.raise_if_any()
    summary = SeedSummary()
    await apply_units(session, specs, summary)
    if complete:
        registry.declared_complete = True
    return summary


async def _check_codes(
    session: AsyncSession, specs: list[UnitSpec], kind: str, problems: Problems
) -> None:
    """Refuse codes of units of another kind (they would silently move) and unknown parents."""
    codes = [s.code for s in specs]
    taken = dict(
        (
            await session.execute(
                select(Unit.code, Unit.kind).where(Unit.code.in_(codes), Unit.kind != kind)
            )
        ).all()
    )
    parents = {s.parent for s in specs if s.parent} - set(codes)
    known = set(await session.scalars(select(Unit.code).where(Unit.code.in_(parents))))
    for spec in specs:
        if spec.code in taken:
            problems.add(
                spec.path, spec.line, f"code {spec.code!r} belongs to a {taken[spec.code]} unit"
            )
        if spec.parent and spec.parent not in known and spec.parent not in codes:
            problems.add(spec.path, spec.line, f"unknown parent unit {spec.parent!r}")
