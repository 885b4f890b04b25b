"""Administrative documents in the format of Decree 30/2020/NĐ-CP, Appendix I (python-docx).

Small API, plain values in, a Word document out:

    doc = new_document()                                # A4, margins, Times New Roman 14
    add_letterhead(doc, Letterhead(...))                # bodies, motto, number, place and date
    add_title(doc, "BÁO CÁO", "Kết quả thực hiện …")    # document name and abstract
    add_paragraph(doc, "…")                             # body: justified, first-line indent
    add_heading(doc, "I. KẾT QUẢ …")                    # a section's heading in the body
    add_table(doc, headers, rows, widths_mm=[…])        # a bordered table, 12 pt
    add_closing(doc, recipients=[…], signature=Signature(…))   # "Nơi nhận:" and the signer
    data = to_bytes(doc)

Appendix I as applied: A4 paper; margins top and bottom 20-25 mm, left 30-35 mm, right
15-20 mm; Times New Roman; the issuing body's parent in upper case 12-13 pt, the issuing body
bold upper case, a short rule under it; the national motto block (13 pt bold upper case, then
the motto 14 pt bold with a rule of its length); "Số: …/BC-SCT" 13 pt; place and date 14 pt
italic; the document name bold upper case and its abstract bold, 14 pt, centred; body 14 pt
justified with a first-line indent; page numbers in the header, centred, from page 2;
"Nơi nhận:" 12 pt bold italic, its lines 11 pt, ending "Lưu: VT, …"; the signer's authority
bold upper case.
"""

import io
import math
from collections.abc import Sequence
from typing import Any

import docx
from docx.document import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, Twips
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.services.documents.letters import Letterhead, Signature

__all__ = [
    "Letterhead",
    "Signature",
    "add_addressees",
    "add_closing",
    "add_heading",
    "add_letterhead",
    "add_paragraph",
    "add_table",
    "add_title",
    "new_document",
    "to_bytes",
]

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
MARGINS_MM = {"top": 20, "bottom": 20, "left": 30, "right": 15}
TEXT_WIDTH_MM = 210 - MARGINS_MM["left"] - MARGINS_MM["right"]
FIRST_LINE_INDENT = Cm(1.27)
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
LEFT_COLUMN_MM = 62


def new_document() -> Document:
    """An empty A4 document with the Decree's margins, font and page numbers from page 2."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = (
        _at_least(MARGINS_MM["top"]),
        _at_least(MARGINS_MM["bottom"]),
    )
    section.left_margin, section.right_margin = (
        _at_least(MARGINS_MM["left"]),
        _at_least(MARGINS_MM["right"]),
    )
    section.header_distance = Mm(10)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(BODY_PT)
    fonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    _page_numbers(document)
    return document


def _at_least(mm: float) -> Twips:
    """A length of at least `mm` in Word's unit (1/1440 inch): never under the Decree's floor."""
    return Twips(math.ceil(mm * 1440 / 25.4))


def _page_numbers(document: Document) -> None:
    """The page number in the header's centre on every page but the first."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run()
    run.font.size = Pt(BODY_PT)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)  # python-docx has no API for fields


def add_letterhead(document: Document, head: Letterhead) -> None:
    """The two-column block: bodies and number on the left, motto, place and date right."""
    right_mm = TEXT_WIDTH_MM - LEFT_COLUMN_MM
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fix_widths(table, (LEFT_COLUMN_MM, right_mm))
    left, right = table.rows[0].cells
    _line(left, head.parent_body, size=13, first=True)
    _line(left, head.issuing_body, size=13, bold=True)
    _rule(left, 22, LEFT_COLUMN_MM)
    _line(left, head.number, size=13, space_before=6)
    _line(right, MOTTO[0], size=13, bold=True, first=True)
    _line(right, MOTTO[1], size=14, bold=True)
    _rule(right, 63, right_mm)
    _line(right, _place_and_date(head), size=14, italic=True, space_before=6)


