"""Operators' imports of registry units from CSV or Excel files: all or nothing."""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.files import FileProblem, read_table
from bot.services.content.plan_file import parse_registries
from bot.services.content.problems import Problems
from bot.services.content.unit_tables import (
    TableRules,
    UnitSpec,
    canonical_rows,
    check_header,
    check_unique_codes,
    parse_unit_rows,
)
from bot.services.core.errors import ContentError
from bot.services.core.matching import fold
from bot.services.seeding.apply import apply_units
from bot.services.seeding.rows import SeedSummary
from db.models import Registry, Unit

COMMUNE_KINDS = ("commune", "ward")


@dataclass(frozen=True)
class ImportSummary:
    """What an import did: units added, updated, left as they were, and (with a complete list)
    retired because the list no longer names them."""

    added: int
    updated: int
    unchanged: int
    retired: int = 0


def read_unit_file(
    path: Path, *, kind: str, categories: Mapping[str, str] | None = None
) -> list[UnitSpec]:
    """Units of one kind from an operator's CSV/.xlsx file; ContentError lists every problem.

    Headers may be English or Vietnamese; a row without a code gets one made from its tax
    code, or from its kind, name and commune (the same row always gets the same code).
    """
    problems = Problems()
    if not path.is_file():
        raise ContentError([f"{path}:1: file not found"])
    rules = TableRules({kind}, kind, {kind: categories} if categories else None, make_codes=True)
    try:
        header, rows = read_table(path)
        if not check_header(path, header, problems, need_code=False):
            problems.raise_if_any()
        specs = parse_unit_rows(path, canonical_rows(header, rows), rules=rules, problems=problems)
    except FileProblem as exc:
        raise ContentError([f"{path}:{exc.line}: {exc}"]) from None
    except (ValueError, OSError) as exc:
        raise ContentError([f"{path}:1: cannot read the file: {exc}"]) from None
    check_unique_codes(specs, problems)
    problems.raise_if_any()
    if not specs:
        raise ContentError([f"{path}:2: no units in the file"])
    return specs


async def import_units(
    session: AsyncSession, specs: list[UnitSpec], *, kind: str, complete: bool = False
) -> ImportSummary:
    """Add or update units of one kind, all or nothing; `complete` vouches the list is whole."""
    registry = await session.get(Registry, kind)
    if registry is None:
        kinds = ", ".join(sorted(await session.scalars(select(Registry.kind))))
        raise ContentError([f"unknown kind {kind!r} (known: {kinds})"])
    problems = Problems()
    await _check_codes(session, specs, kind, problems)
    specs = await _resolve_communes(session, specs, problems)
    problems.raise_if_any()
    summary = SeedSummary()
    await apply_units(session, specs, summary)
    gone = 0
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
        gone = retired.rowcount or 0
    added, updated = summary.created["units"], min(summary.updated["units"], len(specs))
    return ImportSummary(added, updated, len(specs) - added - updated, gone)


async def _check_codes(
    session: AsyncSession, specs: list[UnitSpec], kind: str, problems: Problems
) -> None:
    """Refuse codes of units of another kind (they would silently move), unknown parents, and
    tax codes another unit already has."""
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
    taxed = {s.tax_code for s in specs if s.tax_code}
    tax_owners = dict(
        (
            await session.execute(select(Unit.tax_code, Unit.code).where(Unit.tax_code.in_(taxed)))
        ).all()
    )
    for spec in specs:
        if spec.code in taken:
            problems.add(
                spec.path, spec.line, f"code {spec.code!r} belongs to a {taken[spec.code]} unit"
            )
        if spec.parent and spec.parent not in known and spec.parent not in codes:
            problems.add(spec.path, spec.line, f"unknown parent unit {spec.parent!r}")
        owner = tax_owners.get(spec.tax_code) if spec.tax_code else None
        if owner is not None and owner != spec.code:
            problems.add(spec.path, spec.line, f"tax code {spec.tax_code} belongs to {owner!r}")


async def _resolve_communes(
    session: AsyncSession, specs: list[UnitSpec], problems: Problems
) -> list[UnitSpec]:
    """Each row's commune, given by code or by name (without "Xã"/"Phường"), as its code."""
    communes = list(await session.scalars(select(Unit).where(Unit.kind.in_(COMMUNE_KINDS))))
    by_code = {u.code: u.code for u in communes}
    by_name: dict[str, list[str]] = {}
    for unit in communes:
        by_name.setdefault(fold(unit.name), []).append(unit.code)
    resolved = []
    for spec in specs:
        if not spec.commune or spec.commune in by_code:
            resolved.append(spec)
            continue
        typed = fold(spec.commune)
        for prefix in ("xa ", "phuong "):
            typed = typed.removeprefix(prefix)
        found = by_name.get(typed, [])
        if len(found) != 1:
            problem = "is not a commune or ward" if not found else "names several units"
            problems.add(spec.path, spec.line, f"commune {spec.commune!r} {problem}")
            continue
        resolved.append(replace(spec, commune=found[0]))
    return resolved


def registry_categories(content_dir: Path) -> dict[str, dict[str, str]]:
    """Each kind's categories (key -> label) as registries.yaml declares them."""
    problems = Problems()
    registries = parse_registries(content_dir / "units" / "registries.yaml", problems)
    problems.raise_if_any()
    return {r.kind: dict(r.categories) for r in registries if r.categories}
