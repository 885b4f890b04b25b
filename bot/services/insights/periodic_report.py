"""The periodic report of Sở Công Thương (yearly, 6-monthly, quarterly): its content, read from
the database, counting verified reports only, as plain values for the document builder."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.periods import KINDS, MONTHS, Period, PeriodError, ReportingCalendar
from bot.services.content.report_specs import parse_reporting
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput
from bot.services.core.texts import Texts
from bot.services.documents.letters import Letterhead, Signature
from bot.services.documents.reports import AdministrativeDocument, Heading, Section, Table
from bot.services.insights.completeness import Completeness, measure
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.plan.tasks import PlanInfo, get_plan_info, list_tasks
from bot.services.reports.counting import RECEIVED, VERIFIED_ONLY, is_counted
from db.models import PeriodNote, PlanGroup, PlanTask, Report, ReportFigure, Unit

HIGHLIGHTS = 1
Label = Callable[[str], str]
NUMBER_COLUMNS = (2, 3, 4, 5, 6)


async def find_period(session: AsyncSession, *, typed: str, today: date) -> Period:
    """The period a coordinator or operator names (2026, 2026-H1, 2026-Q3, 2026-11), within
    the plan; nothing typed: the reporting year of today. InvalidInput otherwise."""
    plan = await get_plan_info(session)
    if not typed.strip():
        return plan.periods.period("year", plan.reporting_year(today))
    try:
        period = plan.periods.parse(typed)
    except PeriodError:
        raise InvalidInput("periodic_report/bad_period", {"typed": typed[:40]}) from None
    if not plan.start_year <= period.year <= plan.end_year:
        raise InvalidInput(
            "periodic_report/outside_plan",
            {"typed": typed[:40], "first": plan.start_year, "last": plan.end_year},
        )
    return period


def file_name(period: Period) -> str:
    """The document's file name: BaoCao-SXTDBV-2026-Q3.docx."""
    return f"BaoCao-SXTDBV-{period.key}.docx"


@dataclass(frozen=True)
class TaskFigures:
    """A task's verified reports over the period: counts, number figures summed, highlights."""

    reports: int
    units: int
    sums: dict[str, float]
    highlights: list[str]


async def assemble_report(
    session: AsyncSession,
    *,
    actor_role: str,
    period: Period,
    texts: Texts,
    now: datetime,
    tz: tzinfo,
) -> AdministrativeDocument:
    """The periodic report for `period` (figures of verified reports only, and it says so)."""
    require_role(actor_role, Role.COORDINATOR)
    plan = await get_plan_info(session)

    def label(name: str) -> str:
        return texts.render("periodic_report/label", key=name)

    when = texts.render(
        "periodic_report/period", kind=period.kind, number=period.number, year=period.year
    )
    completeness = await measure(session, period=period, now=now, tz=tz)
    notes = await _notes(session, plan.periods, period)
    sections = [
        await _tasks_section(session, texts, period, label),
        await _targets_section(session, texts, plan, period, tz=tz, label=label),
        _completeness_section(texts, completeness, label),
        _notes_section(texts, notes, "difficulties", label),
        _notes_section(texts, notes, "proposals", label),
        _funding_section(texts, notes, label),
    ]
    local = now.astimezone(tz).date()
    return AdministrativeDocument(
        letterhead=Letterhead(
            parent_body=label("parent_body"),
            issuing_body=label("issuing_body"),
            number=label("number"),
            place=label("place"),
            year=local.year,
        ),
        name=label("name"),
        abstract=texts.render("periodic_report/abstract", period=when),
        addressees=[label("addressee_province"), label("addressee_ministry")],
        opening=[
            texts.render(
                "periodic_report/opening",
                plan_title=plan.title,
                period=when,
                start=period.start,
                end=period.end,
            ),
            await _counting_note(session, texts, period),
        ],
        sections=sections,
        recipients=[label(f"recipient_{n}") for n in (1, 2, 3)],
        signature=Signature(label("signer")),
    )


async def _counting_note(session: AsyncSession, texts: Texts, period: Period) -> str:
    within = Report.activity_date.between(period.start, period.end)
    verified, units = (
        await session.execute(
            select(func.count(), func.count(func.distinct(Report.unit_id))).where(
                within, is_counted(VERIFIED_ONLY)
            )
        )
    ).one()
    received = await session.scalar(
        select(func.count()).select_from(Report).where(within, is_counted(RECEIVED))
    )
    return texts.render(
        "periodic_report/counting",
        verified=verified,
        units=units,
        pending=(received or 0) - verified,
    )


