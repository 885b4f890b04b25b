"""Reading content files with line numbers, so every problem can say `file:line`."""

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class LineMap(dict[str, Any]):
    """A YAML mapping that remembers the line it started on."""

    line: int = 0


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are LineMaps."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineMap:
    mapping = LineMap({str(k): v for k, v in loader.construct_mapping(node, deep=True).items()})
    mapping.line = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class FileProblem(ValueError):
    """A file that cannot be read as its kind; `line` says where (1 when unknown), `str()` what,
    in one line."""

    def __init__(self, line: int, problem: str) -> None:
        """Remember the line and the one-line problem."""
        super().__init__(problem)
        self.line = line


def decode_utf8(data: bytes) -> str:
    """The bytes as UTF-8 text (a BOM from Excel or Notepad is dropped); FileProblem names the
    line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        raise FileProblem(line, problem) from None


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; mappings come back as LineMaps. Raises FileNotFoundError, or
    FileProblem for text that is not UTF-8 or not YAML."""
    text = decode_utf8(path.read_bytes())
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FileProblem(mark.line + 1 if mark else 1, f"not valid YAML: {what}") from None


@dataclass(frozen=True)
class Row:
    """One data row of a table file and the line it came from."""

    line: int
    cells: dict[str, str]


def read_csv_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of a UTF-8 CSV file (a BOM from Excel is tolerated)."""
    text = decode_utf8(path.read_bytes())
    reader = csv.reader(text.splitlines())
    header = [cell.strip() for cell in _csv_rows(reader) or []]

    def rows() -> Iterator[Row]:
        while True:
            values = _csv_rows(reader)
            if values is None:
                return
            if not any(cell.strip() for cell in values):
                continue
            padded = values + [""] * (len(header) - len(values))
            yield _row(reader.line_num, header, padded)

    return header, rows()


def _row(line: int, header: list[str], cells: list[str]) -> Row:
    """A row keyed by the header; a NUL byte (no database stores it as text) is a FileProblem."""
    row = Row(line, {k: v.strip() for k, v in zip(header, cells, strict=False)})
    for column, value in row.cells.items():
        if "\x00" in value:
            raise FileProblem(line, f"{column}: a NUL byte is not text")
    return row


def _csv_rows(reader: Any) -> list[str] | None:
    """The next row; a malformed one (a cell over csv's 131,072-character limit, a NUL byte)
    is a FileProblem at its line."""
    try:
        return next(reader)  # type: ignore[no-any-return]
    except StopIteration:
        return None
    except csv.Error as exc:
        raise FileProblem(reader.line_num, f"cannot read this row: {exc}") from None


def read_xlsx_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of the first sheet of an Excel workbook."""
    rows = list(read_xlsx_values(path))
    header = [str(cell or "").strip() for cell in (rows[0] if rows else ())]
    found = []
    for number, values in enumerate(rows[1:], start=2):
        cells = ["" if cell is None else str(cell) for cell in values]
        if any(c.strip() for c in cells):
            found.append(_row(number, header, cells))
    return header, iter(found)


def read_xlsx_values(path: Path) -> list[tuple[object, ...]]:
    """The cells of the first sheet, row by row; a file that is not a readable workbook (a
    renamed file, a damaged download) is a FileProblem."""
    from openpyxl import load_workbook  # noqa: PLC0415 (only operators' imports need it)
    from openpyxl.utils.exceptions import InvalidFileException  # noqa: PLC0415

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError) as exc:
        raise FileProblem(1, f"not a readable Excel workbook ({type(exc).__name__})") from None
    try:
        if not book.worksheets:
            return []
        return list(book.worksheets[0].iter_rows(values_only=True))
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, SyntaxError) as exc:
        # A damaged sheet inside a valid archive (ElementTree's ParseError is a SyntaxError).
        raise FileProblem(1, f"not a readable Excel workbook ({type(exc).__name__})") from None
    finally:
        book.close()


def read_table(path: Path) -> tuple[list[str], Iterator[Row]]:
    """Rows of a CSV or .xlsx file, chosen by its extension."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_rows(path)
    return read_csv_rows(path)
