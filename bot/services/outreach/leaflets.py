"""PDF leaflets built from a material's Markdown, with an embedded font covering Vietnamese."""

import re
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.services.content.material_files import MaterialSpec

FONT = "DejaVu"
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def build_leaflet(material: MaterialSpec, *, content_dir: Path) -> Path:
    """Write the A4 leaflet of a material under content/leaflets/ and return its path."""
    pdf = FPDF(format="A4")
    fonts = content_dir / "fonts"
    pdf.add_font(FONT, "", fonts / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", fonts / "DejaVuSans-Bold.ttf")
    pdf.set_title(material.title)
    pdf.set_author("Kế hoạch sản xuất và tiêu dùng bền vững 2026–2030 tỉnh Hà Tĩnh")
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    pdf.set_font(FONT, "B", 18)
    _block(pdf, 9, material.title)
    pdf.ln(3)
    pdf.set_font(FONT, "", 11)
    for line in material.body.splitlines():
        _write_line(pdf, line)
    pdf.ln(4)
    pdf.set_font(FONT, "", 8)
    _block(pdf, 4.5, f"Nguồn: {material.source}")
    target = content_dir / material.leaflet_path
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))
    return target


def _write_line(pdf: FPDF, line: str) -> None:
    stripped = line.strip()
    if not stripped:
        pdf.ln(3)
    elif stripped.startswith("#"):
        pdf.set_font(FONT, "B", 13)
        _block(pdf, 7, stripped.lstrip("# "))
        pdf.set_font(FONT, "", 11)
    elif stripped.startswith(("- ", "* ")):
        _block(pdf, 6, "•  " + stripped[2:], markdown=True)
    else:
        _block(pdf, 6, stripped, markdown=True)


def _block(pdf: FPDF, height: float, text: str, *, markdown: bool = False) -> None:
    # Back to the left margin on the next line afterwards (fpdf2 defaults to the right).
    pdf.multi_cell(0, height, text, markdown=markdown, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
