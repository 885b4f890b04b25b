"""The Zalo adapter: inbox-backed webhook or polling in, numbered text and URLs out."""

import asyncio
import functools
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bot.channels.base import ChannelStartError, Handler, Priority, Reporter, Webhook
from bot.channels.inbox_worker import Inbox, InboxWorker, StoredUpdate
from bot.channels.sending import SendGate, send_parts, send_replies
from bot.channels.zalo.client import (
    ZaloApiError,
    ZaloClient,
    ZaloError,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloUnauthorized,
)
from bot.channels.zalo.inbound import CHANNEL, IMAGE_EVENT, ZaloUpdate, parse_update, to_incoming
from bot.channels.zalo.media import PhotoDownloadError, PhotoStore
from bot.channels.zalo.poller import Poller
from bot.channels.zalo.render import (
    Link,
    MediaSource,
    PhotoSend,
    Render,
    Send,
    no_link,
    plan_sends,
)
from bot.messages import DeliveryResult, DeliveryStatus, Outgoing
from bot.settings import ZaloSettings

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)


@dataclass(frozen=True)
class ZaloWiring:
    """What the adapter needs from the app besides its settings."""

    handle: Handler
    report: Reporter
    inbox: Inbox
    render: Render
    media_dir: Path
    # A signed public URL for a file of ours (the web server serves it), or None.
    file_link: Link = no_link


class ZaloChannel:
    """The Zalo adapter; holds no rules, only translation, transport and the inbox."""

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
        send_rate: float = 10.0,
    ) -> None:
        """Build the client; nothing touches the network until start()."""
        assert settings.token is not None  # noqa: S101 (the app only builds us with a token)
        self._settings, self._wiring = settings, wiring
        self.send_rate = send_rate
        self.client = ZaloClient(
            settings.token, base_url=settings.api_base_url, transport=transport
        )
        self._photos = PhotoStore(wiring.media_dir, transport=transport)
        self._media = MediaSource(wiring.file_link)
        self._poll_timeout = poll_timeout
        self._gate = SendGate(send_rate)
        self._worker = InboxWorker(wiring.inbox, channel=CHANNEL, process=self._process)
        self._poller: asyncio.Task[None] | None = None

    @property
    def webhook(self) -> Webhook | None:
        """The route Zalo posts to, in webhook mode."""
        settings = self._settings
        if not (settings.webhook_url and settings.webhook_secret):
            return None
        path = urlsplit(settings.webhook_url).path or "/"
        return Webhook(path, SECRET_HEADER, settings.webhook_secret, self.accept)

    async def start(self) -> None:
        """Check the token, take up what a crash left, then take webhooks or poll."""
        try:
            me = await self.client.get_me()
        except ZaloUnauthorized:
            raise ChannelStartError("ZALO_BOT_TOKEN", "refused by the Zalo API (401)") from None
        except ZaloError as exc:
            raise ChannelStartError("ZALO_API_BASE_URL", f"Zalo API failed: {exc}") from None
        log.info("zalo: bot %s", me.id)
        await self._worker.start()
        settings = self._settings
        if settings.webhook_url and settings.webhook_secret:
            await self.client.set_webhook(settings.webhook_url, settings.webhook_secret)
            log.info("zalo: webhook")
        else:
            await self.client.delete_webhook()
            poller = Poller(self.client, self.accept, poll_timeout=self._poll_timeout)
            self._poller = asyncio.create_task(poller.run(), name="zalo-poll")
            log.info("zalo: polling")

    async def stop(self) -> None:
        """Stop receiving, let the updates in hand finish, close the connections."""
        if self._poller is not None:
            self._poller.cancel()
            await asyncio.gather(self._poller, return_exceptions=True)
        await self._worker.stop()
        await self.client.aclose()
        await self._photos.aclose()

    @property
    def backlog(self) -> int:
        """Updates stored and not processed yet."""
        return self._worker.backlog

    # ------------------------------------------------------------------ inbound

    async def accept(self, body: dict[str, Any]) -> bool:
        """Commit a received body to the inbox (a re-delivery is ignored); False if not Zalo's."""
        update = parse_update(body)
        if update is None:
            log.info("zalo: ignored a body that is not a Zalo event")
            return False
        await self._worker.accept(update_key=update.key, chat_id=update.chat_id, body=body)
        return True

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
        incoming = to_incoming(update, photo_ref=photo_ref, inbox_id=entry.id)
        if incoming is None:
            await self._wiring.inbox.done(entry.id, error="ignored")
            return
        await self._reply(incoming.chat_id, await self._wiring.handle(incoming))

    async def _fetch_photo(self, update: ZaloUpdate) -> str | None:
        assert update.photo_url is not None  # noqa: S101 (checked by the caller)
        try:
            return await self._photos.fetch(update.photo_url, key=update.key)
        except PhotoDownloadError as exc:
            log.warning("zalo: photo of update %s not downloaded: %s", update.key, exc)
            return None

    async def _reply(self, chat_id: str, replies: list[Outgoing]) -> None:
        await send_replies(self.deliver, chat_id, replies, self._wiring.report, channel=CHANNEL)

    # ------------------------------------------------------------------ outbound

    async def deliver(
        self,
        chat_id: str,
        message: Outgoing,
        *,
        priority: Priority = Priority.OUTBOX,
        skip: int = 0,
    ) -> DeliveryResult:
        """Send one message at the channel's rate and say how it went.

        Parts already accepted are never sent again, and a request whose answer was lost is not
        repeated (it may have arrived).
        """
        parts = [functools.partial(self._send, chat_id, send) for send in self._sends(message)]
        return await send_parts(
            parts,
            gate=self._gate,
            priority=priority,
            errors=ZaloError,
            result_of=result_of,
            skip=skip,
        )

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
