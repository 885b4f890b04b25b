"""Sending on a platform the same way everywhere: its rate, replies first, retries, lost answers.

The policy for a send whose answer was lost (the request went out, no answer came back): it
may have arrived, so it is never sent again; the message goes on with its next part. Sends
that provably did not go out (refused connection, 5xx, 429) are retried.
"""

import asyncio
import functools
import heapq
import itertools
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.channels.base import Priority, Reporter
from bot.messages import DeliveryResult, DeliveryStatus, Outgoing
from bot.metrics import REPLIES

SEND_ATTEMPTS = 3
Part = Callable[[], Awaitable[object]]
Failure = TypeVar("Failure", bound=Exception)


class SendGate:
    """Spaces a channel's sends at its rate, and keeps any one second under the cap.

    A reply to someone talking to the bot takes the next free slot before any outbox row
    that waits, so a broadcast draining at the cap never delays a conversation by more than
    a slot. A send counts from its start until a second after its answer: the platform sees
    it somewhere in between, whatever the event loop's delays did to the planned spacing.
    """

    def __init__(
        self, rate: float, *, period: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        """At most `rate` sends a `period`."""
        self._interval, self._period, self._clock = 1.0 / rate, period, clock
        self._limit = max(1, int(rate * period))
        self._next = 0.0
        self._open = 0
        self._answered: deque[float] = deque()
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    async def acquire(self, priority: Priority = Priority.OUTBOX) -> None:
        """Wait for this send's slot; call release() once the platform answered."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), future))
        self._schedule()
        await future

    def release(self) -> None:
        """The send was answered (or failed)."""
        self._open -= 1
        self._answered.append(self._clock())
        self._schedule()

    def _schedule(self) -> None:
        if self._timer is not None or not self._waiters:
            return
        now = self._clock()
        while self._answered and self._answered[0] <= now - self._period:
            self._answered.popleft()
        start = self._next
        if len(self._answered) + self._open >= self._limit:
            if not self._answered:
                return  # every slot is in flight: release() schedules again
            start = max(start, self._answered[0] + self._period)
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(max(0.0, start - now), self._grant)

    def _grant(self) -> None:
        self._timer = None
        while self._waiters:
            _, _, future = heapq.heappop(self._waiters)
            if future.done():  # its sender was cancelled
                continue
            self._next = max(self._clock(), self._next) + self._interval
            self._open += 1
            future.set_result(None)
            break
        self._schedule()


async def send_parts(
    parts: Sequence[Part],
    *,
    gate: SendGate | None,
    priority: Priority,
    errors: type[Failure],
    result_of: Callable[[Failure], DeliveryResult],
    skip: int = 0,
) -> DeliveryResult:
    """Send the parts from `skip` on, in order, and say how it went.

    Once a part went out, a transient failure is retried here for the rest only: the result
    says how many parts are done (`parts_sent`), so a later attempt never repeats them.
    """
    done, attempt, lost = skip, 0, []
    while done < len(parts):
        result = await _send_one(parts[done], gate, priority, errors, result_of)
        if result.status == DeliveryStatus.UNKNOWN:
            lost.append(done + 1)  # perhaps delivered: not repeated; the next part goes on
        if result.status in (DeliveryStatus.SENT, DeliveryStatus.UNKNOWN):
            done += 1
            continue
        attempt += 1
        if result.status != DeliveryStatus.RETRY or attempt >= SEND_ATTEMPTS or done == skip:
            return DeliveryResult(result.status, result.detail, result.retry_after, parts_sent=done)
        await asyncio.sleep(_backoff(result, attempt))
    if lost:
        detail = f"answer lost for part {', '.join(map(str, lost))} of {len(parts)}"
        return DeliveryResult(DeliveryStatus.UNKNOWN, detail, parts_sent=done)
    return DeliveryResult(DeliveryStatus.SENT, parts_sent=done)


async def _send_one(
    part: Part,
    gate: SendGate | None,
    priority: Priority,
    errors: type[Failure],
    result_of: Callable[[Failure], DeliveryResult],
) -> DeliveryResult:
    if gate is not None:
        await gate.acquire(priority)
    try:
        await part()
    except errors as exc:
        return result_of(exc)
    finally:
        if gate is not None:
            gate.release()
    return DeliveryResult(DeliveryStatus.SENT)


async def with_retries(
    deliver: Callable[[int], Awaitable[DeliveryResult]],
) -> DeliveryResult:
    """Deliver a reply, trying again (with backoff) while the platform says to retry.

    `deliver` takes the number of parts already sent. What still fails after that is the
    caller's to hand to the outbox, which keeps trying for hours.
    """
    result = await deliver(0)
    for attempt in range(1, SEND_ATTEMPTS):
        if result.status != DeliveryStatus.RETRY:
            return result
        await asyncio.sleep(_backoff(result, attempt))
        result = await deliver(result.parts_sent)
    return result


def _backoff(result: DeliveryResult, attempt: int) -> float:
    return max(result.retry_after, 0.5 * 2.0 ** (attempt - 1))


Deliver = Callable[..., Awaitable[DeliveryResult]]


async def _reply_part(deliver: Deliver, chat_id: str, reply: Outgoing, skip: int) -> DeliveryResult:
    return await deliver(chat_id, reply, priority=Priority.REPLY, skip=skip)


async def send_replies(
    deliver: Deliver, chat_id: str, replies: list[Outgoing], report: Reporter, *, channel: str
) -> None:
    """Send a person the replies to what they wrote, in order, ahead of any broadcast.

    One that the platform will not take now goes back to the engine (to the outbox), and so do
    the replies after it, so they still arrive in order.
    """
    for index, reply in enumerate(replies):
        result = await with_retries(functools.partial(_reply_part, deliver, chat_id, reply))
        REPLIES.labels(channel, result.status).inc()
        if result.status in (DeliveryStatus.SENT, DeliveryStatus.UNKNOWN):
            continue
        await report(chat_id, result, reply)
        if result.status == DeliveryStatus.RETRY:
            for later in replies[index + 1 :]:
                await report(chat_id, DeliveryResult(DeliveryStatus.RETRY), later)
        return