async def _tasks_section(
    session: AsyncSession, texts: Texts, period: Period, label: Label
) -> Section:
    figures = await _task_figures(session, period)
    specs = {t.code: t.spec for t in await session.scalars(select(PlanTask))}
    groups = {g.code: g.name for g in await session.scalars(select(PlanGroup))}
    blocks: list[str | Heading | Table] = []
    tasks = await list_tasks(session)
    duties = await list_tasks(session, kind="duty")
    ordered = [(code, [t for t in tasks if t.group == code]) for code in groups]
    ordered.append(("IV", duties))
    for number, (code, members) in enumerate(ordered, start=1):
        if not members:
            continue
        name = groups.get(code) or label("duties_group")
        blocks.append(Heading(texts.render("periodic_report/group", number=number, title=name)))
        rows = [
            [
                index,
                f"{task.code}. {task.name}",
                "; ".join(task.leads) or label("communes"),
                _result(texts, figures.get(task.code), specs.get(task.code, {}), label),
            ]
            for index, task in enumerate(members, start=1)
        ]
        headers = [label("col_no"), label("col_task"), label("col_leads"), label("col_result")]
        blocks.append(Table(headers, rows, widths_mm=(10, 62, 33, 60), numeric=(0,)))
    return Section(label("tasks"), blocks)


def _result(texts: Texts, found: TaskFigures | None, spec: dict[str, Any], label: Label) -> str:
    if found is None or not found.reports:
        return label("no_result")
    numbers = []
    if "reporting" in spec:
        for question in parse_reporting(spec["reporting"]).questions:
            if question.type == "number" and found.sums.get(question.key):
                numbers.append((question.label, found.sums[question.key], question.unit or ""))
    return texts.render(
        "periodic_report/task_result",
        figures=numbers,
        reports=found.reports,
        units=found.units,
        highlights=found.highlights,
    )


async def _task_figures(session: AsyncSession, period: Period) -> dict[str, TaskFigures]:
    """Verified reports of each task in the period: counts, sums, latest descriptions."""
    counted = (is_counted(VERIFIED_ONLY), Report.activity_date.between(period.start, period.end))
    counts = {
        code: (reports, units)
        for code, reports, units in await session.execute(
            select(PlanTask.code, func.count(), func.count(func.distinct(Report.unit_id)))
            .join(PlanTask, PlanTask.id == Report.task_id)
            .where(*counted)
            .group_by(PlanTask.code)
        )
    }
    sums: dict[str, dict[str, float]] = defaultdict(dict)
    for code, key, total in await session.execute(
        select(PlanTask.code, ReportFigure.key, func.sum(ReportFigure.number))
        .join(Report, Report.id == ReportFigure.report_id)
        .join(PlanTask, PlanTask.id == Report.task_id)
        .where(*counted, ReportFigure.number.is_not(None))
        .group_by(PlanTask.code, ReportFigure.key)
    ):
        sums[code][key] = float(total or 0)
    highlights: dict[str, list[str]] = defaultdict(list)
    for code in counts:
        rows = await session.scalars(
            select(Report.description)
            .join(PlanTask, PlanTask.id == Report.task_id)
            .where(*counted, PlanTask.code == code, Report.description.is_not(None))
            .order_by(Report.activity_date.desc(), Report.id.desc())
            .limit(HIGHLIGHTS)
        )
        highlights[code] = [" ".join((text or "").split()) for text in rows]
    return {
        code: TaskFigures(reports, units, sums[code], highlights[code])
        for code, (reports, units) in counts.items()
    }


async def _targets_section(
    session: AsyncSession,
    texts: Texts,
    plan: PlanInfo,
    period: Period,
    *,
    tz: tzinfo,
    label: Label,
) -> Section:
    year = plan.clamp_year(plan.periods.containing("year", period.end).year)
    figures = await list_target_figures(
        session, year=year, plan_start=plan.start, plan_end=plan.end, tz=tz, until=period.end
    )
    rows = [
        [index, figure.label, _goal(texts, figure), *_reached(texts, figure)]
        for index, figure in enumerate(figures, start=1)
    ]
    headers = [
        label("col_no"),
        label("col_target"),
        label("col_goal"),
        label("col_reached"),
        label("col_note"),
    ]
    return Section(label("targets"), [Table(headers, rows, widths_mm=(10, 62, 30, 33, 30))])


def _goal(texts: Texts, figure: TargetFigure) -> str:
    return texts.render(
        "periodic_report/goal",
        kind=figure.kind,
        comparison=figure.comparison,
        target=figure.target,
        unit_label=figure.unit_label,
    )


