"""The commitment letter as a PDF (fpdf2), the same layout as the Word file."""

from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, XPos, YPos
from fpdf.fonts import FontFace

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

FONT = "LiberationSerif"
LINE = 6.2  # mm per line at 13 pt
HEADER_LEFT, HEADER_RIGHT = 70.0, 95.0  # column widths of the header, mm (165 in all)


def render_pdf(values: LetterValues, *, fonts_dir: Path) -> bytes:
    """The letter as the bytes of a PDF file."""
    pdf = FPDF(format="A4", unit="mm")
    pdf.add_font(FONT, "", fonts_dir / "LiberationSerif-Regular.ttf")
    pdf.add_font(FONT, "B", fonts_dir / "LiberationSerif-Bold.ttf")
    pdf.add_font(FONT, "I", fonts_dir / "LiberationSerif-Italic.ttf")
    pdf.set_title(f"{TITLE} – {values.establishment}")
    pdf.set_author(values.establishment)
    pdf.set_margins(LEFT, TOP, RIGHT)
    pdf.set_auto_page_break(auto=True, margin=BOTTOM)
    pdf.add_page()
    _header(pdf, values)
    pdf.ln(6)
    _text(pdf, TITLE, style="B", size=14, align=Align.C)
    _text(pdf, SUBTITLE, style="B", size=14, align=Align.C)
    pdf.ln(2)
    _text(pdf, f"Kính gửi: {values.recipient}.", align=Align.C)
    pdf.ln(2)
    _text(pdf, "Căn cứ:", style="I")
    for line in values.legal_frame:
        _text(pdf, f"- {line}", style="I", align=Align.J, indent=True)
    for line in values.body():
        _text(pdf, line, align=Align.J, indent=True)
    pdf.ln(1)
    _roadmap(pdf, values)
    pdf.ln(2)
    for line in values.closing():
        _text(pdf, line, align=Align.J, indent=True)
    _signature(pdf, values)
    return bytes(pdf.output())


def _text(
    pdf: FPDF,
    text: str,
    *,
    style: str = "",
    size: float = FONT_SIZE,
    align: Align = Align.L,
    indent: bool = False,
    width: float = 0,
) -> None:
    pdf.set_font(FONT, style, size)
    if not indent:
        pdf.multi_cell(width, LINE, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        return
    # A justified paragraph whose first line is indented 10 mm (the usual administrative form).
    columns = pdf.text_columns(text_align=align, line_height=LINE / (size * 0.3528))
    with columns, columns.paragraph(first_line_indent=10) as paragraph:
        paragraph.write(text)


def _header(pdf: FPDF, values: LetterValues) -> None:
    top = pdf.get_y()
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(HEADER_LEFT, 5.5, values.establishment.upper(), align=Align.C)
    _rule(pdf, LEFT + HEADER_LEFT / 2, 18)
    pdf.set_font(FONT, "", 12)
    pdf.set_x(LEFT)
    pdf.cell(HEADER_LEFT, 7, "Số:         /CK", align=Align.C)
    left_bottom = pdf.get_y() + 7
    pdf.set_xy(LEFT + HEADER_LEFT, top)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(HEADER_RIGHT, 5.5, MOTTO[0], align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(HEADER_RIGHT, 6, MOTTO[1], align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    _rule(pdf, LEFT + HEADER_LEFT + HEADER_RIGHT / 2, 58)
    pdf.set_xy(LEFT + HEADER_LEFT, pdf.get_y() + 2)
    pdf.set_font(FONT, "I", 13)
    pdf.cell(HEADER_RIGHT, 7, values.dateline, align=Align.C)
    pdf.set_xy(LEFT, max(left_bottom, pdf.get_y() + 7))


def _rule(pdf: FPDF, centre: float, width: float) -> None:
    """The short line under the issuer and under the motto."""
    y = pdf.get_y() + 0.8
    pdf.set_line_width(0.3)
    pdf.line(centre - width / 2, y, centre + width / 2, y)
    pdf.set_y(y + 0.8)


def _roadmap(pdf: FPDF, values: LetterValues) -> None:
    pdf.set_font(FONT, "", 12)
    with pdf.table(
        col_widths=(12, 113, 40),
        text_align=("CENTER", "LEFT", "CENTER"),
        line_height=5.6,
        first_row_as_headings=True,
        headings_style=_bold(pdf),
    ) as table:
        table.row(("STT", "Nội dung thực hiện", "Thời hạn hoàn thành"))
        for number, action in enumerate(values.actions, start=1):
            due = action.due.strftime("%d/%m/%Y") + ("\n(đã thực hiện)" if action.done else "")
            table.row((str(number), action.label, due))


def _bold(_pdf: FPDF) -> FontFace:
    return FontFace(family=FONT, emphasis="BOLD")


def _signature(pdf: FPDF, values: LetterValues) -> None:
    pdf.ln(4)
    if pdf.get_y() > pdf.h - BOTTOM - 45:
        pdf.add_page()
    top = pdf.get_y()
    half = (pdf.w - LEFT - RIGHT) / 2
    pdf.set_font(FONT, "B", 12)
    pdf.cell(half, 6, "Nơi nhận:", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    for line in (f"- {values.recipient};", "- Lưu: cơ sở."):
        pdf.multi_cell(half - 5, 5, line, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(LEFT + half, top)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(half, 6, "NGƯỜI ĐẠI DIỆN", align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "I", 12)
    pdf.cell(
        half, 6, "(Ký, ghi rõ họ tên, đóng dấu)", align=Align.C, new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.set_y(pdf.get_y() + 24)
    pdf.set_x(LEFT + half)
    pdf.set_font(FONT, "B", 13)
    pdf.cell(half, 6, values.representative or "", align=Align.C)
