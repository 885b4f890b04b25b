"""Loading content/ into the database: checked in full first, then applied idempotently."""

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.loading import Content
from bot.services.content.plan_file import PlanSpec, RegistrySpec
from bot.services.content.unit_tables import UnitSpec
from bot.services.seeding.library import apply_library
from bot.services.seeding.rows import SeedSummary, assign
from db.models import AppState, PlanGroup, PlanTask, Registry, Target, TargetTask, TaskUnit, Unit

PLURALS = {"task": "tasks", "duty": "duties"}


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
        # Empty while the plan has no number and date yet (a draft).
        "plan.number": plan.number or "",
        "plan.date": plan.issued_on.isoformat() if plan.issued_on else "",
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
        if spec.tax_code:  # a tax code learnt from a registration is not wiped by a re-seed
            values["tax_code"] = spec.tax_code
        row = units.get(spec.code)
        if row is None:
            units[spec.code] = Unit(code=spec.code, **values)
            session.add(units[spec.code])
            summary.created["units"] += 1
        elif assign(row, values):
            summary.updated["units"] += 1
    await session.flush()
    for spec in specs:
        links = {"parent_id": units[spec.parent].id if spec.parent else None}
        if spec.commune:
            links["commune_id"] = units[spec.commune].id
        if assign(units[spec.code], links) and spec.code not in new_codes:
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
