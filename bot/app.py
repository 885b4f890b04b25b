"""Composition root: settings → database → texts → dialog engine → channels, web, scheduler."""

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.channels.base import Channel, ChannelStartError
from bot.channels.console import ConsoleChannel
from bot.channels.telegram.channel import TelegramChannel, TelegramWiring
from bot.channels.zalo.channel import ZaloChannel, ZaloWiring
from bot.channels.zalo.render import no_link
from bot.dialog.context import DialogConfig
from bot.dialog.engine import Engine
from bot.dialog.inbox import InboxStore
from bot.dialog.router import Router
from bot.messages import DeliveryResult, Outgoing
from bot.metrics import INBOX_BACKLOG, OUTBOX_BACKLOG
from bot.services.core.access import Role
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.insights.charts import ChartFiles
from bot.services.messaging import bot_identity, health
from bot.services.people.users import set_role, touch_user
from bot.services.plan.units import find_units
from bot.settings import Settings
from bot.web.files import FileLinks, Folder, Signer
from bot.web.pages import Pages, Site
from bot.web.routes import site_routes
from bot.web.server import Address, WebServer
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_to_head
from scheduler.jobs import JobContext
from scheduler.outbox_sender import OutboxSender
from scheduler.runner import run_when_leader

__all__ = ["ChannelStartError", "Database", "open_database", "run_bot"]

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


def chart_files(settings: Settings) -> ChartFiles:
    """Where pictures are kept (beside the default database, under ./var) and their font."""
    return ChartFiles(
        Path("var").resolve() / "charts", settings.content_dir / "fonts" / "DejaVuSans.ttf"
    )


def file_folders(settings: Settings) -> dict[str, Folder]:
    """The folders whose files the web server serves by signed link, and how long a link lasts:
    leaflets for a month, documents made for someone (exports, letters) an hour (as long as they
    are kept: they name people), photos a day, chart pictures a fortnight (as long as kept)."""
    return {
        "c": Folder(settings.content_dir, timedelta(days=30)),
        "d": Folder(DialogConfig.export_dir, timedelta(hours=1)),
        "g": Folder(chart_files(settings).directory, timedelta(days=14)),
        "m": Folder(settings.media_dir, timedelta(days=1)),
    }


async def web_signer(database: Database, settings: Settings) -> Signer:
    """The key of web links and sessions: `WEB_SECRET`, or the one kept in the database."""
    if settings.web_secret is not None:
        return Signer(settings.web_secret.encode())
    async with database.sessions.begin() as session:
        return Signer((await bot_identity.web_secret(session)).encode())


def make_texts(settings: Settings) -> Texts:
    """The message templates of this installation."""
    return Texts(settings.content_dir / "templates")


