"""Parsing content/plan.yaml (groups, tasks, targets) and content/units/registries.yaml."""

from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from bot.services.content.files import FileProblem, LineMap, read_yaml
from bot.services.content.periods import (
    PeriodError,
    ReportingCalendar,
    decree_calendar,
    parse_reporting_periods,
)
from bot.services.content.problems import Problems
from bot.services.content.reminder_specs import (
    Schedule,
    parse_rules,
    parse_schedules,
    rules_to_spec,
)
from bot.services.content.report_specs import parse_reporting

TARGET_KINDS = ("registry_share", "count_per_year", "count_total")
COMPARISONS = ("at_least", "about")
RECURRENCES = ("yearly", "plan")
REGISTRY_STATUSES = ("complete", "partial", "provisional", "empty")
TASK_FIELDS = {
    "code",
    "group",
    "name",
    "goal",
    "product",
    "lead",
    "partners",
    "partners_note",
    "funding",
    "period",
    "recurrence",
}
TARGET_FIELDS = {
    "code",
    "label",
    "kind",
    "registries",
    "value",
    "comparison",
    "unit_label",
    "tasks",
    "source",
}


@dataclass(frozen=True)
class RegistrySpec:
    """A kind of unit: its labels, its file and how complete its list is."""

    kind: str
    label: str
    plural: str
    status: str
    source: str | None
    file: str | None
    line: int
    # Category keys of the kind and their labels (zone types, enterprise industries).
    categories: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class GroupSpec:
    """A group of tasks."""

    code: str
    name: str


@dataclass(frozen=True)
class TaskSpec:
    """A task of the appendix; `extra` keeps later keys (reporting, reminders) for the services."""

    code: str
    kind: str
    group: str
    name: str
    goal: str
    product: str
    lead: tuple[str, ...]
    partners: tuple[str, ...]
    partners_note: str | None
    funding: str | None
    period: str
    recurrence: str
    extra: dict[str, Any]
    line: int


@dataclass(frozen=True)
class TargetSpec:
    """A measurable target of the plan."""

    code: str
    label: str
    kind: str
    registries: tuple[str, ...]
    value: int
    comparison: str
    unit_label: str | None
    tasks: tuple[str, ...]
    source: str | None
    # The threshold in the plan's words ("trên 85%"); kept in `extra` too, where the seed stores it.
    threshold_text: str
    extra: dict[str, Any]
    line: int


@dataclass(frozen=True)
class PlanSpec:
    """The whole plan file."""

    title: str
    short_title: str
    start_year: int
    end_year: int
    groups: tuple[GroupSpec, ...]
    tasks: tuple[TaskSpec, ...]
    targets: tuple[TargetSpec, ...]
    # Blank in the draft ("Số: /KH-UBND"): None until UBND tỉnh issues the plan.
    number: str | None = None
    issued_on: date | None = None
    # `reporting_periods:` (Decree 09/2019 Art. 12 when absent) and `counting.pending_counts`.
    periods: ReportingCalendar = field(default_factory=decree_calendar)
    pending_counts: bool = False


class _Reader:
    """Typed access to one YAML mapping, reporting problems at its line."""

    def __init__(self, path: Path, mapping: LineMap, problems: Problems) -> None:
        self.path, self.mapping, self.problems = path, mapping, problems

    def text(self, key: str, *, optional: bool = False) -> str | None:
        value = self.mapping.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if not optional:
                self.problems.add(self.path, self.mapping.line, f"missing field {key!r}")
            return None
        if not isinstance(value, str | int | float):
            self.problems.add(self.path, self.mapping.line, f"field {key!r} must be text")
            return None
        return str(value).strip()

    def number(self, key: str) -> int | None:
        value = self.mapping.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            self.problems.add(self.path, self.mapping.line, f"field {key!r} must be a whole number")
            return None
        return value

    def codes(self, key: str) -> tuple[str, ...]:
        value = self.mapping.get(key) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problems.add(
                self.path, self.mapping.line, f"field {key!r} must be a list of codes"
            )
            return ()
        return tuple(value)

    def choice(self, key: str, allowed: tuple[str, ...]) -> str | None:
        value = self.text(key)
        if value is not None and value not in allowed:
            self.problems.add(
                self.path, self.mapping.line, f"{key} {value!r} is not one of {', '.join(allowed)}"
            )
            return None
        return value


