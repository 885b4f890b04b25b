"""Rows laid out as an .xlsx file: the one module that writes workbooks (openpyxl).

openpyxl pulls in numpy, lxml and Pillow (about 40 MB): the bot at rest must stay under its
memory goal, so the exports import this module when they first lay a workbook out, in the
worker thread that does it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

MAX_WIDTH = 60


@dataclass(frozen=True)
class Page:
    """One sheet: its title, header row, rows, and a note in italics below them."""

    title: str
    headers: Sequence[str]
    rows: list[list[Any]]
    note: str | None = None


def build(pages: Sequence[Page]) -> bytes:
    """The pages as an .xlsx file, in order (blocking: call it in a worker thread)."""
    book = Workbook()
    first = book.active
    assert first is not None  # noqa: S101 (a new workbook has one sheet)
    for index, page in enumerate(pages):
        sheet = first if index == 0 else book.create_sheet()
        sheet.title = page.title
        _fill(sheet, page.headers, page.rows)
        if page.note:
            note = sheet.cell(row=sheet.max_row + 2, column=1, value=page.note)
            note.font = Font(italic=True)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _fill(sheet: Worksheet, headers: Sequence[str], rows: list[list[Any]]) -> None:
    """Header row bold, frozen and filtered; text written as text so '=…' is never a formula;
    columns as wide as their longest value (within reason)."""
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    widths = [len(str(h)) for h in headers]
    for values in rows:
        sheet.append([None] * len(values))
        for column, value in enumerate(values, start=1):
            _write(sheet.cell(row=sheet.max_row, column=column), value)
            widths[column - 1] = max(widths[column - 1], _width(value))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(sheet.max_row, 1)}"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)


def _width(value: Any) -> int:
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    return len(str(value)) if value is not None else 0


def _write(cell: Cell, value: Any) -> None:
    if isinstance(value, str):  # control characters stored before they were refused at input
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # user text such as "=HYPERLINK(…)" stays text
    elif isinstance(value, datetime):
        cell.number_format = "DD/MM/YYYY HH:MM"
    elif isinstance(value, date):
        cell.number_format = "DD/MM/YYYY"
