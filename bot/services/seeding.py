"""Loading content/ into the database: checked in full first, then applied idempotently."""

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content_files import read_table
from bot.services.library_seeding import apply_library
from bot.services.material_files import MaterialSpec, TopicSpec, load_materials, load_topics
from bot.services.plan_content import PlanSpec, RegistrySpec, parse_plan, parse_registries
from bot.services.problems import Problems
from bot.services.seeding_rows import SeedSummary, assign
from bot.services.target_rules import check_rule
from bot.services.unit_tables import UnitSpec, check_header, check_unique_codes, parse_unit_rows
from db.models import AppState, PlanGroup, PlanTask, Registry, Target, TargetTask, TaskUnit, Unit

PLURALS = {"task": "tasks", "duty": "duties"}


@dataclass(frozen=True)
class Content:
    """Everything under content/ that the database mirrors."""

    registries: tuple[RegistrySpec, ...]
    units: tuple[UnitSpec, ...]
    plan: PlanSpec
    topics: tuple[TopicSpec, ...] = ()
    materials: tuple[MaterialSpec, ...] = ()


def load_content(content_dir: Path, *, known_unit_codes: set[str] | None = None) -> Content:
    """Read and check every content file; raise ContentError listing all problems."""
    problems = Problems(base=content_dir)
    units_dir = content_dir / "units"
    registries = parse_registries(units_dir / "registries.yaml", problems)
    units = _load_units(units_dir, registries, problems)
    plan = parse_plan(content_dir / "plan.yaml", problems)
    if plan is not None:
        codes = {u.code for u in units} | (known_unit_codes or set())
        _check_plan(content_dir / "plan.yaml", plan, codes, {r.kind for r in registries}, problems)
    topics, materials = _load_library(content_dir / "materials", problems)
    problems.raise_if_any()
    assert plan is not None  # noqa: S101 (raise_if_any reported why it would be None)
    return Content(tuple(registries), tuple(units), plan, tuple(topics), tuple(materials))


def _load_library(folder: Path, problems: Problems) -> tuple[list[TopicSpec], list[MaterialSpec]]:
    if not folder.is_dir():
        return [], []
    topics = load_topics(folder, problems)
    return topics, load_materials(folder, {t.key for t in topics}, problems)


def _load_units(
    units_dir: Path, registries: list[RegistrySpec], problems: Problems
) -> list[UnitSpec]:
    kinds_by_file: dict[str, set[str]] = {}
    for registry in registries:
        if registry.file:
            kinds_by_file.setdefault(registry.file, set()).add(registry.kind)
    _check_registry_kinds(units_dir / "registries.yaml", registries, problems)
    units: list[UnitSpec] = []
    for file_name, kinds in sorted(kinds_by_file.items()):
        path = units_dir / file_name
        if not path.is_file():
            problems.add(units_dir / "registries.yaml", 1, f"registry file {file_name} not found")
            continue
        header, rows = read_table(path)
        if check_header(path, header, problems):
            default = next(iter(kinds)) if len(kinds) == 1 else None
            units += parse_unit_rows(
                path, rows, kinds=kinds, default_kind=default, problems=problems
            )
    check_unique_codes(units, problems)
    codes = {u.code for u in units}
    for unit in units:
        if unit.parent and unit.parent not in codes:
            problems.add(unit.path, unit.line, f"unknown parent unit {unit.parent!r}")
    return units


def _check_registry_kinds(path: Path, registries: list[RegistrySpec], problems: Problems) -> None:
    seen: set[str] = set()
    for registry in registries:
        if registry.kind in seen:
            problems.add(path, registry.line, f"registry kind {registry.kind!r} declared twice")
        seen.add(registry.kind)


