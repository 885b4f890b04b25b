"""Composition root: settings → database → texts → dialog engine → channels."""

import asyncio
import contextlib
import hashlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.dialog.context import DialogConfig
from bot.dialog.engine import Engine
from bot.dialog.router import Router
from bot.messages import DeliveryResult
from bot.services import bot_identity
from bot.services.access import Role
from bot.services.digests import build_digest, week_before
from bot.services.errors import InvalidInput
from bot.services.exports import export_workbook
from bot.services.invites import InviteView, create_invite
from bot.services.kpis import TargetFigure, list_target_figures
from bot.services.leaflets import build_leaflet
from bot.services.library_seeding import leaflets_to_build
from bot.services.matching import fold
from bot.services.materials import announce_new
from bot.services.plan import PlanInfo, TaskView, get_plan_info, list_tasks
from bot.services.seeding import apply_content, load_content
from bot.services.seeding_rows import SeedSummary
from bot.services.texts import Texts
from bot.services.units import find_units
from bot.services.users import set_role, touch_user
from bot.settings import Settings
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from db.models import AppState, Unit
from scheduler.outbox_sender import OutboxSender
from scheduler.runner import run_when_leader

log = logging.getLogger(__name__)
CONTENT_FINGERPRINT = "content.fingerprint"


@dataclass(frozen=True)
class Database:
    """The engine and the session factory of one run."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


@asynccontextmanager
async def open_database(settings: Settings, *, migrate: bool = True) -> AsyncIterator[Database]:
    """Migrate (off the event loop) and open the database; dispose of it on exit."""
    if migrate:
        await asyncio.to_thread(upgrade_to_head, settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        yield Database(engine, make_sessionmaker(engine))
    finally:
        await engine.dispose()


def make_texts(settings: Settings) -> Texts:
    """The message templates of this installation."""
    return Texts(settings.content_dir / "templates")


async def seed(database: Database, settings: Settings) -> SeedSummary:
    """Load content/ into the database in one transaction (nothing on any problem).

    Leaflets are built first; materials new since the last seed are announced to subscribers.
    """
    async with database.sessions() as session:
        known = set(await session.scalars(select(Unit.code)))
    content = await asyncio.to_thread(load_content, settings.content_dir, known_unit_codes=known)
    for material in leaflets_to_build(content.materials, settings.content_dir):
        await asyncio.to_thread(build_leaflet, material, content_dir=settings.content_dir)
    async with database.sessions.begin() as session:
        summary = await apply_content(session, content)
        await session.flush()
        summary.created["announcements"] += await announce_new(
            session, texts=make_texts(settings), now=_utcnow()
        )
    return summary


async def seed_if_changed(database: Database, settings: Settings) -> None:
    """Seed on the first start and whenever the plan or registry files changed since."""
    fingerprint = content_fingerprint(settings.content_dir)
    async with database.sessions() as session:
        seen = await session.get(AppState, CONTENT_FINGERPRINT)
    if seen is not None and seen.value == fingerprint:
        return
    summary = await seed(database, settings)
    async with database.sessions.begin() as session:
        await session.merge(AppState(key=CONTENT_FINGERPRINT, value=fingerprint))
    log.info("content loaded: created %s, updated %s", dict(summary.created), dict(summary.updated))


def content_fingerprint(content_dir: Path) -> str:
    """A hash of the files `seed` reads, to notice edits between starts."""
    digest = hashlib.sha256()
    for path in sorted([content_dir / "plan.yaml", *(content_dir / "units").glob("*")]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class PlanOverview:
    """The plan's tasks and the targets' current figures, for `python -m bot plan`."""

    plan: PlanInfo
    tasks: list[TaskView]
    duties: list[TaskView]
    figures: list[TargetFigure]


async def plan_overview(database: Database, *, today: date) -> PlanOverview:
    """Tasks and figures; counts per year use the current year, clamped to the plan."""
    async with database.sessions() as session:
        plan = await get_plan_info(session)
        figures = await list_target_figures(
            session, year=plan.clamp_year(today.year), plan_start=plan.start, plan_end=plan.end
        )
        return PlanOverview(
            plan, await list_tasks(session), await list_tasks(session, kind="duty"), figures
        )


def build_engine(
    database: Database, settings: Settings, *, on_queued: Callable[[], None] | None = None
) -> Engine:
    """The dialog engine with every flow registered."""
    config = DialogConfig(
        admin_chat_ids=settings.admin_chat_ids,
        timezone=settings.timezone,
        invite_days=settings.invite_days,
    )
    return Engine(
        sessions=database.sessions,
        texts=make_texts(settings),
        router=Router.discover(),
        config=config,
        on_queued=on_queued,
    )


def command_list(engine: Engine) -> list[tuple[str, str]]:
    """Commands with a description template, for Telegram's command menu."""
    return [
        (name, engine.texts.render(f"commands/{name}"))
        for name in engine.router.commands
        if engine.texts.exists(f"commands/{name}")
    ]


