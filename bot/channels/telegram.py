"""Telegram through python-telegram-bot: polling or webhook, replies and outbox delivery."""

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import AIORateLimiter, Application, BaseUpdateProcessor, ContextTypes, TypeHandler

from bot.channels.delivery import send_parts, with_retries
from bot.channels.telegram_http import AiohttpRequest
from bot.channels.telegram_render import keyboard, split_text
from bot.messages import DeliveryResult, DeliveryStatus, Incoming, InputKind, Outgoing
from bot.settings import TelegramSettings

log = logging.getLogger(__name__)
Handler = Callable[[Incoming], Awaitable[list[Outgoing]]]
Reporter = Callable[[str, DeliveryResult], Awaitable[None]]
ALLOWED_UPDATES = ["message", "callback_query"]


class PerChatUpdates(BaseUpdateProcessor):
    """Different chats concurrently, one chat's updates strictly in order."""

    def __init__(self, max_concurrent_updates: int) -> None:
        """At most that many updates in flight overall."""
        super().__init__(max_concurrent_updates)
        self._locks: dict[int, asyncio.Lock] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the chat's earlier updates before running this one."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock = self._locks.setdefault(chat.id, asyncio.Lock())
        try:
            async with lock:
                await coroutine
        finally:
            if not lock.locked() and self._locks.get(chat.id) is lock:
                del self._locks[chat.id]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""


