"""The commitment letter as a Word document (python-docx), Decree 30/2020 page layout."""

from io import BytesIO

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.services.documents.commitment_letter import (
    BOTTOM,
    FONT_SIZE,
    LEFT,
    MOTTO,
    RIGHT,
    SUBTITLE,
    TITLE,
    TOP,
    LetterValues,
)

FONT = "Times New Roman"
CENTER, RIGHT_ALIGN, JUSTIFY = (
    WD_ALIGN_PARAGRAPH.CENTER,
    WD_ALIGN_PARAGRAPH.RIGHT,
    WD_ALIGN_PARAGRAPH.JUSTIFY,
)


def render_docx(values: LetterValues) -> bytes:
    """The letter as the bytes of a .docx file."""
    document = Document()
    _page(document)
    _header(document, values)
    _paragraph(document, TITLE, bold=True, align=CENTER, size=14, before=12)
    _paragraph(document, SUBTITLE, bold=True, align=CENTER, size=14)
    _paragraph(document, f"Kính gửi: {values.recipient}.", align=CENTER, before=6, after=6)
    _paragraph(document, "Căn cứ:", italic=True)
    for line in values.legal_frame:
        _paragraph(document, f"- {line}", italic=True, align=JUSTIFY, indent=True)
    for line in values.body():
        _paragraph(document, line, align=JUSTIFY, indent=True)
    _roadmap(document, values)
    for line in values.closing():
        _paragraph(document, line, align=JUSTIFY, indent=True)
    _signature(document, values)
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(TOP), Mm(BOTTOM)
    section.left_margin, section.right_margin = Mm(LEFT), Mm(RIGHT)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(FONT_SIZE)
    # East Asian text falls back to another font unless the rFonts element names it too.
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(3)


def _header(document: DocumentObject, values: LetterValues) -> None:
    table: Table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    left.width, right.width = Mm(65), Mm(100)
    _cell(left.paragraphs[0], values.establishment.upper(), bold=True, size=12)
    _cell(left.add_paragraph(), "―――――", size=10)
    _cell(left.add_paragraph(), "Số:         /CK", size=12)
    _cell(right.paragraphs[0], MOTTO[0], bold=True, size=12)
    _cell(right.add_paragraph(), MOTTO[1], bold=True, size=13)
    _cell(right.add_paragraph(), "―――――――――――――", size=10)
    _cell(right.add_paragraph(), values.dateline, italic=True, size=13)


def _cell(
    paragraph: Paragraph, text: str, *, bold: bool = False, italic: bool = False, size: int
) -> None:
    paragraph.alignment = CENTER
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def _paragraph(
    document: DocumentObject,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.LEFT,
    size: int = FONT_SIZE,
    before: int = 0,
    after: int = 3,
    indent: bool = False,
) -> None:
    paragraph = document.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_before = Pt(before)
    paragraph.paragraph_format.space_after = Pt(after)
    if indent:
        paragraph.paragraph_format.first_line_indent = Mm(10)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)


def _roadmap(document: DocumentObject, values: LetterValues) -> None:
    table: Table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = (Mm(12), Mm(118), Mm(35))
    for cell, title, width in zip(
        table.rows[0].cells,
        ("STT", "Nội dung thực hiện", "Thời hạn hoàn thành"),
        widths,
        strict=True,
    ):
        cell.width = width
        _cell(cell.paragraphs[0], title, bold=True, size=12)
    for number, action in enumerate(values.actions, start=1):
        cells = table.add_row().cells  # type: ignore[no-untyped-call]
        for cell, width in zip(cells, widths, strict=True):
            cell.width = width
        _cell(cells[0].paragraphs[0], str(number), size=12)
        cells[1].paragraphs[0].add_run(action.label).font.size = Pt(12)
        due = action.due.strftime("%d/%m/%Y") + (" (đã thực hiện)" if action.done else "")
        _cell(cells[2].paragraphs[0], due, size=12)


def _signature(document: DocumentObject, values: LetterValues) -> None:
    table: Table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    left.width, right.width = Mm(85), Mm(80)
    receivers = left.paragraphs[0]
    receivers.paragraph_format.space_after = Pt(0)
    title = receivers.add_run("Nơi nhận:")
    title.bold, title.italic, title.font.size = True, True, Pt(12)
    for line in (f"- {values.recipient};", "- Lưu: cơ sở."):
        run = left.add_paragraph().add_run(line)
        run.font.size = Pt(11)
    _cell(right.paragraphs[0], "NGƯỜI ĐẠI DIỆN", bold=True, size=13)
    _cell(right.add_paragraph(), "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=12)
    for _ in range(4):
        _cell(right.add_paragraph(), "", size=13)
    _cell(right.add_paragraph(), values.representative or "", bold=True, size=13)
