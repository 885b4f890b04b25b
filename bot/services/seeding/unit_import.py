"""Operators' imports of registry units from CSV or Excel files: all or nothing."""

from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.files import read_table
from bot.services.content.problems import Problems
from bot.services.content.unit_tables import (
    UnitSpec,
    check_header,
    check_unique_codes,
    parse_unit_rows,
)
from bot.services.core.errors import ContentError
from bot.services.seeding.apply import apply_units
from bot.services.seeding.rows import SeedSummary
from db.models import Registry, Unit


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
        # The list is whole: units of this kind it does not name (e.g. a provisional shipped
        # list) leave the registry and its percentages; rows that point at them keep them.
        retired: CursorResult[Any] = await session.execute(  # type: ignore[assignment]
            update(Unit)
            .where(Unit.kind == kind, Unit.active, Unit.code.not_in([s.code for s in specs]))
            .values(active=False)
            .execution_options(synchronize_session=False)
        )
        summary.updated["units_retired"] += retired.rowcount or 0
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