def load_yaml_list(path: Path, key: str, problems: Problems) -> list[LineMap]:
    """The list under a top-level key, each item a mapping; problems reported."""
    try:
        document = read_yaml(path)
    except FileNotFoundError:
        problems.add(path, 1, "file not found")
        return []
    except FileProblem as exc:
        problems.add(path, exc.line, str(exc))
        return []
    return list_under(path, document, key, problems)


def list_under(path: Path, document: Any, key: str, problems: Problems) -> list[LineMap]:
    """The list under a top-level key of a parsed document, each item a mapping."""
    items = document.get(key) if isinstance(document, dict) else None
    if not isinstance(items, list):
        problems.add(path, 1, f"expected a list under {key!r}")
        return []
    good = [item for item in items if isinstance(item, LineMap)]
    if len(good) != len(items):
        problems.add(path, 1, f"every item under {key!r} must be a mapping")
    return good


def parse_registries(path: Path, problems: Problems) -> list[RegistrySpec]:
    """The registries declared in registries.yaml."""
    result = []
    for item in load_yaml_list(path, "registries", problems):
        read = _Reader(path, item, problems)
        kind, label, plural = read.text("kind"), read.text("label"), read.text("plural")
        status = read.choice("status", REGISTRY_STATUSES)
        if kind and label and plural and status:
            source, file = read.text("source", optional=True), read.text("file", optional=True)
            categories = _categories(path, item, problems)
            result.append(
                RegistrySpec(kind, label, plural, status, source, file, item.line, categories)
            )
    return result


def _categories(path: Path, item: LineMap, problems: Problems) -> tuple[tuple[str, str], ...]:
    raw = item.get("categories") or {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and k.isascii() for k, v in raw.items()
    ):
        problems.add(path, item.line, "categories must map ASCII keys to labels")
        return ()
    return tuple(raw.items())


def parse_plan(path: Path, problems: Problems) -> PlanSpec | None:
    """Groups, tasks and targets of plan.yaml; None when its head is unusable."""
    try:
        document = read_yaml(path)
    except FileNotFoundError:
        problems.add(path, 1, "file not found")
        return None
    except FileProblem as exc:
        problems.add(path, exc.line, str(exc))
        return None
    head = document.get("plan") if isinstance(document, dict) else None
    if not isinstance(head, LineMap):
        problems.add(path, 1, "expected a 'plan' mapping")
        return None
    read = _Reader(path, head, problems)
    title, short = read.text("title"), read.text("short_title")
    start, end = read.number("start_year"), read.number("end_year")
    # The file is parsed once; each section is read from the parsed document.
    groups = [
        _group(path, item, problems) for item in list_under(path, document, "groups", problems)
    ]
    tasks = [_task(path, item, problems) for item in list_under(path, document, "tasks", problems)]
    if "duties" in document:
        items = list_under(path, document, "duties", problems)
        tasks += [_task(path, item, problems, kind="duty") for item in items]
    targets = [
        _target(path, item, problems) for item in list_under(path, document, "targets", problems)
    ]
    schedules = _schedules(path, document, problems)
    tasks = [_with_reminders(path, task, schedules, problems) if task else None for task in tasks]
    periods, pending = _periods(path, document, problems), _pending_counts(path, document, problems)
    if not (title and short and start and end):
        return None
    return PlanSpec(
        title,
        short,
        start,
        end,
        tuple(g for g in groups if g),
        tuple(t for t in tasks if t),
        tuple(t for t in targets if t),
        read.text("number", optional=True),
        _issued_on(path, head, problems),
        periods=periods,
        pending_counts=pending,
    )


def _periods(path: Path, document: dict[str, Any], problems: Problems) -> ReportingCalendar:
    raw = document.get("reporting_periods")
    if raw is None:
        return decree_calendar()
    try:
        return parse_reporting_periods(raw)
    except PeriodError as exc:
        problems.add(path, getattr(raw, "line", 1), str(exc))
        return decree_calendar()


