"""Parsing unit registries from CSV/Excel rows: the seeded files and operators' imports.

Operators' files may use Vietnamese headers ("Tên", "Loại", "Xã/phường", "Mã số thuế", "Ngành")
and Vietnamese kinds and categories ("Siêu thị", "Khu công nghiệp", "Dệt may"); they are read as
the English columns and keys of the shipped files.
"""

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.services.content.files import Row
from bot.services.content.problems import Problems
from bot.services.core.matching import fold

UNIT_COLUMNS = (
    "code",
    "name",
    "kind",
    "category",
    "parent",
    "aliases",
    "former_names",
    "note",
    "commune",
    "tax_code",
    # Optional: schools' number of students (the contest's participation share per school).
    "students",
)
REQUIRED_COLUMNS = ("name",)
# Folded header -> column. English names stand for themselves.
HEADER_WORDS = {
    **{column: column for column in UNIT_COLUMNS},
    "former names": "former_names",
    "tax code": "tax_code",
    "ma": "code",
    "ma don vi": "code",
    "ma co so": "code",
    "ten": "name",
    "ten co so": "name",
    "ten don vi": "name",
    "ten doanh nghiep": "name",
    "loai": "kind",
    "loai hinh": "kind",
    "phan loai": "category",
    "nganh": "category",
    "nganh nghe": "category",
    "linh vuc": "category",
    "thuoc": "parent",
    "don vi cha": "parent",
    "ten khac": "aliases",
    "ten cu": "former_names",
    "ghi chu": "note",
    "xa/phuong": "commune",
    "xa phuong": "commune",
    "phuong/xa": "commune",
    "xa": "commune",
    "dia ban": "commune",
    "ma so thue": "tax_code",
    "mst": "tax_code",
    "so hoc sinh": "students",
    "hoc sinh": "students",
}
# Folded Vietnamese kind words -> (kind, category).
KIND_WORDS: dict[str, tuple[str, str | None]] = {
    "xa": ("commune", None),
    "phuong": ("ward", None),
    "co quan cap tinh": ("department", None),
    "truong thpt": ("school", None),
    "doanh nghiep": ("enterprise", None),
    "lang nghe": ("craft_village", None),
    "trung tam thuong mai": ("trade_centre", None),
    "tttm": ("trade_centre", None),
    "cho": ("market", None),
    "sieu thi": ("supermarket", None),
    "co so luu tru": ("lodging", None),
    "khach san": ("lodging", None),
    "nha nghi": ("lodging", None),
    "khu du lich": ("tourist_site", None),
    "diem du lich": ("tourist_site", None),
    "khu kinh te": ("zone", "economic_zone"),
    "kkt": ("zone", "economic_zone"),
    "khu cong nghiep": ("zone", "industrial_park"),
    "kcn": ("zone", "industrial_park"),
    "cum cong nghiep": ("zone", "industrial_cluster"),
    "ccn": ("zone", "industrial_cluster"),
}
# Mã số thuế: 10 digits, or 10 + 3 for a branch ("0101234567-001").
TAX_CODE = re.compile(r"(\d{10})(?:-?(\d{3}))?")
MAX_CODE = 64
# The database's limits (units.name is VARCHAR(255), students an INTEGER): checked here so a
# file's mistake is named at its line, not reported by PostgreSQL as a database failure.
MAX_NAME = 255
MAX_STUDENTS = 1_000_000
# NUL and other control characters (PostgreSQL refuses NUL in text); tabs and line breaks are
# tolerated inside a cell.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class UnitSpec:
    """One unit as a file describes it (`commune`: a commune's code, or its name in imports)."""

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
    commune: str | None = None
    tax_code: str | None = None
    students: int | None = None


@dataclass(frozen=True)
class TableRules:
    """What a table may hold: its kinds, each kind's categories (key -> label), defaults."""

    kinds: set[str]
    default_kind: str | None = None
    categories: Mapping[str, Mapping[str, str]] | None = None
    # Imports: a missing code is made from the tax code, or from the kind, name and commune.
    make_codes: bool = False


def canonical_header(header: list[str]) -> list[str]:
    """The header with Vietnamese or differently written names read as the known columns."""
    return [HEADER_WORDS.get(fold(cell), cell) if cell else cell for cell in header]


def canonical_rows(header: list[str], rows: Iterable[Row]) -> Iterator[Row]:
    """Rows whose cells are keyed by the canonical column names."""
    names = dict(zip(header, canonical_header(header), strict=True))
    for row in rows:
        yield Row(row.line, {names.get(k, k): v for k, v in row.cells.items()})


def check_header(
    path: Path, header: list[str], problems: Problems, *, need_code: bool = True
) -> bool:
    """Whether the header has the required columns and only known ones."""
    columns = canonical_header(header)
    required = ("code", *REQUIRED_COLUMNS) if need_code else REQUIRED_COLUMNS
    missing = [c for c in required if c not in columns]
    unknown = [h for h, c in zip(header, columns, strict=True) if h and c not in UNIT_COLUMNS]
    if missing:
        problems.add(path, 1, f"missing column(s): {', '.join(missing)}")
    if unknown:
        problems.add(path, 1, f"unknown column(s): {', '.join(unknown)}")
    return not missing and not unknown


