"""Who issues and signs an administrative document: plain values, no Word library.

Kept apart from the layout (`administrative`, which loads python-docx) so that building a
document's content costs no memory until a document is actually laid out.
"""

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Letterhead:
    """Who issues the document, its number and where and when it is signed.

    `issued_on` None leaves the day and month blank ("ngày … tháng … năm 2026"), as a draft
    for the office to number and date when it is signed.
    """

    parent_body: str  # "UBND TỈNH HÀ TĨNH"
    issuing_body: str  # "SỞ CÔNG THƯƠNG"
    number: str  # "Số: …/BC-SCT"
    place: str  # "Hà Tĩnh"
    year: int
    issued_on: date | None = None


@dataclass(frozen=True)
class Signature:
    """The signer's block: authority (e.g. "KT. GIÁM ĐỐC"), title and name (may be blank)."""

    authority: str
    title: str | None = None
    name: str | None = None
