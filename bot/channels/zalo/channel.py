"""The Zalo adapter: inbox-backed webhook or polling in, numbered text and URLs out."""

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from bot.channels.delivery import send_parts, with_retries
from bot.channels.zalo.client import (
    ZaloApiError,
    ZaloClient,
    ZaloError,
    ZaloNetworkError,
    ZaloRateLimited,
)
from bot.channels.zalo.inbound import CHANNEL, IMAGE_EVENT, ZaloUpdate, parse_update, to_incoming
from bot.channels.zalo.media import PhotoDownloadError, PhotoStore
from bot.channels.zalo.poller import Poller
from bot.channels.zalo.render import MediaSource, PhotoSend, Render, Send, plan_sends
from bot.channels.zalo.webhook import WebhookReceiver, WebhookServer
from bot.messages import DeliveryResult, DeliveryStatus, Incoming, Outgoing
from bot.settings import ZaloSettings

log = logging.getLogger(__name__)
Handler = Callable[[Incoming], Awaitable[list[Outgoing]]]
Reporter = Callable[[str, DeliveryResult], Awaitable[None]]
BATCH = 50
CHATS_AT_ONCE = 8
IDLE_SECONDS = 2.0
STOP_GRACE = 10.0


class StoredUpdate(Protocol):
    """An update kept in the inbox."""

    @property
    def id(self) -> int:
        """The inbox row."""
        ...

    @property
    def chat_id(self) -> str | None:
        """The chat it came from."""
        ...

    @property
    def body(self) -> dict[str, Any]:
        """The raw body as received."""
        ...


class Inbox(Protocol):
    """Durable storage of updates (the app passes `bot.dialog.inbox.InboxStore`)."""

    async def store(
        self, *, channel: str, update_key: str, chat_id: str | None, body: dict[str, Any]
    ) -> bool:
        """Commit an update; False for a re-delivery."""
        ...

    async def pending(self, *, channel: str, limit: int = 50) -> Sequence[StoredUpdate]:
        """Unprocessed updates, oldest first."""
        ...

    async def done(self, entry_id: int, *, error: str | None = None) -> None:
        """Mark one processed."""
        ...

    async def failed(self, entry_id: int, *, error: str) -> bool:
        """Count a failed attempt; True when set aside."""
        ...


@dataclass(frozen=True)
class ZaloWiring:
    """What the adapter needs from the app besides its settings."""

    handle: Handler
    report: Reporter
    inbox: Inbox
    render: Render
    content_dir: Path
    media_dir: Path
    public_base_url: str | None


