"""Reading and checking every file under content/ before anything is stored."""

from dataclasses import dataclass
from pathlib import Path

from bot.services.content.commitment_specs import CATALOG_FILE, parse_catalog
from bot.services.content.contest_files import ContestSpec, QuestionSpec, load_contest
from bot.services.content.files import FileProblem, read_table
from bot.services.content.material_files import MaterialSpec, TopicSpec, load_materials, load_topics
from bot.services.content.plan_file import PlanSpec, RegistrySpec, parse_plan, parse_registries
from bot.services.content.problems import Problems
from bot.services.content.target_rules import check_rule
from bot.services.content.unit_tables import (
    TableRules,
    UnitSpec,
    canonical_rows,
    check_header,
    check_unique_codes,
    parse_unit_rows,
)

COMMUNE_KINDS = ("commune", "ward")


@dataclass(frozen=True)
class Content:
    """Everything under content/ that the database mirrors."""

    registries: tuple[RegistrySpec, ...]
    units: tuple[UnitSpec, ...]
    plan: PlanSpec
    topics: tuple[TopicSpec, ...] = ()
    materials: tuple[MaterialSpec, ...] = ()
    contest: ContestSpec | None = None
    questions: tuple[QuestionSpec, ...] = ()


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
    if (content_dir / CATALOG_FILE).is_file():
        departments = {u.code for u in units if u.kind == "department"}
        kinds = {r.kind for r in registries}
        parse_catalog(content_dir / CATALOG_FILE, problems, kinds=kinds, departments=departments)
    contest, questions = load_contest(
        content_dir / "contest",
        topics={t.key for t in topics},
        sources={m.slug for m in materials},
        problems=problems,
    )
    problems.raise_if_any()
    assert plan is not None  # noqa: S101 (raise_if_any reported why it would be None)
    return Content(
        tuple(registries),
        tuple(units),
        plan,
        tuple(topics),
        tuple(materials),
        contest,
        tuple(questions),
    )


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
    categories = {r.kind: dict(r.categories) for r in registries if r.categories}
    units: list[UnitSpec] = []
    for file_name, kinds in sorted(kinds_by_file.items()):
        path = units_dir / file_name
        if not path.is_file():
            problems.add(units_dir / "registries.yaml", 1, f"registry file {file_name} not found")
            continue
        try:
            header, lazy = read_table(path)
            rows = list(lazy)
        except FileProblem as exc:
            problems.add(path, exc.line, str(exc))
            continue
        if check_header(path, header, problems):
            default = next(iter(kinds)) if len(kinds) == 1 else None
            rules = TableRules(kinds, default, categories)
            units += parse_unit_rows(
                path, canonical_rows(header, rows), rules=rules, problems=problems
            )
    check_unique_codes(units, problems)
    codes = {u.code for u in units}
    communes = {u.code for u in units if u.kind in COMMUNE_KINDS}
    for unit in units:
        if unit.parent and unit.parent not in codes:
            problems.add(unit.path, unit.line, f"unknown parent unit {unit.parent!r}")
        if unit.commune and unit.commune not in communes:
            problems.add(unit.path, unit.line, f"unknown commune code {unit.commune!r}")
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
