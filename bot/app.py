"""Composition root: settings → database → texts → dialog engine → channels."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.dialog.context import DialogConfig
from bot.dialog.engine import Engine
from bot.dialog.router import Router
from bot.messages import DeliveryResult
from bot.services import bot_identity
from bot.services.access import Role
from bot.services.texts import Texts
from bot.services.units import find_units
from bot.services.users import set_role, touch_user
from bot.settings import Settings
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from scheduler.outbox_sender import OutboxSender
from scheduler.runner import run_when_leader

log = logging.getLogger(__name__)


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


async def run_bot(
    database: Database, settings: Settings, *, console_chat: str | None = None
) -> None:
    """Run every configured channel (console when there is no token) until stopped."""
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
        send_rate=settings.telegram_send_rate,
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
