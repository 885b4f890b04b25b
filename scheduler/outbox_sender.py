"""Drains the outbox: claims due rows, hands each to its channel, records the result, and tells
coordinators when a broadcast is finished.

The channel paces its own calls (its rate, replies to people in a conversation first); here
each chat gets at most one message per `chat_interval` and a few sends are in flight at once.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import DeliveryResult, DeliveryStatus, Outgoing
from bot.metrics import OUTBOX_SENDS
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.messaging import outbox
from bot.services.outreach.broadcasts import summarize_finished
from bot.services.reminders.rounds import REMINDER_BATCH
from scheduler.pacing import ChatPacers

log = logging.getLogger(__name__)
MIN_BATCH = 20
IN_FLIGHT = 16


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class Deliverer(Protocol):
    """A channel as the outbox sees it (the app passes the channel adapters)."""

    numbers_options: bool
    send_rate: float

    async def deliver(self, chat_id: str, message: Outgoing, *, skip: int = 0) -> DeliveryResult:
        """Send one message at the channel's rate, its first `skip` parts already sent."""
        ...


class OutboxSender:
    """Sends what the outbox holds, one message per `chat_interval` to any one chat."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        deliverers: Mapping[str, Deliverer],
        *,
        chat_interval: float = 1.0,
        texts: Texts | None = None,
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utc_now,
        calendar: WorkCalendar | None = None,
    ) -> None:
        """`deliverers` maps a channel name to the adapter that sends on it.

        With a `calendar`, reminders wait for working hours even when queued earlier (a sender
        that was down, or retries, must not wake anyone at night).
        """
        self._sessions, self._deliverers, self._texts = sessions, deliverers, texts
        self._calendar = calendar
        self._chat_pacers: dict[str, ChatPacers] = {}
        self._chat_interval, self._poll, self._clock = chat_interval, poll_seconds, clock
        self._in_flight = asyncio.Semaphore(IN_FLIGHT)
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
        """Send one batch per channel, then report finished broadcasts; rows handled."""
        handled = 0
        now = self._clock()
        quiet = self._calendar is not None and not self._calendar.may_send(now)
        hold = (REMINDER_BATCH,) if quiet else ()
        for channel, deliverer in list(self._deliverers.items()):
            async with self._sessions.begin() as session:
                claimed = await outbox.claim_due(
                    session,
                    channel=channel,
                    now=now,
                    limit=max(MIN_BATCH, int(deliverer.send_rate)),
                    hold=hold,
                )
            await asyncio.gather(*(self._send(channel, deliverer, row) for row in claimed))
            handled += len(claimed)
        if self._texts is not None:
            async with self._sessions.begin() as session:
                handled += await summarize_finished(session, texts=self._texts, now=self._clock())
        return handled

    async def _send(self, channel: str, deliverer: Deliverer, row: outbox.Claimed) -> None:
        chats = self._chat_pacers.setdefault(channel, ChatPacers(self._chat_interval))
        await chats.wait(row.chat_id)
        async with self._in_flight:
            result = await self._deliver(deliverer, row)
        OUTBOX_SENDS.labels(channel, result.status).inc()
        async with self._sessions.begin() as session:
            await outbox.record_result(
                session,
                message_id=row.id,
                result=result,
                now=self._clock(),
                numbered=deliverer.numbers_options,
            )

    @staticmethod
    async def _deliver(deliverer: Deliverer, row: outbox.Claimed) -> DeliveryResult:
        try:
            return await deliverer.deliver(row.chat_id, row.message, skip=row.parts_sent)
        except Exception as exc:
            log.exception("delivery to a %s chat failed", type(deliverer).__name__)
            return DeliveryResult(DeliveryStatus.RETRY, detail=type(exc).__name__)
