"""The Decree 30/2020 layout, read back from the document python-docx wrote."""

import io
from datetime import date

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Length, Pt

from bot.services.documents.letters import Letterhead, Signature
from bot.services.documents.reports import AdministrativeDocument, Section, Table, build_document

HEAD = Letterhead("UBND TỈNH HÀ TĨNH", "SỞ CÔNG THƯƠNG", "Số:   /BC-SCT", "Hà Tĩnh", 2026)


def sample(**changes: object) -> AdministrativeDocument:
    values: dict[str, object] = {
        "letterhead": HEAD,
        "name": "Báo cáo",
        "abstract": "Kết quả thực hiện năm 2026",
        "addressees": ["Ủy ban nhân dân tỉnh Hà Tĩnh"],
        "opening": ["Mở đầu " * 40],
        "sections": [
            Section(
                "I. KẾT QUẢ",
                [
                    "Nội dung " * 60,
                    Table(["TT", "Tên", "Số"], [[1, "A", 3]], (10, 120, 35), (0, 2)),
                ],
            )
        ],
        "recipients": ["Như trên;", "Lưu: VT, …"],
        "signature": Signature("KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"),
    }
    values.update(changes)
    return AdministrativeDocument(**values)  # type: ignore[arg-type]


def read(content: AdministrativeDocument) -> docx.document.Document:
    return docx.Document(io.BytesIO(build_document(content)))


def test_page_font_and_margins() -> None:
    document = read(sample())
    section = document.sections[0]

    def mm(length: Length | None) -> float:
        assert length is not None
        return float(length.mm)

    assert (round(mm(section.page_width)), round(mm(section.page_height))) == (210, 297)
    assert 20 <= mm(section.top_margin) <= 25
    assert 20 <= mm(section.bottom_margin) <= 25
    assert 30 <= mm(section.left_margin) <= 35
    assert 15 <= mm(section.right_margin) <= 20
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.font.size == Pt(14)


def test_page_numbers_start_on_page_two() -> None:
    section = read(sample()).sections[0]
    assert section.different_first_page_header_footer
    assert not section.first_page_header.paragraphs[0].text
    header = section.header.paragraphs[0]
    assert header.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert "PAGE" in header._p.xml


def test_letterhead_title_body_and_closing() -> None:
    document = read(sample())
    head = document.tables[0]
    left = [p for p in head.rows[0].cells[0].paragraphs if p.text]
    right = [p for p in head.rows[0].cells[1].paragraphs if p.text]
    assert [p.text for p in left] == ["UBND TỈNH HÀ TĨNH", "SỞ CÔNG THƯƠNG", "Số:   /BC-SCT"]
    assert left[1].runs[0].font.bold
    assert [p.text for p in right][:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert right[2].text == "Hà Tĩnh, ngày     tháng     năm 2026"
    assert right[2].runs[0].font.italic
    paragraphs = [p for p in document.paragraphs if p.text]
    title, abstract = paragraphs[0], paragraphs[1]
    assert (title.text, title.runs[0].font.bold) == ("BÁO CÁO", True)
    assert title.alignment == abstract.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = next(p for p in paragraphs if p.text.startswith("Nội dung"))
    assert body.alignment == WD_ALIGN_PARAGRAPH.JUSTIFY
    assert body.paragraph_format.first_line_indent is not None
    assert body.paragraph_format.first_line_indent.cm > 1
    assert body.runs[0].font.size == Pt(14)
    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == ["TT", "Tên", "Số"]
    assert round(table.columns[1].width.mm) == 120
    closing = document.tables[-1].rows[0].cells
    lines = [p for p in closing[0].paragraphs if p.text]
    assert lines[0].text == "Nơi nhận:"
    assert lines[0].runs[0].font.bold
    assert lines[0].runs[0].font.italic
    assert lines[0].runs[0].font.size == Pt(12)
    assert lines[-1].text == "- Lưu: VT, …"
    assert lines[-1].runs[0].font.size == Pt(11)
    signer = [p.text for p in closing[1].paragraphs if p.text]
    assert signer == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"]


def test_a_signed_date_is_written_the_decree_way() -> None:
    head = Letterhead(
        "UBND TỈNH HÀ TĨNH", "SỞ CÔNG THƯƠNG", "Số: 12/BC-SCT", "Hà Tĩnh", 2026, date(2026, 2, 5)
    )
    document = read(sample(letterhead=head))
    right = [p.text for p in document.tables[0].rows[0].cells[1].paragraphs if p.text]
    assert right[-1] == "Hà Tĩnh, ngày 05 tháng 02 năm 2026"