class ZaloChannel:
    """The Zalo adapter; holds no rules, only translation, transport and the inbox loop."""

    name = CHANNEL
    # No buttons: options are a numbered list (the outbox keeps the last one per chat).
    numbers_options = True

    def __init__(
        self,
        settings: ZaloSettings,
        wiring: ZaloWiring,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        poll_timeout: int = 30,
    ) -> None:
        """Build the client; nothing touches the network until start()."""
        assert settings.token is not None  # noqa: S101 (the app only builds us with a token)
        self._settings, self._wiring = settings, wiring
        self.client = ZaloClient(
            settings.token, base_url=settings.api_base_url, transport=transport
        )
        self._photos = PhotoStore(wiring.media_dir, transport=transport)
        self._media = MediaSource(wiring.content_dir, wiring.public_base_url)
        self._poll_timeout = poll_timeout
        self._wake = asyncio.Event()
        self._stopping = False
        self._tasks: list[asyncio.Task[None]] = []
        self._server: WebhookServer | None = None

    async def start(self) -> None:
        """Check the token, process what a crash left, then serve the webhook or poll."""
        me = await self.client.get_me()
        log.info("zalo: bot %s", me.id)
        self._tasks.append(asyncio.create_task(self._work(), name="zalo-inbox"))
        settings = self._settings
        if settings.webhook_url and settings.webhook_secret:
            receiver = WebhookReceiver(settings.webhook_secret, self.accept)
            listen = settings.webhook_listen
            self._server = WebhookServer(
                receiver,
                path=urlsplit(settings.webhook_url).path,
                host=listen.host,
                port=listen.port,
            )
            self._server.start()
            await self.client.set_webhook(settings.webhook_url, settings.webhook_secret)
            log.info("zalo: webhook on %s:%s", listen.host, listen.port)
        else:
            await self.client.delete_webhook()
            poller = Poller(self.client, self.accept, poll_timeout=self._poll_timeout)
            self._tasks.append(asyncio.create_task(poller.run(), name="zalo-poll"))
            log.info("zalo: polling")

    async def stop(self) -> None:
        """Stop receiving, let the update in hand finish, close the connections."""
        if self._server is not None:
            await self._server.stop()
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            if task.get_name() == "zalo-poll":
                task.cancel()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), STOP_GRACE)
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.client.aclose()
        await self._photos.aclose()

    # ------------------------------------------------------------------ inbound

    async def accept(self, body: dict[str, Any]) -> None:
        """Commit a received body to the inbox (a re-delivery is ignored), then wake the worker."""
        update = parse_update(body)
        if update is None:
            log.info("zalo: ignored a body that is not a Zalo event")
            return
        stored = await self._wiring.inbox.store(
            channel=CHANNEL, update_key=update.key, chat_id=update.chat_id, body=body
        )
        if stored:
            self._wake.set()
        else:
            log.info("zalo: update %s delivered again; ignored", update.key)

    async def _work(self) -> None:
        """Process the inbox until stopped: oldest first, one chat's updates in order."""
        while not self._stopping:
            self._wake.clear()
            try:
                entries = await self._wiring.inbox.pending(channel=CHANNEL, limit=BATCH)
            except Exception:
                log.exception("zalo: reading the inbox failed")
                entries = []
            if not entries:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), IDLE_SECONDS)
                continue
            chats: dict[str, list[StoredUpdate]] = {}
            for entry in entries:
                chats.setdefault(entry.chat_id or f"#{entry.id}", []).append(entry)
            limit = asyncio.Semaphore(CHATS_AT_ONCE)
            await asyncio.gather(*(self._process_chat(chat, limit) for chat in chats.values()))

    async def _process_chat(self, entries: list[StoredUpdate], limit: asyncio.Semaphore) -> None:
        async with limit:
            for entry in entries:
                if self._stopping:
                    return
                try:
                    await self._process(entry)
                except Exception as exc:
                    log.exception("zalo: inbox entry %s failed", entry.id)
                    if await self._wiring.inbox.failed(entry.id, error=type(exc).__name__):
                        log.error(
                            "zalo: inbox entry %s set aside after repeated failures", entry.id
                        )
                    await asyncio.sleep(1.0)
                    return  # the chat's later updates wait, so their order is kept

    async def _process(self, entry: StoredUpdate) -> None:
        update = parse_update(entry.body)
        if update is None:
            await self._wiring.inbox.done(entry.id, error="not a Zalo event")
            return
        photo_ref = None
        if update.event_name == IMAGE_EVENT and update.photo_url and update.chat_id:
            photo_ref = await self._fetch_photo(update)
            if photo_ref is None:
                await self._reply(
                    update.chat_id, [Outgoing(self._wiring.render("zalo/photo_failed"))]
                )
                await self._wiring.inbox.done(entry.id, error="photo download failed")
                return
        incoming = to_incoming(update, photo_ref=photo_ref)
        if incoming is not None:
            await self._reply(incoming.chat_id, await self._wiring.handle(incoming))
        await self._wiring.inbox.done(entry.id)

    async def _fetch_photo(self, update: ZaloUpdate) -> str | None:
        assert update.photo_url is not None  # noqa: S101 (checked by the caller)
        try:
            return await self._photos.fetch(update.photo_url, key=update.key)
        except PhotoDownloadError as exc:
            log.warning("zalo: photo of update %s not downloaded: %s", update.key, exc)
            return None

    async def _reply(self, chat_id: str, replies: list[Outgoing]) -> None:
        for reply in replies:
            result = await with_retries(functools.partial(self.deliver, chat_id, reply))
            if result.status == DeliveryStatus.UNKNOWN:
                # Probably delivered (only the answer was lost): go on with the next reply.
                log.warning("zalo: a reply to a chat may not have arrived: %s", result.detail)
            elif result.status != DeliveryStatus.SENT:
                await self._wiring.report(chat_id, result)
                return

    # ------------------------------------------------------------------ outbound

    def cost(self, message: Outgoing) -> int:
        """How many API calls deliver() makes for this message (for the outbox's pacing)."""
        return len(self._sends(message))

    async def deliver(self, chat_id: str, message: Outgoing) -> DeliveryResult:
        """Send one message and say how it went (the outbox sender and replies use this).

        Parts already accepted are never sent again: a transient failure after the first part
        is retried here for the rest only, and a request whose answer was lost is not repeated.
        """
        parts = [functools.partial(self._send, chat_id, send) for send in self._sends(message)]
        return await send_parts(parts, errors=ZaloError, result_of=result_of)

    def _sends(self, message: Outgoing) -> list[Send]:
        return plan_sends(message, media=self._media, render=self._wiring.render)

    async def _send(self, chat_id: str, send: Send) -> None:
        if isinstance(send, PhotoSend):
            await self.client.send_photo(chat_id, send.url)
        else:
            await self.client.send_message(chat_id, send.text)


def result_of(exc: ZaloError) -> DeliveryResult:
    """A Zalo failure as a delivery result: resend only what provably did not go out."""
    if isinstance(exc, ZaloNetworkError):
        status = DeliveryStatus.UNKNOWN if exc.maybe_sent else DeliveryStatus.RETRY
        return DeliveryResult(status, detail=str(exc))
    if isinstance(exc, ZaloRateLimited):
        return DeliveryResult(DeliveryStatus.RETRY, detail=str(exc), retry_after=1.0)
    if isinstance(exc, ZaloApiError) and exc.code >= 500:
        return DeliveryResult(DeliveryStatus.RETRY, detail=str(exc))
    if isinstance(exc, ZaloApiError) and exc.code == 403:
        return DeliveryResult(DeliveryStatus.BLOCKED, detail=str(exc))
    return DeliveryResult(DeliveryStatus.FAILED, detail=str(exc))
