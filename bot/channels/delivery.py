"""Sending one message as several API calls, with retries, the same way on every platform."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from bot.messages import DeliveryResult, DeliveryStatus

SEND_ATTEMPTS = 3
Part = Callable[[], Awaitable[object]]
Failure = TypeVar("Failure", bound=Exception)


async def send_parts(
    parts: Sequence[Part],
    *,
    errors: type[Failure],
    result_of: Callable[[Failure], DeliveryResult],
) -> DeliveryResult:
    """Send the parts in order and say how it went.

    Once one part went out, a transient failure is retried here for the rest only: answering
    RETRY then would make the caller send the whole message again, repeating what the user has.
    """
    done = 0
    result = DeliveryResult(DeliveryStatus.SENT)
    for attempt in range(SEND_ATTEMPTS):
        try:
            while done < len(parts):
                await parts[done]()
                done += 1
        except errors as exc:
            result = result_of(exc)
        else:
            return DeliveryResult(DeliveryStatus.SENT)
        if not done:
            return result
        if result.status != DeliveryStatus.RETRY:
            return _partial(result, done, len(parts))
        await asyncio.sleep(_backoff(result, attempt))
    return _partial(DeliveryResult(DeliveryStatus.FAILED, result.detail), done, len(parts))


async def with_retries(deliver: Callable[[], Awaitable[DeliveryResult]]) -> DeliveryResult:
    """Deliver a reply, trying again (with backoff) while the platform says to retry."""
    result = DeliveryResult(DeliveryStatus.FAILED)
    for attempt in range(SEND_ATTEMPTS):
        result = await deliver()
        if result.status != DeliveryStatus.RETRY:
            return result
        await asyncio.sleep(_backoff(result, attempt))
    return result


def _backoff(result: DeliveryResult, attempt: int) -> float:
    return max(result.retry_after, 0.5 * 2.0**attempt)


def _partial(result: DeliveryResult, done: int, total: int) -> DeliveryResult:
    return DeliveryResult(result.status, detail=f"sent {done} of {total} parts: {result.detail}")
