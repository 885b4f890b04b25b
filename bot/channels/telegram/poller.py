"""Long polling: each batch of updates committed to the inbox before the next getUpdates.

Telegram forgets an update only when getUpdates is called with a higher offset, so asking
for the next batch only after the commit means a crash at any moment loses nothing.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.error import Conflict, Forbidden, InvalidToken, TelegramError

from bot.channels.inbox_worker import store_until_committed
from bot.channels.telegram.inbound import ALLOWED_UPDATES

log = logging.getLogger(__name__)
Accept = Callable[[dict[str, Any]], Awaitable[object]]
MAX_BACKOFF = 60.0


class Poller:
    """Asks Telegram for updates until cancelled; backs off on errors."""

    def __init__(self, bot: Bot, accept: Accept, *, timeout: int = 30) -> None:
        """`accept` must commit an update before it returns."""
        self._bot, self._accept, self._timeout = bot, accept, timeout

    async def run(self) -> None:
        """Poll until cancelled."""
        offset: int | None = None
        backoff = 1.0
        while True:
            try:
                updates = await self._bot.get_updates(
                    offset=offset,
                    timeout=self._timeout,
                    allowed_updates=ALLOWED_UPDATES,
                    read_timeout=self._timeout + 10,
                )
            except (InvalidToken, Forbidden) as exc:
                log.error("telegram: getUpdates refused (%s); retrying in %.0f s", exc, MAX_BACKOFF)
                await asyncio.sleep(MAX_BACKOFF)
                continue
            except Conflict:
                log.warning("telegram: a webhook is set; deleting it to keep polling")
                await self._delete_webhook()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            except TelegramError as exc:
                log.warning("telegram: getUpdates failed (%s); retrying in %.1f s", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            for update in updates:
                await store_until_committed(self._accept, update.to_dict(), channel="telegram")
                offset = update.update_id + 1

    async def _delete_webhook(self) -> None:
        try:
            await self._bot.delete_webhook()
        except TelegramError as exc:
            log.warning("telegram: deleteWebhook failed (%s)", exc)
