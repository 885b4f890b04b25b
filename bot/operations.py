"""Operator commands the CLI runs: seeding, the plan overview, invites, digest and export."""

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy import select

from bot.app import Database, make_texts
from bot.services.content.loading import load_content
from bot.services.content.periods import Period
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.core.matching import fold
from bot.services.documents.reports import build_document
from bot.services.insights.charts import ChartFiles, chart_stem, digest_chart_values, draw
from bot.services.insights.digests import DIGEST_AT, build_digest, week_before
from bot.services.insights.exports import build_workbook, collect_sheets
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.insights.periodic_report import assemble_report, find_period
from bot.services.messaging import bot_identity
from bot.services.outreach.materials import announce_new
from bot.services.people.invites import InviteView, create_invite
from bot.services.plan.tasks import PlanInfo, TaskView, get_plan_info, list_tasks
from bot.services.plan.units import find_units
from bot.services.seeding.apply import apply_content
from bot.services.seeding.library import leaflets_to_build
from bot.services.seeding.rows import SeedSummary
from bot.settings import Settings
from db.locks import SEEDING_KEY, one_at_a_time
from db.models import AppState, Unit

log = logging.getLogger(__name__)
CONTENT_FINGERPRINT = "content.fingerprint"


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def seed(database: Database, settings: Settings) -> SeedSummary:
    """Load content/ into the database in one transaction (nothing on any problem).

    Leaflets are built first; materials new since the last seed are announced to subscribers.
    """
    async with database.sessions() as session:
        known = set(await session.scalars(select(Unit.code)))
    content = await asyncio.to_thread(load_content, settings.content_dir, known_unit_codes=known)
    if leaflets := leaflets_to_build(content.materials, settings.content_dir):
        # fpdf2 (with numpy and Pillow) only when a leaflet is due: the bot at rest stays small.
        from bot.services.outreach.leaflets import build_leaflet  # noqa: PLC0415

        for material in leaflets:
            await asyncio.to_thread(build_leaflet, material, content_dir=settings.content_dir)
    async with database.sessions.begin() as session:
        summary = await apply_content(session, content)
        await session.flush()
        summary.created["announcements"] += await announce_new(
            session, texts=make_texts(settings), now=_utcnow()
        )
    return summary


async def seed_if_changed(database: Database, settings: Settings) -> None:
    """Seed on the first start and whenever a file `seed` reads changed since.

    Processes starting at once take turns (an advisory lock on PostgreSQL): one seeds, the
    others then find the fingerprint stored and seed nothing.
    """
    fingerprint = await asyncio.to_thread(content_fingerprint, settings.content_dir)
    async with one_at_a_time(database.engine, SEEDING_KEY):
        async with database.sessions() as session:
            seen = await session.get(AppState, CONTENT_FINGERPRINT)
        if seen is not None and seen.value == fingerprint:
            return
        summary = await seed(database, settings)
        async with database.sessions.begin() as session:
            await session.merge(AppState(key=CONTENT_FINGERPRINT, value=fingerprint))
    log.info("content loaded: created %s, updated %s", dict(summary.created), dict(summary.updated))


# What `seed` reads, under the content folder (templates and fonts are read as they are used).
SEEDED = ("plan.yaml", "units", "contest", "materials", "commitments")


