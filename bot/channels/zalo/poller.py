"""Long polling (development mode): one update per getUpdates, stored before the next poll."""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from bot.channels.inbox_worker import store_until_committed
from bot.channels.zalo.client import (
    POLL_TIMEOUT,
    ZaloClient,
    ZaloConflict,
    ZaloError,
    ZaloUnauthorized,
)

log = logging.getLogger(__name__)

Accept = Callable[[dict[str, Any]], Awaitable[object]]
MAX_BACKOFF = 60.0


class Poller:
    """Asks Zalo for updates until cancelled; backs off on errors, never drops a popped update."""

    def __init__(
        self,
        client: ZaloClient,
        accept: Accept,
        *,
        poll_timeout: int = POLL_TIMEOUT,
        first_backoff: float = 1.0,
    ) -> None:
        """`accept` must commit the update before it returns."""
        self._client, self._accept = client, accept
        self._timeout, self._first_backoff = poll_timeout, first_backoff

    async def run(self) -> None:
        """Poll until cancelled."""
        backoff = self._first_backoff
        while True:
            try:
                update = await self._client.get_update(wait=self._timeout)
            except ZaloConflict:
                log.warning("zalo: a webhook is set; deleting it to keep polling")
                await self._delete_webhook()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            except ZaloUnauthorized:
                log.error("zalo: the token was refused (401); retrying in %.0f s", MAX_BACKOFF)
                await asyncio.sleep(MAX_BACKOFF)
                continue
            except ZaloError as exc:
                log.warning("zalo: getUpdates failed (%s); retrying in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = self._first_backoff
            if update is not None:
                await store_until_committed(
                    self._accept, update, channel="zalo", first_delay=self._first_backoff
                )

    async def _delete_webhook(self) -> None:
        try:
            await self._client.delete_webhook()
        except ZaloError as exc:
            log.warning("zalo: deleteWebhook failed (%s)", exc)
