"""The commitment letter as files for the chat (built off the event loop)."""

import asyncio
import secrets
from datetime import datetime
from pathlib import Path

from bot.services.documents.commitment_docx import render_docx
from bot.services.documents.commitment_letter import LetterValues, file_name
from bot.services.documents.commitment_pdf import render_pdf
from bot.services.documents.files import save_private


async def write_letters(
    values: LetterValues, *, directory: Path, fonts_dir: Path, now: datetime
) -> list[tuple[Path, str]]:
    """The letter as a Word file and a PDF: (path, the name shown to the user) each."""
    docx = await asyncio.to_thread(render_docx, values)
    pdf = await asyncio.to_thread(render_pdf, values, fonts_dir=fonts_dir)
    token = secrets.token_hex(4)
    written = []
    for data, extension in ((docx, "docx"), (pdf, "pdf")):
        path = directory / f"cam-ket-{values.number}-{token}.{extension}"
        saved = await asyncio.to_thread(save_private, path, data, now=now, pattern="cam-ket-*")
        written.append((saved, file_name(values, extension)))
    return written