def content_fingerprint(content_dir: Path) -> str:
    """A hash of the files `seed` reads, to notice edits between starts (blocking)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for name in SEEDED:
        path = content_dir / name
        files.extend(sorted(path.rglob("*")) if path.is_dir() else [path])
    for path in files:
        if path.is_file():
            name = path.relative_to(content_dir).as_posix()
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class PlanOverview:
    """The plan's tasks and the targets' current figures, for `python -m bot plan`."""

    plan: PlanInfo
    tasks: list[TaskView]
    duties: list[TaskView]
    figures: list[TargetFigure]


async def plan_overview(database: Database, *, today: date, tz: tzinfo = UTC) -> PlanOverview:
    """Tasks and figures; counts per year use the current year, clamped to the plan."""
    async with database.sessions() as session:
        plan = await get_plan_info(session)
        figures = await list_target_figures(
            session,
            year=plan.reporting_year(today),
            plan_start=plan.start,
            plan_end=plan.end,
            tz=tz,
        )
        return PlanOverview(
            plan, await list_tasks(session), await list_tasks(session, kind="duty"), figures
        )


async def create_cli_invite(
    database: Database, settings: Settings, *, role: str, unit_text: str | None
) -> tuple[InviteView, str | None]:
    """An invite made by the operator; the unit is found by code or name (must be clear)."""
    async with database.sessions.begin() as session:
        unit_id = None
        if unit_text:
            found = await find_units(session, unit_text, limit=3)
            if not found or (
                len(found) > 1
                and found[0].code != unit_text
                and fold(found[0].name) != fold(unit_text)
            ):
                raise InvalidInput(
                    "invites/cli_unit_unclear",
                    {"typed": unit_text, "candidates": [u.title for u in found]},
                )
            unit_id = found[0].id
        invite = await create_invite(
            session,
            actor=None,
            role=Role(role),
            unit_id=unit_id,
            now=_utcnow(),
            days=settings.invite_days,
        )
        username = await bot_identity.telegram_username(session)
    return invite, bot_identity.deep_link(username, invite.code) if username else None


async def weekly_digest_text(
    database: Database, settings: Settings, *, monday: date | None = None
) -> tuple[tuple[date, date], str]:
    """The week shown and the digest text, with where its picture is: by default the last
    complete Monday–Sunday week, else the week starting `monday` (one that has ended), as it
    was sent on the Monday after it."""
    now = _utcnow()
    start, end = week_before(now, settings.timezone)
    if monday is not None:
        if monday > start:
            raise InvalidInput("cli/week_not_over", {"monday": monday, "last": start})
        start, end = monday, monday + timedelta(days=6)
        sent = datetime.combine(end + timedelta(days=1), DIGEST_AT, tzinfo=settings.timezone)
        now = min(now, sent.astimezone(UTC))
    texts = make_texts(settings)
    async with database.sessions() as session:
        digest = await build_digest(session, start=start, end=end, now=now, tz=settings.timezone)
        values = await digest_chart_values(session, texts=texts, now=now, tz=settings.timezone)
    files = ChartFiles(
        Path.cwd() / "var" / "charts", settings.content_dir / "fonts" / "DejaVuSans.ttf"
    )
    picture = await draw(
        values, files=files, stem=chart_stem("digest", now.astimezone(settings.timezone).date())
    )
    text = texts.render("digest/weekly", d=digest)
    return (start, end), text + "\n\n" + texts.render("digest/picture", path=str(picture))


async def export_xlsx(database: Database, settings: Settings, *, year: int | None) -> bytes:
    """The Excel export (per-year figures for `year`, default the current one)."""
    now = _utcnow()
    async with database.sessions() as session:
        plan = await get_plan_info(session)
        today = now.astimezone(settings.timezone).date()
        sheets = await collect_sheets(
            session, year=year or plan.reporting_year(today), tz=settings.timezone, now=now
        )
    return await asyncio.to_thread(build_workbook, sheets)


async def periodic_report_docx(
    database: Database, settings: Settings, *, typed: str
) -> tuple[bytes, Period]:
    """The periodic report for the period typed (default: this reporting year) as .docx bytes.

    The figures are read first; the document is built in a worker thread.
    """
    now = _utcnow()
    async with database.sessions() as session:
        period = await find_period(
            session, typed=typed, today=now.astimezone(settings.timezone).date()
        )
        content = await assemble_report(
            session,
            actor_role=Role.COORDINATOR,
            period=period,
            texts=make_texts(settings),
            now=now,
            tz=settings.timezone,
        )
    return await asyncio.to_thread(build_document, content), period