def to_incoming(update: Update) -> Incoming | None:
    """The update as an Incoming; None for what the bot ignores (groups, edits, channels)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private":
        return None
    base: dict[str, Any] = {
        "channel": "telegram",
        "chat_id": str(chat.id),
        "user_id": str(user.id),
        "display_name": user.full_name,
        "update_key": str(update.update_id),
    }
    if update.callback_query is not None:
        return Incoming(kind=InputKind.BUTTON, payload=update.callback_query.data or "", **base)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Incoming(kind=InputKind.TEXT, text=message.text, **base)
    # A photo, or a file such as a signed letter as PDF.
    file = message.photo[-1] if message.photo else message.document
    if file is not None:
        return Incoming(
            kind=InputKind.PHOTO if message.photo else InputKind.DOCUMENT,
            photo_ref=file.file_id,
            text=message.caption or "",
            **base,
        )
    return Incoming(kind=InputKind.OTHER, **base)


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class TelegramChannel:
    """The Telegram adapter; holds no rules, only translation and transport."""

    name = "telegram"
    # Options are buttons here.
    numbers_options = False

    def __init__(
        self,
        settings: TelegramSettings,
        *,
        handle: Handler,
        report: Reporter,
        commands: Sequence[tuple[str, str]],
        content_dir: Path,
        send_rate: float = 30.0,
    ) -> None:
        """Build the PTB application; nothing touches the network until start().

        `send_rate` caps all of the bot's requests a second (replies and outbox alike): it must
        be the outbox's rate, or PTB's default of 30 a second caps the outbox whatever it is told.
        """
        assert settings.token is not None  # noqa: S101 (the app only builds us with a token)
        self._settings, self._handle, self._report = settings, handle, report
        self._commands, self._content_dir = commands, content_dir
        root = settings.api_base_url
        self.app = (
            Application.builder()
            .token(settings.token)
            .base_url(f"{root}/bot")
            .base_file_url(f"{root}/file/bot")
            .rate_limiter(
                AIORateLimiter(overall_max_rate=send_rate, overall_time_period=1, max_retries=3)
            )
            .concurrent_updates(PerChatUpdates(256))
            # aiohttp rather than PTB's httpx, whose pool costs more CPU per call than our
            # handler (PERFORMANCE.md, tests/bench/test_inbound.py).
            .request(AiohttpRequest(pool_size=8))
            .get_updates_request(AiohttpRequest(pool_size=1))
            .build()
        )
        self.app.add_handler(TypeHandler(Update, self._on_update))
        self.app.add_error_handler(self._on_error)

    @property
    def username(self) -> str:
        """The bot's username from getMe (after start)."""
        return self.app.bot.username

    async def start(self) -> None:
        """Connect (getMe), register the command list, then poll or serve the webhook."""
        await self.app.initialize()
        try:
            await self.app.bot.set_my_commands([BotCommand(n, d) for n, d in self._commands])
        except TelegramError as exc:
            log.warning("setMyCommands failed: %s", exc)
        await self.app.start()
        updater = self.app.updater
        assert updater is not None  # noqa: S101 (the builder makes one)
        if self._settings.webhook_url:
            listen = self._settings.webhook_listen
            await updater.start_webhook(
                listen=listen.host,
                port=listen.port,
                url_path=urlsplit(self._settings.webhook_url).path.lstrip("/"),
                webhook_url=self._settings.webhook_url,
                secret_token=self._settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram: webhook on %s:%s", listen.host, listen.port)
        else:
            await updater.start_polling(allowed_updates=ALLOWED_UPDATES, timeout=30)
            log.info("telegram: polling")

    async def stop(self) -> None:
        """Stop receiving, then close the connections."""
        if self.app.updater is not None and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()

    async def _on_update(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except BadRequest as exc:  # the query is too old; the press still counts
                log.info("answerCallbackQuery: %s", exc)
        incoming = to_incoming(update)
        if incoming is None:
            return
        for reply in await self._handle(incoming):
            result = await with_retries(functools.partial(self.deliver, incoming.chat_id, reply))
            if result.status != DeliveryStatus.SENT:
                await self._report(incoming.chat_id, result)
                break

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        log.error("telegram update failed", exc_info=context.error)

    @staticmethod
    def cost(message: Outgoing) -> int:
        """How many Bot API messages deliver() sends for this message (for the outbox's pacing)."""
        return len(split_text(message.text)) + (message.attachment is not None)

    async def deliver(self, chat_id: str, message: Outgoing) -> DeliveryResult:
        """Send one message and say how it went (the outbox sender and replies use this).

        A message can take several Bot API calls (a long text, an attachment). Once one of them
        went out, a transient failure is retried here for the rest only: answering RETRY then
        would make the caller send the whole message again and repeat what the user already has.
        """
        parts = self._parts(int(chat_id), message)
        return await send_parts(parts, errors=TelegramError, result_of=_result_of)

    def _parts(self, chat_id: int, message: Outgoing) -> list[Callable[[], Awaitable[object]]]:
        """The Bot API calls that make up one message, in order."""
        bot = self.app.bot
        pieces = split_text(message.text)
        parts: list[Callable[[], Awaitable[object]]] = [
            functools.partial(bot.send_message, chat_id, piece) for piece in pieces[:-1]
        ]
        parts.append(
            functools.partial(bot.send_message, chat_id, pieces[-1], reply_markup=keyboard(message))
        )
        attachment = message.attachment
        if attachment is None:
            return parts
        source: Any = attachment.ref
        path = self._content_dir / attachment.ref
        if (
            attachment.ref
            and not attachment.ref.startswith(("http://", "https://"))
            and path.is_file()
        ):
            source = path.read_bytes()
        if attachment.kind == "photo":
            parts.append(functools.partial(bot.send_photo, chat_id, source))
        else:
            parts.append(
                functools.partial(bot.send_document, chat_id, source, filename=attachment.filename)
            )
        return parts


def _result_of(exc: TelegramError) -> DeliveryResult:
    """A Bot API error as a delivery result."""
    if isinstance(exc, Forbidden):
        return DeliveryResult(DeliveryStatus.BLOCKED, detail=str(exc))
    if isinstance(exc, RetryAfter):
        return DeliveryResult(
            DeliveryStatus.RETRY, detail=str(exc), retry_after=_seconds(exc.retry_after)
        )
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # TimedOut too
        return DeliveryResult(DeliveryStatus.RETRY, detail=str(exc))
    return DeliveryResult(DeliveryStatus.FAILED, detail=str(exc))