def _check_plan(
    path: Path, plan: PlanSpec, unit_codes: set[str], kinds: set[str], problems: Problems
) -> None:
    task_codes = _check_tasks(path, plan, unit_codes, problems)
    seen: set[str] = set()
    for target in plan.targets:
        if target.code in seen:
            problems.add(path, target.line, f"duplicate target code {target.code!r}")
        seen.add(target.code)
        try:
            check_rule(target, {t.code: t for t in plan.tasks})
        except ValueError as exc:
            problems.add(path, target.line, f"target {target.code}: {exc}")
        for kind in target.registries:
            if kind not in kinds:
                problems.add(path, target.line, f"target {target.code}: unknown registry {kind!r}")
        for code in target.tasks:
            if code not in task_codes:
                problems.add(path, target.line, f"target {target.code}: unknown task {code!r}")


def _check_tasks(path: Path, plan: PlanSpec, unit_codes: set[str], problems: Problems) -> set[str]:
    groups = {g.code for g in plan.groups}
    seen: set[str] = set()
    for task in plan.tasks:
        if task.code in seen:
            problems.add(path, task.line, f"duplicate task code {task.code!r}")
        seen.add(task.code)
        if task.kind == "task" and task.group not in groups:
            problems.add(path, task.line, f"task {task.code}: unknown group {task.group!r}")
        for code in task.lead + task.partners:
            if code not in unit_codes:
                problems.add(path, task.line, f"task {task.code}: unknown unit {code!r}")
    return seen


async def apply_content(session: AsyncSession, content: Content) -> SeedSummary:
    """Insert or update registries, units, groups, tasks and targets by their codes."""
    summary = SeedSummary()
    await _apply_plan_head(session, content.plan, summary)
    await _apply_registries(session, content.registries, summary)
    units = await apply_units(session, content.units, summary)
    await _apply_groups(session, content.plan, summary)
    tasks = await _apply_tasks(session, content.plan, units, summary)
    await _apply_targets(session, content.plan, tasks, summary)
    await apply_library(session, content.topics, content.materials, summary)
    await session.flush()
    return summary


async def _apply_plan_head(session: AsyncSession, plan: PlanSpec, summary: SeedSummary) -> None:
    values = {
        "plan.title": plan.title,
        "plan.short_title": plan.short_title,
        "plan.start_year": str(plan.start_year),
        "plan.end_year": str(plan.end_year),
    }
    for key, value in values.items():
        row = await session.get(AppState, key)
        if row is None:
            session.add(AppState(key=key, value=value))
            summary.created["plan"] += 1
        elif assign(row, {"value": value}):
            summary.updated["plan"] += 1


async def _apply_registries(
    session: AsyncSession, registries: tuple[RegistrySpec, ...], summary: SeedSummary
) -> None:
    existing = {r.kind: r for r in await session.scalars(select(Registry))}
    for spec in registries:
        values = {
            "label": spec.label,
            "plural": spec.plural,
            "status": spec.status,
            "source": spec.source,
        }
        row = existing.get(spec.kind)
        if row is None:
            session.add(Registry(kind=spec.kind, declared_complete=False, **values))
            summary.created["registries"] += 1
        elif assign(row, values):
            summary.updated["registries"] += 1


async def apply_units(
    session: AsyncSession, specs: tuple[UnitSpec, ...] | list[UnitSpec], summary: SeedSummary
) -> dict[str, Unit]:
    """Upsert units by code (parents after all rows exist); return every unit by code."""
    units = {u.code: u for u in await session.scalars(select(Unit))}
    new_codes = {spec.code for spec in specs} - set(units)
    for spec in specs:
        values: dict[str, object] = {
            "kind": spec.kind,
            "category": spec.category,
            "name": spec.name,
            "aliases": list(spec.aliases),
            "former_names": list(spec.former_names),
            "note": spec.note,
            "active": True,
        }
        row = units.get(spec.code)
        if row is None:
            units[spec.code] = Unit(code=spec.code, **values)
            session.add(units[spec.code])
            summary.created["units"] += 1
        elif assign(row, values):
            summary.updated["units"] += 1
    await session.flush()
    for spec in specs:
        parent_id = units[spec.parent].id if spec.parent else None
        if assign(units[spec.code], {"parent_id": parent_id}) and spec.code not in new_codes:
            summary.updated["units"] += 1
    return units


