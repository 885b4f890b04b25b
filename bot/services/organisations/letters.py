"""The commitment letter as files for the chat (built off the event loop)."""

import asyncio
import secrets
from datetime import datetime
from pathlib import Path

from bot.services.documents.commitment_letter import LetterValues, file_name
from bot.services.documents.files import save_private

LETTER_FORMATS = ("docx", "pdf")


async def write_letter(
    values: LetterValues, extension: str, *, directory: Path, fonts_dir: Path, now: datetime
) -> tuple[Path, str]:
    """The letter as a Word file or a PDF (built and written in worker threads): its path and
    the name shown to the user."""
    data = await asyncio.to_thread(_render, values, extension, fonts_dir)
    path = directory / f"cam-ket-{values.number}-{secrets.token_hex(4)}.{extension}"
    saved = await asyncio.to_thread(save_private, path, data, now=now, pattern="cam-ket-*")
    return saved, file_name(values, extension)


def _render(values: LetterValues, extension: str, fonts_dir: Path) -> bytes:
    # python-docx and fpdf2 (with numpy, Pillow, fontTools) load at the first letter, in the
    # worker thread: the bot at rest stays under its memory goal.
    if extension == "docx":
        from bot.services.documents.commitment_docx import render_docx  # noqa: PLC0415

        return render_docx(values)
    from bot.services.documents.commitment_pdf import render_pdf  # noqa: PLC0415

    return render_pdf(values, fonts_dir=fonts_dir)