def build_engine(
    database: Database,
    settings: Settings,
    *,
    on_queued: Callable[[], None] | None = None,
    signer: Signer | None = None,
) -> Engine:
    """The dialog engine with every flow registered."""
    config = DialogConfig(
        admin_chat_ids=settings.admin_chat_ids,
        timezone=settings.timezone,
        invite_days=settings.invite_days,
        chart_dir=chart_files(settings).directory,
        content_dir=settings.content_dir,
        media_dir=settings.media_dir,
        public_base_url=settings.public_base_url,
        web_signer=signer,
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
    """The console chat id for `citizen`, `coordinator[:<department>]`, `official:<unit>` or
    `representative:<establishment>` (one registered and approved before)."""
    role, _, unit_text = identity.partition(":")
    if role not in tuple(Role):
        raise ValueError(identity)
    async with database.sessions.begin() as session:
        unit_id = None
        if role in (Role.OFFICIAL, Role.REPRESENTATIVE) or (role == Role.COORDINATOR and unit_text):
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
    database: Database,
    settings: Settings,
    *,
    console_chat: str | None = None,
    web_only: bool = False,
) -> None:
    """Run every configured channel (the console when there is no token) until stopped.

    The web server runs when something needs it (a webhook, `WEB_LISTEN`, `PUBLIC_BASE_URL`);
    the scheduler and the outbox sender run in the one process that leads. `web_only`: only
    the channels that take webhooks, never polling (`python -m bot web`).
    """
    senders: dict[str, Channel] = {}
    sender = OutboxSender(
        database.sessions,
        senders,
        chat_interval=settings.chat_send_interval,
        texts=make_texts(settings),
        calendar=WorkCalendar(settings.timezone),
    )
    signer = await web_signer(database, settings)
    engine = build_engine(database, settings, on_queued=sender.wake, signer=signer)
    links = FileLinks(signer, file_folders(settings), base_url=settings.public_base_url)
    if console_chat is not None:
        channels: list[Channel] = [build_console(engine, console_chat)]
    else:
        channels = build_channels(engine, database, settings, web_only=web_only, links=links)
    senders.update({channel.name: channel for channel in channels})
    stop_event = asyncio.Event()
    web = build_web(database, settings, channels, force=web_only, links=links)
    context = JobContext(
        database.sessions,
        make_texts(settings),
        settings.timezone,
        content_dir=settings.content_dir,
        charts=chart_files(settings),
        media_dir=settings.media_dir,
    )
    leader = asyncio.create_task(
        run_when_leader(database.engine, context, also=(sender.run,)), name="leader"
    )
    for channel in channels:
        if isinstance(channel, ConsoleChannel):
            channel.on_end = stop_event.set
    try:
        await _serve(channels, web, stop_event)
    finally:
        leader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await leader


def build_console(engine: Engine, chat_id: str) -> ConsoleChannel:
    """The terminal chat as one user."""
    return ConsoleChannel(engine.handle, chat_id=chat_id, display_name="Người dùng thử")


def build_channels(
    engine: Engine,
    database: Database,
    settings: Settings,
    *,
    web_only: bool = False,
    links: FileLinks | None = None,
) -> list[Channel]:
    """Every platform channel with a token: Telegram, Zalo or both (a person may use both).

    With no token at all, the console chat (`make run` on a fresh machine).
    """
    channels: list[Channel] = []
    if settings.telegram.token and not (web_only and not settings.telegram.webhook_url):
        channels.append(build_telegram(engine, database, settings))
    if settings.zalo.token and not (web_only and not settings.zalo.webhook_url):
        channels.append(build_zalo(engine, database, settings, links=links))
    if not channels and not web_only and not (settings.telegram.token or settings.zalo.token):
        channels.append(build_console(engine, "local"))
    return channels


def _reporter(engine: Engine, channel: str) -> Callable[..., Any]:
    async def report(chat_id: str, result: DeliveryResult, message: Outgoing) -> None:
        await engine.report_delivery(
            channel=channel, chat_id=chat_id, result=result, message=message
        )

    return report


def build_telegram(engine: Engine, database: Database, settings: Settings) -> TelegramChannel:
    """The Telegram adapter wired to the engine and the inbox."""

    async def remember_username(username: str) -> None:
        async with database.sessions.begin() as session:
            await bot_identity.remember_telegram_username(session, username)

    wiring = TelegramWiring(
        handle=engine.handle,
        report=_reporter(engine, "telegram"),
        inbox=InboxStore(database.sessions),
        commands=command_list(engine),
        content_dir=settings.content_dir,
        started=remember_username,
    )
    return TelegramChannel(settings.telegram, wiring, send_rate=settings.telegram_send_rate)


def build_zalo(
    engine: Engine, database: Database, settings: Settings, *, links: FileLinks | None = None
) -> ZaloChannel:
    """The Zalo adapter wired to the engine and the inbox; files go as signed links."""
    wiring = ZaloWiring(
        handle=engine.handle,
        report=_reporter(engine, "zalo"),
        inbox=InboxStore(database.sessions),
        render=engine.texts.render,
        media_dir=settings.media_dir,
        file_link=links.url if links is not None else no_link,
    )
    return ZaloChannel(settings.zalo, wiring, send_rate=settings.zalo_send_rate)