async def _apply_groups(session: AsyncSession, plan: PlanSpec, summary: SeedSummary) -> None:
    existing = {g.code: g for g in await session.scalars(select(PlanGroup))}
    for position, spec in enumerate(plan.groups, start=1):
        row = existing.get(spec.code)
        if row is None:
            session.add(PlanGroup(code=spec.code, name=spec.name, position=position))
            summary.created["groups"] += 1
        elif assign(row, {"name": spec.name, "position": position}):
            summary.updated["groups"] += 1
    await session.flush()


async def _apply_tasks(
    session: AsyncSession, plan: PlanSpec, units: dict[str, Unit], summary: SeedSummary
) -> dict[str, PlanTask]:
    tasks = {t.code: t for t in await session.scalars(select(PlanTask))}
    links = {(link.task_id, link.unit_id): link for link in await session.scalars(select(TaskUnit))}
    for position, spec in enumerate(plan.tasks, start=1):
        values: dict[str, object] = {
            "kind": spec.kind,
            "group_code": spec.group if spec.kind == "task" else None,
            "position": position,
            "name": spec.name,
            "goal": spec.goal,
            "product": spec.product,
            "partners_note": spec.partners_note,
            "funding": spec.funding,
            "period": spec.period,
            "recurrence": spec.recurrence,
            "spec": spec.extra,
        }
        row = tasks.get(spec.code)
        if row is None:
            tasks[spec.code] = row = PlanTask(code=spec.code, **values)
            session.add(row)
            await session.flush()
            summary.created[PLURALS[spec.kind]] += 1
        elif assign(row, values):
            summary.updated[PLURALS[spec.kind]] += 1
        wanted = {units[c].id: "lead" for c in spec.lead}
        wanted |= {units[c].id: "partner" for c in spec.partners if units[c].id not in wanted}
        await _sync_links(session, row.id, wanted, links, summary)
    return tasks


async def _sync_links(
    session: AsyncSession,
    task_id: int,
    wanted: dict[int, str],
    links: dict[tuple[int, int], TaskUnit],
    summary: SeedSummary,
) -> None:
    for (link_task, unit_id), link in links.items():
        if link_task == task_id and unit_id not in wanted:
            await session.delete(link)
            summary.updated["task_units"] += 1
    for unit_id, role in wanted.items():
        existing = links.get((task_id, unit_id))
        if existing is None:
            session.add(TaskUnit(task_id=task_id, unit_id=unit_id, role=role))
            summary.created["task_units"] += 1
        elif assign(existing, {"role": role}):
            summary.updated["task_units"] += 1


async def _apply_targets(
    session: AsyncSession, plan: PlanSpec, tasks: dict[str, PlanTask], summary: SeedSummary
) -> None:
    targets = {t.code: t for t in await session.scalars(select(Target))}
    for position, spec in enumerate(plan.targets, start=1):
        values: dict[str, object] = {
            "position": position,
            "label": spec.label,
            "kind": spec.kind,
            "value": spec.value,
            "comparison": spec.comparison,
            "unit_label": spec.unit_label,
            "registry_kinds": list(spec.registries),
            "source": spec.source,
            "spec": spec.extra,
        }
        row = targets.get(spec.code)
        links = summary.updated
        if row is None:
            targets[spec.code] = row = Target(code=spec.code, **values)
            session.add(row)
            await session.flush()
            summary.created["targets"] += 1
            links = summary.created
        elif assign(row, values):
            summary.updated["targets"] += 1
        wanted = {tasks[code].id for code in spec.tasks}
        current = set(
            await session.scalars(select(TargetTask.task_id).where(TargetTask.target_id == row.id))
        )
        if current != wanted:
            await session.execute(delete(TargetTask).where(TargetTask.target_id == row.id))
            session.add_all(TargetTask(target_id=row.id, task_id=t) for t in sorted(wanted))
            links["target_links"] += len(wanted)
