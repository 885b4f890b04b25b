"""Drains the outbox: claims due rows, hands each to its channel, records the result."""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import DeliveryResult, DeliveryStatus, Outgoing
from bot.services import outbox

log = logging.getLogger(__name__)
BATCH = 50


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class OutboxSender:
    """One loop per process that sends what the outbox holds, at most `rate` messages a second."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        deliverers: Mapping[str, outbox.Deliverer],
        *,
        rate: float = 25.0,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """`deliverers` maps a channel name to the adapter that sends on it."""
        self._sessions, self._deliverers = sessions, deliverers
        self._interval, self._poll, self._clock = 1.0 / rate, poll_seconds, clock
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    async def run(self) -> None:
        """Send until cancelled."""
        while True:
            try:
                sent = await self.drain_once()
            except Exception:
                log.exception("outbox drain failed")
                sent = 0
            if not sent:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll)

    async def drain_once(self) -> int:
        """Send one batch per channel; the number of rows handled."""
        handled = 0
        for channel, deliverer in self._deliverers.items():
            async with self._sessions.begin() as session:
                claimed = await outbox.claim_due(
                    session, channel=channel, now=self._clock(), limit=BATCH
                )
            for message_id, chat_id, message in claimed:
                result = await self._deliver(deliverer, chat_id, message)
                async with self._sessions.begin() as session:
                    await outbox.record_result(
                        session, message_id=message_id, result=result, now=self._clock()
                    )
                handled += 1
                await asyncio.sleep(self._interval)
        return handled

    @staticmethod
    async def _deliver(
        deliverer: outbox.Deliverer, chat_id: str, message: Outgoing
    ) -> DeliveryResult:
        try:
            return await deliverer.deliver(chat_id, message)
        except Exception as exc:
            log.exception("delivery to a %s chat failed", type(deliverer).__name__)
            return DeliveryResult(DeliveryStatus.RETRY, detail=type(exc).__name__)
