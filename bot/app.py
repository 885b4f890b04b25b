"""Composition root: settings → database → texts → dialog engine → channels."""

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.console import ConsoleChannel
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo.channel import ZaloChannel, ZaloWiring
from bot.channels.zalo.client import ZaloError, ZaloUnauthorized
from bot.dialog.context import DialogConfig
from bot.dialog.engine import Engine
from bot.dialog.inbox import InboxStore
from bot.dialog.router import Router
from bot.messages import DeliveryResult, Outgoing
from bot.services.core.access import Role
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.messaging import bot_identity
from bot.services.people.users import set_role, touch_user
from bot.services.plan.units import find_units
from bot.settings import Settings
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from scheduler.outbox_sender import OutboxSender
from scheduler.runner import run_when_leader

log = logging.getLogger(__name__)


class ChannelStartError(Exception):
    """A channel could not start; `str()` is one line naming the setting to check."""

    def __init__(self, variable: str, problem: str) -> None:
        """Name the setting and say what went wrong."""
        super().__init__(f"{variable}: {problem}")


class ServedChannel(Protocol):
    """A platform channel the app starts, stops and hands outbox messages to."""

    name: str

    async def start(self) -> None:
        """Connect and start receiving."""

    async def stop(self) -> None:
        """Stop receiving and close connections."""

    async def deliver(self, chat_id: str, message: Outgoing) -> DeliveryResult:
        """Send one message."""
        ...


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
        chart_dir=Path("var").resolve() / "charts",
        content_dir=settings.content_dir,
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
        calendar=WorkCalendar(settings.timezone),
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
        channels = build_channels(engine, database, settings) if console_chat is None else []
        if channels:
            deliverers.update({channel.name: channel for channel in channels})
            await _serve(channels, database)
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


def build_channels(engine: Engine, database: Database, settings: Settings) -> list[ServedChannel]:
    """Every platform channel with a token: Telegram, Zalo or both (a person may use both)."""
    channels: list[ServedChannel] = []
    if settings.telegram.token:
        channels.append(build_telegram(engine, settings))
    if settings.zalo.token:
        channels.append(build_zalo(engine, database, settings))
    return channels


def build_zalo(engine: Engine, database: Database, settings: Settings) -> ZaloChannel:
    """The Zalo adapter wired to the engine and the inbox."""

    async def report(chat_id: str, result: DeliveryResult) -> None:
        await engine.report_delivery(channel="zalo", chat_id=chat_id, result=result)

    wiring = ZaloWiring(
        handle=engine.handle,
        report=report,
        inbox=InboxStore(database.sessions),
        render=engine.texts.render,
        content_dir=settings.content_dir,
        media_dir=settings.media_dir,
        public_base_url=settings.public_base_url,
    )
    return ZaloChannel(settings.zalo, wiring)


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


async def _serve(channels: list[ServedChannel], database: Database) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started: list[ServedChannel] = []
    try:
        for channel in channels:
            await _start_or_explain(channel)
            started.append(channel)
            if isinstance(channel, TelegramChannel):
                async with database.sessions.begin() as session:
                    await bot_identity.remember_telegram_username(session, channel.username)
        await stop.wait()
    finally:
        for channel in reversed(started):
            await channel.stop()


async def _start(channel: ServedChannel) -> None:
    """Start a channel; if that fails, stop what it started before saying why."""
    try:
        await channel.start()
    except Exception:
        with contextlib.suppress(Exception):
            await channel.stop()
        raise


async def _start_or_explain(channel: ServedChannel) -> None:
    """Start a channel; a refused token or an unreachable API is one clear line."""
    try:
        await _start(channel)
    except ZaloUnauthorized:
        raise ChannelStartError("ZALO_BOT_TOKEN", "refused by the Zalo API (401)") from None
    except ZaloError as exc:
        raise ChannelStartError("ZALO_API_BASE_URL", f"Zalo API failed: {exc}") from None
