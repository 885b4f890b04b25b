"""Parsing unit registries from CSV/Excel rows: the seeded files and operators' imports."""

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bot.services.content.files import Row
from bot.services.content.problems import Problems

UNIT_COLUMNS = (
    "code",
    "name",
    "kind",
    "category",
    "parent",
    "aliases",
    "former_names",
    "note",
    # Optional: schools' number of students (the contest's participation share per school).
    "students",
)
REQUIRED_COLUMNS = ("code", "name")


@dataclass(frozen=True)
class UnitSpec:
    """One unit as a file describes it."""

    code: str
    name: str
    kind: str
    category: str | None
    parent: str | None
    aliases: tuple[str, ...]
    former_names: tuple[str, ...]
    note: str | None
    path: Path
    line: int
    students: int | None = None


def check_header(path: Path, header: list[str], problems: Problems) -> bool:
    """Whether the header has the required columns and only known ones."""
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c and c not in UNIT_COLUMNS]
    if missing:
        problems.add(path, 1, f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.add(path, 1, f"unknown column(s): {', '.join(unknown)}")
    return not missing and not unknown


def parse_unit_rows(
    path: Path,
    rows: Iterable[Row],
    *,
    kinds: set[str],
    default_kind: str | None,
    problems: Problems,
) -> list[UnitSpec]:
    """Units of a table; bad rows are reported and left out."""
    units: list[UnitSpec] = []
    for row in rows:
        unit = _parse_row(path, row, kinds=kinds, default_kind=default_kind, problems=problems)
        if unit is not None:
            units.append(unit)
    return units


def _parse_row(
    path: Path, row: Row, *, kinds: set[str], default_kind: str | None, problems: Problems
) -> UnitSpec | None:
    cells = row.cells
    code, name = cells.get("code", ""), cells.get("name", "")
    kind = cells.get("kind") or default_kind or ""
    if not code or not name:
        problems.add(path, row.line, "code and name are required")
        return None
    if not code.isascii() or " " in code:
        problems.add(path, row.line, f"code {code!r} must be ASCII without spaces")
        return None
    if default_kind and cells.get("kind") and cells["kind"] != default_kind:
        problems.add(path, row.line, f"kind {cells['kind']!r} differs from --kind {default_kind}")
        return None
    if kind not in kinds:
        problems.add(path, row.line, f"unknown kind {kind!r} (known: {', '.join(sorted(kinds))})")
        return None
    students = cells.get("students", "").replace(".", "").replace(" ", "")
    if students and not (students.isdigit() and int(students) > 0):
        problems.add(path, row.line, f"students {cells['students']!r} must be a whole number")
        return None
    return UnitSpec(
        code=code,
        name=name,
        kind=kind,
        category=cells.get("category") or None,
        parent=cells.get("parent") or None,
        aliases=_split(cells.get("aliases", "")),
        former_names=_split(cells.get("former_names", "")),
        note=cells.get("note") or None,
        path=path,
        line=row.line,
        students=int(students) if students else None,
    )


def check_unique_codes(units: Iterable[UnitSpec], problems: Problems) -> None:
    """Report a code used twice, naming both places."""
    first: dict[str, UnitSpec] = {}
    for unit in units:
        if unit.code in first:
            other = first[unit.code]
            problems.add(
                unit.path,
                unit.line,
                f"duplicate code {unit.code!r} (also {other.path.name}:{other.line})",
            )
        else:
            first[unit.code] = unit


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(";") if part.strip())
