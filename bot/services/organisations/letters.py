"""The commitment letter as files for the chat (built off the event loop)."""

import asyncio
import secrets
from datetime import datetime
from pathlib import Path

from bot.services.documents.commitment_docx import render_docx
from bot.services.documents.commitment_letter import LetterValues, file_name
from bot.services.documents.commitment_pdf import render_pdf
from bot.services.documents.files import save_private

LETTER_FORMATS = ("docx", "pdf")


async def write_letter(
    values: LetterValues, extension: str, *, directory: Path, fonts_dir: Path, now: datetime
) -> tuple[Path, str]:
    """The letter as a Word file or a PDF (built and written in worker threads): its path and
    the name shown to the user."""
    if extension == "docx":
        data = await asyncio.to_thread(render_docx, values)
    else:
        data = await asyncio.to_thread(render_pdf, values, fonts_dir=fonts_dir)
    path = directory / f"cam-ket-{values.number}-{secrets.token_hex(4)}.{extension}"
    saved = await asyncio.to_thread(save_private, path, data, now=now, pattern="cam-ket-*")
    return saved, file_name(values, extension)
