"""The commitment letter ("Văn bản cam kết kế hoạch lộ trình …") as DOCX and PDF.

Built from plain values only. The page follows the administrative form of Decree 30/2020/NĐ-CP
(A4; margins top and bottom 20 mm, left 30 mm, right 15 mm; Times New Roman 13–14 pt; the
national motto at the top right, the issuer at the top left, place and date, title, body,
signature block). The PDF uses Liberation Serif, metric-compatible with Times New Roman and
free to ship (content/fonts/).
"""

from dataclasses import dataclass
from datetime import date

MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
TITLE = "VĂN BẢN CAM KẾT"
SUBTITLE = (
    "Kế hoạch, lộ trình giảm thiểu sử dụng sản phẩm nhựa dùng một lần\n"
    "và túi ni lông khó phân hủy sinh học"
)
# Margins in millimetres (Decree 30/2020, Appendix I: top/bottom 20–25, left 30–35, right 15–20).
TOP, BOTTOM, LEFT, RIGHT = 20, 20, 30, 15
FONT_SIZE = 13


@dataclass(frozen=True)
class LetterAction:
    """One line of the roadmap."""

    label: str
    due: date
    done: bool = False


@dataclass(frozen=True)
class LetterValues:
    """Everything the letter says, filled in for one establishment."""

    number: int
    establishment: str
    kind_label: str
    address: str
    tax_code: str | None
    representative: str | None
    position: str | None
    phone: str | None
    recipient: str
    place: str
    day: date
    actions: tuple[LetterAction, ...]
    legal_frame: tuple[str, ...]
    compliance_note: str
    task: str | None

    def body(self) -> list[str]:
        """The paragraphs before the roadmap table."""
        facts = [
            f"Tên cơ sở: {self.establishment}",
            f"Loại hình: {self.kind_label}",
            f"Địa chỉ: {self.address}",
            f"Mã số thuế: {self.tax_code or '…………………'}",
            f"Người đại diện: {self.representative or '…………………'}"
            f"     Chức vụ: {self.position or '…………'}",
            f"Điện thoại: {self.phone or '…………………'}",
        ]
        task = f" (nhiệm vụ {self.task} của Phụ lục Kế hoạch)" if self.task else ""
        return [
            *facts,
            "Thực hiện chủ trương giảm thiểu chất thải nhựa của tỉnh Hà Tĩnh"
            f"{task}, cơ sở cam kết thực hiện kế hoạch, lộ trình sau:",
        ]

    def closing(self) -> list[str]:
        """The paragraphs after the roadmap table."""
        return [
            self.compliance_note,
            "Cơ sở cam kết thực hiện đúng lộ trình trên, báo cáo tiến độ qua trợ lý "
            "SXTDBV của tỉnh khi đến hạn và chịu sự kiểm tra, giám sát của cơ quan "
            "có thẩm quyền.",
        ]

    @property
    def dateline(self) -> str:
        """'Hà Tĩnh, ngày 25 tháng 11 năm 2026'."""
        return (
            f"{self.place}, ngày {self.day.day:02d} tháng {self.day.month:02d} năm {self.day.year}"
        )


def file_name(values: LetterValues, extension: str) -> str:
    """'cam-ket-12.docx': short, ASCII, one per commitment."""
    return f"cam-ket-{values.number}.{extension}"