async def prepare_console_user(database: Database, settings: Settings, identity: str) -> str:
    """The console chat id for `citizen`, `coordinator` or `official:<unit>`, role set."""
    role, _, unit_text = identity.partition(":")
    if role not in (Role.CITIZEN, Role.OFFICIAL, Role.COORDINATOR):
        raise ValueError(identity)
    async with database.sessions.begin() as session:
        unit_id = None
        if role == Role.OFFICIAL:
            found = await find_units(session, unit_text, limit=1)
            if not unit_text or not found:
                raise ValueError(identity)
            unit_id = found[0].id
        chat_id = f"{role}-{unit_id}" if unit_id else role
        user = await touch_user(
            session,
            channel="console",
            chat_id=chat_id,
            platform_user_id=chat_id,
            display_name="Người dùng thử",
            admin_chat_ids=frozenset(),
            now=_utcnow(),
        )
        await set_role(session, user.id, role=Role(role), unit_id=unit_id)
    return chat_id


def _utcnow() -> datetime:
    return datetime.now(UTC)


async def run_bot(settings: Settings, *, console_chat: str | None = None) -> None:
    """Run every configured channel (console when there is no token) until stopped."""
    async with open_database(settings) as database:
        await seed_if_changed(database, settings)
        deliverers: dict[str, Any] = {}
        sender = OutboxSender(
            database.sessions,
            deliverers,
            rates={
                "telegram": settings.telegram_send_rate,
                "zalo": settings.zalo_send_rate,
                "console": 1000.0,
            },
            chat_interval=settings.chat_send_interval,
            texts=make_texts(settings),
        )
        engine = build_engine(database, settings, on_queued=sender.wake)
        sender_task = asyncio.create_task(sender.run())
        scheduler_task = asyncio.create_task(
            run_when_leader(
                database.engine,
                settings.database_url,
                content_dir=settings.content_dir,
                tz=settings.timezone,
            )
        )
        try:
            if settings.telegram.token and console_chat is None:
                telegram = build_telegram(engine, settings)
                deliverers["telegram"] = telegram
                await _serve(telegram, database)
            else:
                console = ConsoleChannel(
                    engine.handle, chat_id=console_chat or "local", display_name="Người dùng thử"
                )
                deliverers["console"] = console
                await console.run()
        finally:
            for task in (sender_task, scheduler_task):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


def build_telegram(engine: Engine, settings: Settings) -> TelegramChannel:
    """The Telegram adapter wired to the engine."""

    async def report(chat_id: str, result: DeliveryResult) -> None:
        await engine.report_delivery(channel="telegram", chat_id=chat_id, result=result)

    return TelegramChannel(
        settings.telegram,
        handle=engine.handle,
        report=report,
        commands=command_list(engine),
        content_dir=settings.content_dir,
    )


async def _serve(telegram: TelegramChannel, database: Database) -> None:
    await telegram.start()
    async with database.sessions.begin() as session:
        await bot_identity.remember_telegram_username(session, telegram.username)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await telegram.stop()


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


async def weekly_digest_text(database: Database, settings: Settings) -> str:
    """The digest text for the seven days that ended yesterday."""
    now = _utcnow()
    start, end = week_before(now, settings.timezone)
    async with database.sessions() as session:
        digest = await build_digest(session, start=start, end=end, now=now, tz=settings.timezone)
    return make_texts(settings).render("digest/weekly", d=digest)


async def export_xlsx(database: Database, settings: Settings, *, year: int | None) -> bytes:
    """The Excel export (per-year figures for `year`, default the current one)."""
    async with database.sessions() as session:
        return await export_workbook(session, year=year or datetime.now(settings.timezone).year)
