import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from bot import app, operations
from bot.settings import load_settings
from db.models import Unit
from tests.databases import PROJECT_DIR


async def test_start_up_seeds_first_and_again_only_after_content_changes(
    tmp_path: Path, content_dir: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(content_dir, content)
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "CONTENT_DIR": str(content)}
    )
    async with app.open_database(settings) as database:
        await operations.seed_if_changed(database, settings)
        communes = content / "units" / "communes.csv"
        communes.write_text(communes.read_text().replace("18073,Thành Sen", "18073,Thành Sen Mới"))
        await operations.seed_if_changed(database, settings)
        async with database.sessions() as session:
            name = await session.scalar(select(Unit.name).where(Unit.code == "18073"))
    assert name == "Thành Sen Mới"


def test_the_document_libraries_load_only_when_a_document_is_made() -> None:
    """openpyxl, fpdf2, python-docx and matplotlib bring numpy, Pillow and lxml (about 40 MB):
    importing the bot must not load them, or the bot at rest misses its memory goal."""
    heavy = ("openpyxl", "fpdf", "docx", "matplotlib", "numpy", "PIL", "lxml")
    probe = f"import sys, bot.cli, bot.app; print([m for m in {heavy!r} if m in sys.modules])"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=PROJECT_DIR
    )
    assert done.stdout.strip() == "[]"