def _pending_counts(path: Path, document: dict[str, Any], problems: Problems) -> bool:
    raw = document.get("counting")
    if raw is None:
        return False
    value = raw.get("pending_counts") if isinstance(raw, dict) else None
    if not isinstance(value, bool):
        problems.add(path, getattr(raw, "line", 1), "counting.pending_counts must be true or false")
        return False
    return value


def _issued_on(path: Path, head: LineMap, problems: Problems) -> date | None:
    """The plan's date of issue (`plan.date`, YYYY-MM-DD), or None while it is blank."""
    value = head.get("date")
    if value is None or isinstance(value, date):
        return value
    problems.add(path, head.line, "field 'date' must be a date (YYYY-MM-DD) or null")
    return None


def _schedules(path: Path, document: dict[str, Any], problems: Problems) -> dict[str, Schedule]:
    if "reminder_schedules" not in document:
        return {}
    try:
        return parse_schedules(document["reminder_schedules"])
    except ValueError as exc:
        problems.add(path, 1, str(exc))
        return {}


def _with_reminders(
    path: Path, task: TaskSpec, schedules: dict[str, Schedule], problems: Problems
) -> TaskSpec | None:
    """The task with its `reminders:` resolved against the schedules (checked)."""
    if "reminders" not in task.extra:
        return task
    try:
        who = parse_reporting(task.extra.get("reporting")).who
        rules = parse_rules(task.extra["reminders"], schedules, who)
    except ValueError as exc:
        problems.add(path, task.line, f"task {task.code}: {exc}")
        return None
    return replace(task, extra={**task.extra, "reminders": rules_to_spec(rules)})


def _group(path: Path, item: LineMap, problems: Problems) -> GroupSpec | None:
    read = _Reader(path, item, problems)
    code, name = read.text("code"), read.text("name")
    return GroupSpec(code, name) if code and name else None


def _task(path: Path, item: LineMap, problems: Problems, kind: str = "task") -> TaskSpec | None:
    read = _Reader(path, item, problems)
    if "reporting" in item:
        try:
            parse_reporting(item["reporting"])
        except ValueError as exc:
            problems.add(path, item.line, f"task {item.get('code')}: {exc}")
    values = (
        read.text("code"),
        read.text("group"),
        read.text("name"),
        read.text("goal"),
        read.text("product"),
        read.text("period"),
    )
    recurrence = read.choice("recurrence", RECURRENCES)
    lead = read.codes("lead")
    if not lead and kind == "task":
        problems.add(path, item.line, "a task needs at least one lead unit")
    code, group, name, goal, product, period = values
    if not (code and group and name and goal and product and period and recurrence):
        return None
    if not lead and kind == "task":
        return None
    return TaskSpec(
        code=code,
        kind=kind,
        group=group,
        name=name,
        goal=goal,
        product=product,
        lead=lead,
        partners=read.codes("partners"),
        partners_note=read.text("partners_note", optional=True),
        funding=read.text("funding", optional=True),
        period=period,
        recurrence=recurrence,
        extra={k: v for k, v in item.items() if k not in TASK_FIELDS},
        line=item.line,
    )


def _target(path: Path, item: LineMap, problems: Problems) -> TargetSpec | None:
    read = _Reader(path, item, problems)
    code, label = read.text("code"), read.text("label")
    kind = read.choice("kind", TARGET_KINDS)
    comparison = read.choice("comparison", COMPARISONS)
    value = read.number("value")
    registries = read.codes("registries")
    threshold = read.text("threshold_text")
    if kind == "registry_share" and not registries:
        problems.add(path, item.line, "a registry_share target needs 'registries'")
        return None
    if not (code and label and kind and comparison and value is not None and threshold):
        return None
    return TargetSpec(
        code=code,
        label=label,
        kind=kind,
        registries=registries,
        value=value,
        comparison=comparison,
        unit_label=read.text("unit_label", optional=True),
        tasks=read.codes("tasks"),
        source=read.text("source", optional=True),
        threshold_text=threshold,
        extra={k: v for k, v in item.items() if k not in TARGET_FIELDS},
        line=item.line,
    )