def _fix_widths(table: Table, widths_mm: Sequence[float]) -> None:
    """Column widths that Word and LibreOffice both keep (grid, cells and a fixed layout)."""
    table.autofit = False
    properties = table._tbl.tblPr  # python-docx has no API for the fixed layout
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    properties.append(layout)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def _place_and_date(head: Letterhead) -> str:
    if head.issued_on is None:
        return f"{head.place}, ngày     tháng     năm {head.year}"
    day = head.issued_on
    # The Decree writes days below 10 and months below 3 with a leading zero.
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{head.place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _line(
    cell: _Cell,
    text: str,
    *,
    size: int,
    bold: bool = False,
    italic: bool = False,
    first: bool = False,
    space_before: int = 0,
) -> Paragraph:
    paragraph: Paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(paragraph, before=space_before, after=0)
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.italic = Pt(size), bold, italic
    return paragraph


def _rule(cell: _Cell, length_mm: float, cell_mm: float) -> None:
    """A thin horizontal rule of `length_mm`, centred, under the previous line."""
    paragraph = cell.add_paragraph()
    inset = Mm(max((cell_mm - length_mm) / 2, 0))
    paragraph.paragraph_format.left_indent = inset
    paragraph.paragraph_format.right_indent = inset
    _spacing(paragraph, before=0, after=0)
    _bottom_border(paragraph)


def _bottom_border(paragraph: Paragraph) -> None:
    """Draw the paragraph as a thin line: an empty paragraph with a bottom border."""
    paragraph.paragraph_format.line_spacing = Pt(2)
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    paragraph._p.get_or_add_pPr().append(borders)  # python-docx has no API for borders


def add_title(document: Document, name: str, abstract: str) -> None:
    """The document's name (e.g. "BÁO CÁO") and its abstract, centred, with a short rule."""
    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(heading, before=18, after=0)
    run = heading.add_run(name.upper())
    run.font.bold, run.font.size = True, Pt(BODY_PT)
    summary = document.add_paragraph()
    summary.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _spacing(summary, before=0, after=0)
    run = summary.add_run(abstract)
    run.font.bold, run.font.size = True, Pt(BODY_PT)
    rule = document.add_paragraph()
    inset = Mm((TEXT_WIDTH_MM - 50) / 2)
    rule.paragraph_format.left_indent = rule.paragraph_format.right_indent = inset
    _spacing(rule, before=0, after=12)
    _bottom_border(rule)


def add_paragraph(
    document: Document, text: str, *, bold: bool = False, italic: bool = False
) -> Paragraph:
    """A body paragraph: 14 pt, justified, first line indented 1.27 cm, 6 pt after."""
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = FIRST_LINE_INDENT
    paragraph.paragraph_format.line_spacing = 1.1
    _spacing(paragraph, before=0, after=6)
    run = paragraph.add_run(text)
    run.font.size, run.font.bold, run.font.italic = Pt(BODY_PT), bold, italic
    return paragraph


def add_heading(document: Document, text: str) -> Paragraph:
    """A heading inside the body (bold, same size, same indent)."""
    paragraph = add_paragraph(document, text, bold=True)
    paragraph.paragraph_format.keep_with_next = True
    _spacing(paragraph, before=6, after=6)
    return paragraph


def add_table(
    document: Document,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    widths_mm: Sequence[float],
    numeric: Sequence[int] = (),
) -> None:
    """A bordered table, 12 pt, bold centred headers repeated on each page; `numeric` columns
    (by index) are right-aligned, the first of them (a row number) centred."""
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _fix_widths(table, widths_mm)
    header = table.rows[0]
    _repeat_header(header._tr)
    for cell, text in zip(header.cells, headers, strict=True):
        _cell(cell, str(text), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    for row, values in zip(table.rows[1:], rows, strict=True):
        for index, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            align = WD_ALIGN_PARAGRAPH.LEFT
            if index in numeric:
                align = WD_ALIGN_PARAGRAPH.CENTER if index == 0 else WD_ALIGN_PARAGRAPH.RIGHT
            _cell(cell, "" if value is None else str(value), align=align)
    spacer = document.add_paragraph()
    _spacing(spacer, before=0, after=6)


def _repeat_header(row: Any) -> None:
    properties = row.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def _cell(cell: _Cell, text: str, *, bold: bool = False, align: Any) -> None:
    paragraph = cell.paragraphs[0]
    paragraph.alignment = align
    _spacing(paragraph, before=2, after=2)
    run = paragraph.add_run(text)
    run.font.size, run.font.bold = Pt(TABLE_PT), bold


def add_addressees(document: Document, addressees: Sequence[str]) -> None:
    """ "Kính gửi:" and the bodies the document goes to, centred."""
    if not addressees:
        return
    if len(addressees) == 1:
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _spacing(paragraph, before=0, after=6)
        paragraph.add_run(f"Kính gửi: {addressees[0]}.").font.size = Pt(BODY_PT)
        return
    for index, name in enumerate(addressees):
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.left_indent = Mm(35 if index else 0)
        _spacing(paragraph, before=0, after=0 if index < len(addressees) - 1 else 6)
        end = "." if index == len(addressees) - 1 else ";"
        lead = "Kính gửi: " if index == 0 else ""
        paragraph.add_run(f"{lead}- {name}{end}").font.size = Pt(BODY_PT)
        if index == 0:
            paragraph.paragraph_format.left_indent = Mm(12)


def add_closing(document: Document, *, recipients: Sequence[str], signature: Signature) -> None:
    """ "Nơi nhận:" and its lines on the left (the last "Lưu: VT, …"), the signer on the right."""
    table = document.add_table(rows=1, cols=2)
    _fix_widths(table, (80, TEXT_WIDTH_MM - 80))
    left, right = table.rows[0].cells
    first = left.paragraphs[0]
    _spacing(first, before=12, after=0)
    run = first.add_run("Nơi nhận:")
    run.font.size, run.font.bold, run.font.italic = Pt(12), True, True
    for line in recipients:
        paragraph = left.add_paragraph()
        _spacing(paragraph, before=0, after=0)
        paragraph.add_run(f"- {line}").font.size = Pt(11)
    _line(right, signature.authority.upper(), size=14, bold=True, first=True, space_before=12)
    if signature.title:
        _line(right, signature.title.upper(), size=14, bold=True)
    for _ in range(4):  # room for the signature and the seal
        _line(right, "", size=14)
    _line(right, signature.name or "", size=14, bold=True)


def _spacing(paragraph: Paragraph, *, before: int, after: int) -> None:
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)


def to_bytes(document: Document) -> bytes:
    """The document as .docx bytes."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
