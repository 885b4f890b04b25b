"""Drains the outbox: claims due rows, hands each to its channel within the platform's rate
limits, records the result, and tells coordinators when a broadcast is finished."""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import DeliveryResult, DeliveryStatus, Outgoing
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.messaging import outbox
from bot.services.outreach.broadcasts import summarize_finished
from bot.services.reminders.rounds import REMINDER_BATCH
from scheduler.pacing import ChatPacers, Pacer, SendWindow

log = logging.getLogger(__name__)
MIN_BATCH = 20
IN_FLIGHT = 16


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class OutboxSender:
    """Sends what the outbox holds: at most `rates[channel]` messages a second in all and one
    message per `chat_interval` seconds to any one chat, a few requests in flight at once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        deliverers: Mapping[str, outbox.Deliverer],
        *,
        rates: Mapping[str, float] | None = None,
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
        self._rates = dict(rates or {})
        self._pacers: dict[str, Pacer] = {}
        self._chat_pacers: dict[str, ChatPacers] = {}
        self._windows: dict[str, SendWindow] = {}
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
            rate = self._rates.get(channel, 30.0)
            async with self._sessions.begin() as session:
                claimed = await outbox.claim_due(
                    session, channel=channel, now=now, limit=max(MIN_BATCH, int(rate)), hold=hold
                )
            await asyncio.gather(*(self._send(channel, deliverer, row) for row in claimed))
            handled += len(claimed)
        if self._texts is not None:
            async with self._sessions.begin() as session:
                handled += await summarize_finished(session, texts=self._texts, now=self._clock())
        return handled

    async def _send(
        self, channel: str, deliverer: outbox.Deliverer, row: tuple[int, str, Outgoing]
    ) -> None:
        message_id, chat_id, message = row
        rate = self._rates.get(channel, 30.0)
        pacer = self._pacers.setdefault(channel, Pacer(1.0 / rate))
        window = self._windows.setdefault(channel, SendWindow(int(rate)))
        chats = self._chat_pacers.setdefault(channel, ChatPacers(self._chat_interval))
        cost = getattr(deliverer, "cost", None)
        sends = cost(message) if cost is not None else 1
        await chats.wait(chat_id)
        async with self._in_flight:
            await pacer.wait(sends)
            await window.acquire(sends)
            try:
                result = await self._deliver(deliverer, chat_id, message)
            finally:
                window.release(sends)
        async with self._sessions.begin() as session:
            await outbox.record_result(
                session,
                message_id=message_id,
                result=result,
                now=self._clock(),
                numbered=getattr(deliverer, "numbers_options", False),
            )

    @staticmethod
    async def _deliver(
        deliverer: outbox.Deliverer, chat_id: str, message: Outgoing
    ) -> DeliveryResult:
        try:
            return await deliverer.deliver(chat_id, message)
        except Exception as exc:
            log.exception("delivery to a %s chat failed", type(deliverer).__name__)
            return DeliveryResult(DeliveryStatus.RETRY, detail=type(exc).__name__)