def parse_unit_rows(
    path: Path, rows: Iterable[Row], *, rules: TableRules, problems: Problems
) -> list[UnitSpec]:
    """Units of a table; bad rows are reported and left out."""
    units: list[UnitSpec] = []
    for row in rows:
        unit = _parse_row(path, row, rules=rules, problems=problems)
        if unit is not None:
            units.append(unit)
    return units


def _parse_row(path: Path, row: Row, *, rules: TableRules, problems: Problems) -> UnitSpec | None:
    cells = row.cells
    name = cells.get("name", "")
    kind, category = _kind(cells, rules)
    tax_code = normalise_tax_code(cells.get("tax_code", ""))
    code = cells.get("code", "") or (
        make_code(kind, name, cells.get("commune", ""), tax_code) if rules.make_codes else ""
    )
    problem = _text_problem(cells, name=name) or _row_problem(
        cells, code=code, name=name, kind=kind, tax_code=tax_code, rules=rules
    )
    if problem is None:
        category, problem = _category(kind, category, rules)
    if problem is not None:
        problems.add(path, row.line, problem)
        return None
    students = cells.get("students", "").replace(".", "").replace(" ", "")
    if students and not (
        re.fullmatch(r"[0-9]{1,7}", students) and 0 < int(students) <= MAX_STUDENTS
    ):
        problems.add(
            path,
            row.line,
            f"students {cells['students']!r} must be a whole number from 1 to {MAX_STUDENTS:,}",
        )
        return None
    return UnitSpec(
        code=code,
        name=name,
        kind=kind,
        category=category,
        parent=cells.get("parent") or None,
        aliases=_split(cells.get("aliases", "")),
        former_names=_split(cells.get("former_names", "")),
        note=cells.get("note") or None,
        path=path,
        line=row.line,
        commune=cells.get("commune") or None,
        tax_code=tax_code,
        students=int(students) if students else None,
    )


def _row_problem(
    cells: Mapping[str, str],
    *,
    code: str,
    name: str,
    kind: str,
    tax_code: str | None,
    rules: TableRules,
) -> str | None:
    """What is wrong with a row, if anything."""
    if cells.get("tax_code") and tax_code is None:
        return f"tax code {cells['tax_code']!r} must be 10 or 13 digits"
    if not code or not name:
        return "code and name are required"
    if not code.isascii() or " " in code or len(code) > MAX_CODE:
        return f"code {code!r} must be ASCII without spaces"
    if rules.default_kind and cells.get("kind") and kind != rules.default_kind:
        return f"kind {cells['kind']!r} differs from --kind {rules.default_kind}"
    if kind not in rules.kinds:
        return f"unknown kind {kind!r} (known: {', '.join(sorted(rules.kinds))})"
    return None


def _text_problem(cells: Mapping[str, str], *, name: str) -> str | None:
    """Cells the database could not take: control characters, a name too long."""
    for column, value in cells.items():
        if CONTROL.search(value):
            return f"{column}: a control character (such as a NUL byte) is not text"
    if len(name) > MAX_NAME:
        return f"name is longer than {MAX_NAME} characters ({len(name)})"
    return None


def _kind(cells: Mapping[str, str], rules: TableRules) -> tuple[str, str | None]:
    """The row's kind (an English key or a Vietnamese word) and the category a word implies."""
    typed = cells.get("kind", "")
    if not typed:
        return rules.default_kind or "", cells.get("category") or None
    if typed in rules.kinds:
        return typed, cells.get("category") or None
    kind, implied = KIND_WORDS.get(fold(typed), (typed, None))
    return kind, cells.get("category") or implied


def _category(kind: str, typed: str | None, rules: TableRules) -> tuple[str | None, str | None]:
    """The category key and a problem. Kinds declaring categories accept only theirs."""
    known = (rules.categories or {}).get(kind)
    if not typed or not known or typed in known:
        return typed or None, None
    by_label = {fold(label): key for key, label in known.items()}
    if fold(typed) in by_label:
        return by_label[fold(typed)], None
    return None, f"unknown category {typed!r} (known: {', '.join(known.values())})"


def normalise_tax_code(typed: str) -> str | None:
    """'0101 234 567' -> '0101234567', '0101234567 001' -> '0101234567-001'; None if invalid."""
    digits = re.sub(r"[\s.]", "", typed)
    found = TAX_CODE.fullmatch(digits)
    if found is None:
        return None
    return found.group(1) + (f"-{found.group(2)}" if found.group(2) else "")


def make_code(kind: str, name: str, commune: str, tax_code: str | None) -> str:
    """A stable code for a unit imported without one (the same file gives the same codes)."""
    if tax_code:
        return f"mst-{tax_code}"
    slug = "-".join(fold(f"{name} {commune}").replace("/", " ").replace(".", " ").split())
    return f"{kind.replace('_', '-')}-{slug}"[:MAX_CODE].rstrip("-") if slug else ""


def check_unique_codes(units: Iterable[UnitSpec], problems: Problems) -> None:
    """Report a code (or a tax code) used twice, naming both places."""
    first: dict[str, UnitSpec] = {}
    taxed: dict[str, UnitSpec] = {}
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
        if unit.tax_code and unit.tax_code in taxed and taxed[unit.tax_code].code != unit.code:
            other = taxed[unit.tax_code]
            problems.add(
                unit.path,
                unit.line,
                f"duplicate tax code {unit.tax_code} (also {other.path.name}:{other.line})",
            )
        elif unit.tax_code:
            taxed[unit.tax_code] = unit


def _split(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(";") if part.strip())
