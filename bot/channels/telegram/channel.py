"""The Telegram adapter: inbox-backed polling or webhook in, paced Bot API calls out."""

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from telegram import BotCommand, Update
from telegram.error import (
    BadRequest,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import ExtBot

from bot.channels.base import ChannelStartError, Handler, Priority, Reporter, Webhook
from bot.channels.inbox_worker import Inbox, InboxWorker, StoredUpdate
from bot.channels.sending import SendGate, send_parts, send_replies
from bot.channels.telegram.http import AiohttpRequest, AnswerLost
from bot.channels.telegram.inbound import (
    ALLOWED_UPDATES,
    CHANNEL,
    chat_of,
    to_incoming,
    update_key,
)
from bot.channels.telegram.poller import Poller
from bot.channels.telegram.render import keyboard, message_text, split_text
from bot.messages import DeliveryResult, DeliveryStatus, Outgoing
from bot.settings import TelegramSettings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)
Call = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class TelegramWiring:
    """What the adapter needs from the app besides its settings."""

    handle: Handler
    report: Reporter
    inbox: Inbox
    commands: Sequence[tuple[str, str]]
    content_dir: Path
    # Told the bot's username once connected (invite links use it).
    started: Callable[[str], Awaitable[None]]


class TelegramChannel:
    """The Telegram adapter; holds no rules, only translation, transport and the inbox."""

    name = CHANNEL
    numbers_options = False  # options are buttons here

    def __init__(
        self, settings: TelegramSettings, wiring: TelegramWiring, *, send_rate: float = 30.0
    ) -> None:
        """Build the Bot; nothing touches the network until start()."""
        assert settings.token is not None  # noqa: S101 (the app only builds us with a token)
        self._settings, self._wiring = settings, wiring
        self.send_rate = send_rate
        root = settings.api_base_url
        self.bot = ExtBot(
            settings.token,
            base_url=f"{root}/bot",
            base_file_url=f"{root}/file/bot",
            # aiohttp rather than PTB's httpx, whose pool costs more CPU per call than our
            # handler (docs/performance.md).
            request=AiohttpRequest(pool_size=8),
            get_updates_request=AiohttpRequest(pool_size=1),
        )
        self._gate = SendGate(send_rate)
        self._worker = InboxWorker(wiring.inbox, channel=CHANNEL, process=self._process)
        self._poller: asyncio.Task[None] | None = None

    @property
    def username(self) -> str:
        """The bot's username from getMe (after start)."""
        return self.bot.username

    @property
    def webhook(self) -> Webhook | None:
        """The route Telegram posts to, in webhook mode."""
        settings = self._settings
        if not (settings.webhook_url and settings.webhook_secret):
            return None
        path = urlsplit(settings.webhook_url).path or "/"
        return Webhook(path, SECRET_HEADER, settings.webhook_secret, self.accept)

    async def start(self) -> None:
        """Check the token (getMe), register the commands, take up stored updates, receive."""
        await self._connect()
        await self._wiring.started(self.bot.username)
        try:
            await self.bot.set_my_commands([BotCommand(n, d) for n, d in self._wiring.commands])
        except TelegramError as exc:
            log.warning("setMyCommands failed: %s", exc)
        await self._worker.start()
        settings = self._settings
        if self.webhook is not None:
            await self.bot.set_webhook(
                settings.webhook_url or "",
                secret_token=settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
            log.info("telegram: webhook")
        else:
            await self.bot.delete_webhook()
            self._poller = asyncio.create_task(Poller(self.bot, self.accept).run())
            log.info("telegram: polling")

    async def _connect(self) -> None:
        try:
            await self.bot.initialize()
        except InvalidToken:
            raise ChannelStartError("TELEGRAM_BOT_TOKEN", "refused by the Telegram API") from None
        except TelegramError as exc:
            raise ChannelStartError(
                "TELEGRAM_API_BASE_URL", f"the Telegram API did not answer ({exc})"
            ) from None

    async def stop(self) -> None:
        """Stop receiving, let the updates in hand finish, close the connections."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self._worker.stop()
        await self.bot.shutdown()

    @property
    def backlog(self) -> int:
        """Updates stored and not processed yet."""
        return self._worker.backlog

    # ------------------------------------------------------------------ inbound

    async def accept(self, body: dict[str, Any]) -> bool:
        """Commit a received update to the inbox (a re-delivery is ignored)."""
        key = update_key(body)
        if key is None:
            return False
        await self._worker.accept(update_key=key, chat_id=chat_of(body), body=body)
        return True

    async def _process(self, entry: StoredUpdate) -> None:
        update = Update.de_json(entry.body, self.bot)
        if update.callback_query is not None:
            try:
                await update.callback_query.answer()
            except TelegramError as exc:  # too old, or Telegram is down: the press still counts
                log.info("answerCallbackQuery: %s", exc)
        incoming = to_incoming(update, inbox_id=entry.id)
        if incoming is None:
            await self._wiring.inbox.done(entry.id, error="ignored")
            return
        replies = await self._wiring.handle(incoming)
        await send_replies(
            self.deliver, incoming.chat_id, replies, self._wiring.report, channel=CHANNEL
        )

    # ------------------------------------------------------------------ outbound

    async def deliver(
        self,
        chat_id: str,
        message: Outgoing,
        *,
        priority: Priority = Priority.OUTBOX,
        skip: int = 0,
    ) -> DeliveryResult:
        """Send one message at the channel's rate and say how it went."""
        return await send_parts(
            self._parts(int(chat_id), message),
            gate=self._gate,
            priority=priority,
            errors=TelegramError,
            result_of=result_of,
            skip=skip,
        )

    def _parts(self, chat_id: int, message: Outgoing) -> list[Call]:
        """The Bot API calls that make up one message, in order."""
        bot = self.bot
        pieces = split_text(message_text(message))
        parts: list[Call] = [
            functools.partial(bot.send_message, chat_id, piece) for piece in pieces[:-1]
        ]
        parts.append(
            functools.partial(bot.send_message, chat_id, pieces[-1], reply_markup=keyboard(message))
        )
        attachment = message.attachment
        if attachment is not None:
            parts.append(
                functools.partial(
                    self._send_file, chat_id, attachment.kind, attachment.ref, attachment.filename
                )
            )
        return parts

    async def _send_file(self, chat_id: int, kind: str, ref: str, filename: str | None) -> object:
        source: Any = ref
        path = self._wiring.content_dir / ref
        if ref and not ref.startswith(("http://", "https://")):
            # Read off the event loop: a leaflet is a few hundred kilobytes.
            data = await asyncio.to_thread(_read_if_file, path)
            source = data if data is not None else ref
        if kind == "photo":
            return await self.bot.send_photo(chat_id, source)
        return await self.bot.send_document(chat_id, source, filename=filename)


def _read_if_file(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def result_of(exc: TelegramError) -> DeliveryResult:
    """A Bot API error as a delivery result: resend only what provably did not go out."""
    if isinstance(exc, Forbidden):
        return DeliveryResult(DeliveryStatus.BLOCKED, detail=str(exc))
    if isinstance(exc, RetryAfter):
        return DeliveryResult(
            DeliveryStatus.RETRY, detail=str(exc), retry_after=_seconds(exc.retry_after)
        )
    if isinstance(exc, AnswerLost):
        return DeliveryResult(DeliveryStatus.UNKNOWN, detail=str(exc))
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):  # 5xx, refused
        return DeliveryResult(DeliveryStatus.RETRY, detail=str(exc))
    return DeliveryResult(DeliveryStatus.FAILED, detail=str(exc))


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
