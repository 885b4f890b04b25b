"""Start-up: several processes on one empty PostgreSQL database; content edits re-seed."""

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import app, operations
from bot.services.content.loading import load_content
from bot.settings import load_settings
from db.models import AppState, Material, PlanTask, Unit
from tests.databases import PostgresFactory


async def test_three_processes_start_at_once_on_an_empty_postgresql(
    postgres_factory: PostgresFactory | str, content_dir: Path
) -> None:
    """Each migrates and seeds as `python -m bot run` does; they take turns, none fails."""
    if isinstance(postgres_factory, str):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(postgres_factory)
        pytest.skip(f"PostgreSQL tests skipped: {postgres_factory}")
    url = postgres_factory.blank()
    settings = load_settings(
        {
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "CONTENT_DIR": str(content_dir),
        }
    )

    async def start() -> None:
        async with app.open_database(settings) as database:
            await operations.seed_if_changed(database, settings)

    async with asyncio.timeout(180):  # without the locks they fail, or wait on each other
        await asyncio.gather(start(), start(), start())
    async with app.open_database(settings, migrate=False) as database, database.sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Unit)) == await _units(content_dir)
        assert await s.scalar(select(func.count()).where(PlanTask.kind == "task")) == 15
        stored = await s.get(AppState, operations.CONTENT_FINGERPRINT)
    assert stored is not None
    assert stored.value == operations.content_fingerprint(content_dir)
    postgres_factory.drop(url)


async def _units(content_dir: Path) -> int:
    return len(load_content(content_dir).units)


async def test_editing_a_material_re_seeds_at_the_next_start(
    tmp_path: Path, content_dir: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(content_dir, content)
    settings = load_settings(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/bot.db", "CONTENT_DIR": str(content)}
    )
    material = content / "materials" / "phan-loai-rac-tai-nguon.md"
    async with app.open_database(settings) as database:
        await operations.seed_if_changed(database, settings)
        text = material.read_text()
        assert 'title: "' in text
        material.write_text(text.replace('title: "', 'title: "Sửa lại - ', 1))
        await operations.seed_if_changed(database, settings)
        async with database.sessions() as session:
            title = await session.scalar(
                select(Material.title).where(Material.slug == "phan-loai-rac-tai-nguon")
            )
    assert title is not None
    assert title.startswith("Sửa lại - ")
