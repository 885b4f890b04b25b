import shutil
from pathlib import Path

from sqlalchemy import select

from bot import app, operations
from bot.settings import load_settings
from db.models import Unit


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
