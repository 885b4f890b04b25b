"""Reading content files with line numbers, so every problem can say `file:line`."""

import csv
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


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; mappings come back as LineMaps. Raises yaml.YAMLError."""
    with path.open(encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_LineLoader)  # noqa: S506 (a SafeLoader subclass)


@dataclass(frozen=True)
class Row:
    """One data row of a table file and the line it came from."""

    line: int
    cells: dict[str, str]


def read_csv_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of a UTF-8 CSV file (a BOM from Excel is tolerated)."""
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.reader(text.splitlines())
    header = [cell.strip() for cell in next(reader, [])]

    def rows() -> Iterator[Row]:
        for values in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in values):
                continue
            padded = values + [""] * (len(header) - len(values))
            yield Row(line, {k: v.strip() for k, v in zip(header, padded, strict=False)})

    return header, rows()


def read_xlsx_rows(path: Path) -> tuple[list[str], Iterator[Row]]:
    """The header and the rows of the first sheet of an Excel workbook."""
    from openpyxl import load_workbook  # noqa: PLC0415 (only operators' imports need it)

    sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    header = [str(cell or "").strip() for cell in next(lines, ())]

    def rows() -> Iterator[Row]:
        for number, values in enumerate(lines, start=2):
            cells = ["" if cell is None else str(cell).strip() for cell in values]
            if any(cells):
                yield Row(number, dict(zip(header, cells, strict=False)))

    return header, rows()


def read_table(path: Path) -> tuple[list[str], Iterator[Row]]:
    """Rows of a CSV or .xlsx file, chosen by its extension."""
    if path.suffix.lower() == ".xlsx":
        return read_xlsx_rows(path)
    return read_csv_rows(path)