def build_web(
    database: Database,
    settings: Settings,
    channels: list[Channel],
    *,
    force: bool = False,
    links: FileLinks | None = None,
) -> WebServer | None:
    """The web server, when a webhook, `WEB_LISTEN` or `PUBLIC_BASE_URL` asks for one."""
    webhooks = [(c.name, c.webhook) for c in channels if c.webhook is not None]
    if not (force or webhooks or settings.web_listen_set or settings.public_base_url):
        return None
    listens = [settings.web_listen] if settings.web_listen_set else []
    for name, _ in webhooks:  # the older per-platform settings still bind their address
        listens.append(
            settings.telegram.webhook_listen if name == "telegram" else settings.zalo.webhook_listen
        )
    addresses = [Address(a.host, a.port) for a in listens or [settings.web_listen]]
    texts = make_texts(settings)
    server = WebServer(addresses, health=health_probe(database, channels), texts=texts)
    if links is not None:
        server.add_routes(site_routes(build_site(database, settings, links, texts)))
    for name, route in webhooks:
        server.add_webhook(
            name=name,
            path=route.path,
            secret_header=route.secret_header,
            secret=route.secret,
            accept=route.accept,
        )
    return server


def build_site(database: Database, settings: Settings, links: FileLinks, texts: Texts) -> Site:
    """What the pages share: the database, the templates, the links and their key."""
    return Site(
        sessions=database.sessions,
        pages=Pages(settings.content_dir / "web", settings.timezone),
        links=links,
        signer=links.signer,
        texts=texts,
        tz=settings.timezone,
        content_dir=settings.content_dir,
        public_base_url=settings.public_base_url,
        secure=(settings.public_base_url or "").startswith("https://"),
        export_dir=DialogConfig.export_dir,
        telegram_token=settings.telegram.token,
        trusted_proxies=settings.trusted_proxies,
    )


def health_probe(database: Database, channels: list[Channel]) -> Callable[[], Any]:
    """What /healthz reports: the database, the scheduler's leader, the backlogs."""

    async def probe() -> dict[str, Any]:
        try:
            async with database.engine.connect() as connection:
                report = await health.report(connection)
        except Exception as exc:
            log.warning("healthz: the database did not answer (%s)", type(exc).__name__)
            return {"database": "unreachable"}
        for channel, waiting in report["outbox_backlog"].items():
            OUTBOX_BACKLOG.labels(channel).set(waiting)
        for channel in channels:
            INBOX_BACKLOG.labels(channel.name).set(channel.backlog)
        return {"database": "ok", **report}

    return probe


async def _start_web(web: WebServer) -> None:
    try:
        await web.start()
    except OSError as exc:  # the address is taken, or not ours to bind
        await web.stop()
        problem = exc.strerror or str(exc)
        raise ChannelStartError("WEB_LISTEN", f"the web server cannot listen: {problem}") from None


async def _serve(channels: list[Channel], web: WebServer | None, stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    started: list[Channel] = []
    try:
        if web is not None:
            await _start_web(web)
        for channel in channels:
            await _start(channel)
            started.append(channel)
        _freeze_start_up_objects()
        await stop.wait()
    finally:
        for channel in reversed(started):
            await channel.stop()
        if web is not None:
            await web.stop()


def _freeze_start_up_objects() -> None:
    """What start-up built lives as long as the process: keep it out of the garbage
    collector's full passes, which otherwise walk all of it (some 200,000 objects, 100 ms and
    more on a busy 2-core machine) in the middle of serving requests (docs/performance.md)."""
    gc.collect()
    gc.freeze()


async def _start(channel: Channel) -> None:
    """Start a channel; if that fails, stop what it started before saying why."""
    try:
        await channel.start()
    except Exception:
        with contextlib.suppress(Exception):
            await channel.stop()
        raise