def reached_text(texts: Texts, figure: TargetFigure) -> str:
    """A target's verified figure as the report writes it (also what /tongquan shows)."""
    return _reached(texts, figure)[0]


def _reached(texts: Texts, figure: TargetFigure) -> tuple[str, str]:
    """The verified figure and a note (a registry not listed, nothing measured)."""
    if figure.kind == "registry_share" and (figure.registry == "empty" or figure.current is None):
        return "", texts.render("periodic_report/not_measured", registry=figure.registry)
    verified = figure.verified if figure.verified is not None else figure.current or 0
    if figure.kind == "registry_share" and figure.denominator:
        share = 100.0 * verified / figure.denominator
        text = texts.render(
            "periodic_report/share",
            current=verified,
            denominator=figure.denominator,
            share=share,
        )
        note = texts.render("periodic_report/not_measured", registry="partial")
        return text, note if figure.registry == "partial" else ""
    return texts.render("periodic_report/count", value=verified, unit=figure.unit_label), ""


def _completeness_section(texts: Texts, completeness: Completeness, label: Label) -> Section:
    blocks: list[str | Heading | Table] = []
    for who, tally in (
        (label("communes"), completeness.communes),
        (label("departments"), completeness.departments),
    ):
        blocks.append(texts.render("periodic_report/completeness", who=who, t=tally))
    short = [u for u in completeness.units if u.tally.missing or u.tally.late]
    short.sort(key=lambda u: (-u.tally.missing, -u.tally.late, u.name))
    if short:
        blocks.append(label("units_missing"))
        headers = [
            label(f"col_{name}")
            for name in ("no", "unit", "expected", "received", "on_time", "late", "missing")
        ]
        rows = [
            [i, u.name, u.tally.due, u.tally.actual, u.tally.on_time, u.tally.late, u.tally.missing]
            for i, u in enumerate(short, start=1)
        ]
        widths = (10, 55, 20, 20, 20, 20, 20)
        blocks.append(Table(headers, rows, widths_mm=widths, numeric=(0, *NUMBER_COLUMNS)))
    else:
        blocks.append(label("all_complete"))
    idle = sorted({u.name for u in completeness.without_official})
    if idle:
        blocks.append(texts.render("periodic_report/without_official", names=idle))
    return Section(label("completeness"), blocks)


@dataclass(frozen=True)
class _Note:
    unit: str
    difficulties: str | None
    proposals: str | None
    funding_used: float | None


async def _notes(session: AsyncSession, periods: ReportingCalendar, period: Period) -> list[_Note]:
    """What units said for the periods within this one (a month's, a quarter's…)."""
    keys = _keys_within(periods, period)
    rows = await session.execute(
        select(Unit.name, PeriodNote)
        .join(Unit, Unit.id == PeriodNote.unit_id)
        .where(PeriodNote.period_key.in_(keys))
        .order_by(Unit.name, PeriodNote.period_key)
    )
    return [
        _Note(name, note.difficulties, note.proposals, note.funding_used) for name, note in rows
    ]


def _keys_within(periods: ReportingCalendar, period: Period) -> list[str]:
    """The keys of every period (of any kind) that lies inside `period`."""
    keys = []
    for kind in KINDS:
        if MONTHS[kind] <= MONTHS[period.kind]:
            for sub in periods.between(kind, period.start, period.end):
                if sub.start >= period.start and sub.end <= period.end:
                    keys.append(sub.key)
    return keys


def _notes_section(texts: Texts, notes: list[_Note], field: str, label: Label) -> Section:
    said = [(n.unit, getattr(n, field)) for n in notes if getattr(n, field)]
    blocks: list[str | Heading | Table] = [
        texts.render("periodic_report/note", unit=unit, text=text) for unit, text in said
    ]
    return Section(label(field), blocks or [label(f"no_{field}")])


def _funding_section(texts: Texts, notes: list[_Note], label: Label) -> Section:
    totals: dict[str, float] = defaultdict(float)
    for note in notes:
        if note.funding_used is not None:
            totals[note.unit] += note.funding_used
    if not totals:
        return Section(label("funding"), [label("no_funding")])
    rows = [
        [i, unit, texts.render("periodic_report/number", value=amount)]
        for i, (unit, amount) in enumerate(sorted(totals.items()), start=1)
    ]
    headers = [label("col_no"), label("col_unit"), label("col_funding")]
    return Section(label("funding"), [Table(headers, rows, widths_mm=(10, 95, 60), numeric=(0, 2))])
