import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.content.loading import load_content
from bot.services.core.errors import ContentError
from bot.services.seeding.apply import apply_content
from db.models import PlanTask, Target, TaskUnit, Unit


@pytest.fixture
def content_copy(tmp_path: Path, content_dir: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(content_dir, target)
    return target


async def _count(session: AsyncSession, model: type[object], *where: object) -> int:
    return await session.scalar(select(func.count()).select_from(model).where(*where)) or 0  # type: ignore[arg-type]


async def test_the_seeded_plan_has_15_tasks_69_communes_and_every_target(
    session: AsyncSession,
) -> None:
    assert await _count(session, PlanTask, PlanTask.kind == "task") == 15
    assert await _count(session, PlanTask, PlanTask.kind == "duty") == 1
    assert await _count(session, Unit, Unit.kind.in_(["commune", "ward"])) == 69
    assert await _count(session, Unit, Unit.kind == "ward") == 9
    codes = set(await session.scalars(select(Target.code)))
    assert {
        "communes_reached",
        "schools_reached",
        "news_items",
        "training_classes",
        "pilot_models",
        "plastic_commitments",
        "digital_material_sets",
        "contest_rounds",
        "plastic_media_pieces",
        "enterprises_reached",
        "zones_reached",
    } <= codes


async def test_a_second_seed_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], content_dir: Path
) -> None:
    async with sessions.begin() as session:
        summary = await apply_content(session, load_content(content_dir))
    assert not summary.changed, (summary.created, summary.updated)


async def test_an_edited_file_updates_rows_without_duplicating(
    sessions: async_sessionmaker[AsyncSession], content_copy: Path
) -> None:
    plan = content_copy / "plan.yaml"
    plan.write_text(plan.read_text().replace("lead: [BPTTH]", "lead: [BPTTH, SCT]"))
    communes = content_copy / "units" / "communes.csv"
    communes.write_text(communes.read_text().replace("18073,Thành Sen", "18073,Thành Sen Mới"))
    async with sessions.begin() as session:
        summary = await apply_content(session, load_content(content_copy))
    assert summary.updated["units"] == 1
    assert summary.created["task_units"] == 1
    async with sessions() as session:
        assert await _count(session, PlanTask, PlanTask.kind == "task") == 15
        assert await _count(session, Unit, Unit.kind.in_(["commune", "ward"])) == 69
        assert (
            await session.scalar(select(Unit.name).where(Unit.code == "18073")) == "Thành Sen Mới"
        )
        task_id = await session.scalar(select(PlanTask.id).where(PlanTask.code == "I.1"))
        assert await _count(session, TaskUnit, TaskUnit.task_id == task_id) == 2


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    """The number of the line where `needle` occurs for the `occurrence`-th time."""
    lines = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


I1, I2 = '- code: "I.1"', '- code: "I.2"'
NEWS, HEAD = "- code: news_items", 'title: "Kế hoạch thực hiện'


@pytest.mark.parametrize(
    ("file", "old", "new", "message", "at"),
    [
        (
            "plan.yaml",
            '    product: "Xây dựng 01 bộ tài liệu số"\n',
            "",
            "missing field 'product'",
            (I2, 1),
        ),
        ("plan.yaml", "lead: [BPTTH]", "lead: [NOSUCH]", "unknown unit 'NOSUCH'", (I1, 1)),
        ("plan.yaml", 'code: "I.2"', 'code: "I.1"', "duplicate task code 'I.1'", (I1, 2)),
        ("plan.yaml", "recurrence: yearly", "recurrence: weekly", "recurrence 'weekly'", (I1, 1)),
        (
            "plan.yaml",
            "kind: count_total",
            "kind: count_forever",
            "kind 'count_forever'",
            ("- code: training_classes", 1),
        ),
        (
            "plan.yaml",
            'figure: news_items, tasks: ["I.1"]',
            'figure: nothing, tasks: ["I.1"]',
            "sum.figure 'nothing'",
            (NEWS, 1),
        ),
        (
            "plan.yaml",
            "type: number",
            "type: essay",
            "needs key, ask, label and type",
            (I1, 1),
        ),
        (
            "plan.yaml",
            "  date: null\n",
            "  date: sắp tới\n",
            "field 'date' must be a date",
            (HEAD, 1),
        ),
        (
            "plan.yaml",
            '    threshold_text: "100%"\n',
            "",
            "missing field 'threshold_text'",
            ("- code: communes_reached", 1),
        ),
        ("plan.yaml", "by: leads}", "by: everyone}", "sum.by must be all or leads", (NEWS, 1)),
        (
            "units/communes.csv",
            "18100,Trần Phú",
            "18073,Trần Phú",
            "duplicate code '18073'",
            ("18073,Trần Phú", 1),
        ),
        (
            "units/communes.csv",
            "18100,Trần Phú,ward",
            "18100,,ward",
            "code and name are required",
            ("18100,,ward", 1),
        ),
        (
            "units/communes.csv",
            "18100,Trần Phú,ward",
            "18100,Trần Phú,town",
            "unknown kind 'town'",
            ("18100,Trần Phú,town", 1),
        ),
    ],
)
async def test_a_malformed_file_names_file_and_line_and_loads_nothing(
    empty_db_url: object,
    sessions_for_empty: async_sessionmaker[AsyncSession],
    content_copy: Path,
    file: str,
    old: str,
    new: str,
    message: str,
    at: tuple[str, int],
) -> None:
    """The problem names the line of the entry at fault (the task, the target, the row)."""
    path = content_copy / file
    _break(path, old, new)
    with pytest.raises(ContentError) as caught:
        load_content(content_copy)
    problem = next(p for p in caught.value.problems if message in p)
    assert problem.startswith(f"{file}:{_line_of(path, *at)}: "), problem
    async with sessions_for_empty() as session:
        assert await _count(session, Unit) == 0
        assert await _count(session, PlanTask) == 0


def test_broken_yaml_reports_its_line(content_copy: Path) -> None:
    _break(content_copy / "plan.yaml", "\ntasks:", "\ntasks: [")
    with pytest.raises(ContentError, match=r"plan\.yaml:\d+: not valid YAML"):
        load_content(content_copy)


def test_a_missing_csv_column_is_reported_at_line_1(content_copy: Path) -> None:
    path = content_copy / "units" / "departments.csv"
    _break(path, "code,name", "kode,name")
    with pytest.raises(ContentError, match=r"units/departments\.csv:1: missing column\(s\): code"):
        load_content(content_copy)
