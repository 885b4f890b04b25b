"""A whole administrative document from plain values: letterhead, title, sections, closing.

The periodic report of Sở Công Thương is built with it; another document (a commitment letter)
can be too. Every word comes in already written (from content/templates); this module only lays
it out with the helpers of `administrative`.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.services.documents.letters import Letterhead, Signature


@dataclass(frozen=True)
class Table:
    """A table of a section: headers, rows, column widths (mm), right-aligned columns."""

    headers: Sequence[str]
    rows: Sequence[Sequence[Any]]
    widths_mm: Sequence[float]
    numeric: Sequence[int] = ()


@dataclass(frozen=True)
class Section:
    """A heading and what follows it: paragraphs (str), sub-headings (Heading) and tables."""

    heading: str
    blocks: Sequence["str | Heading | Table"] = ()


@dataclass(frozen=True)
class Heading:
    """A sub-heading inside a section."""

    text: str


@dataclass(frozen=True)
class AdministrativeDocument:
    """Everything a document of Decree 30/2020's Appendix I shows, in order."""

    letterhead: Letterhead
    name: str  # "BÁO CÁO"
    abstract: str
    addressees: Sequence[str]
    opening: Sequence[str]
    sections: Sequence[Section]
    recipients: Sequence[str]
    signature: Signature
    closing: Sequence[str] = field(default_factory=tuple)


def build_document(content: AdministrativeDocument) -> bytes:
    """The .docx bytes of the document (blocking: call it in a worker thread)."""
    # python-docx is loaded only when a document is laid out (memory of the bot at rest).
    from bot.services.documents.administrative import (  # noqa: PLC0415
        add_addressees,
        add_closing,
        add_heading,
        add_letterhead,
        add_paragraph,
        add_table,
        add_title,
        new_document,
        to_bytes,
    )

    document = new_document()
    add_letterhead(document, content.letterhead)
    add_title(document, content.name, content.abstract)
    add_addressees(document, content.addressees)
    for text in content.opening:
        add_paragraph(document, text)
    for section in content.sections:
        add_heading(document, section.heading)
        for block in section.blocks:
            if isinstance(block, Table):
                add_table(
                    document,
                    block.headers,
                    block.rows,
                    widths_mm=block.widths_mm,
                    numeric=block.numeric,
                )
            elif isinstance(block, Heading):
                add_heading(document, block.text)
            else:
                add_paragraph(document, block)
    for text in content.closing:
        add_paragraph(document, text)
    add_closing(document, recipients=content.recipients, signature=content.signature)
    return to_bytes(document)
