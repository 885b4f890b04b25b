"""One way to send on every platform: its rate, replies first, retries, lost answers."""

import asyncio
import time

import pytest

from bot.channels.base import Priority
from bot.channels.sending import Part, SendGate, send_parts, send_replies
from bot.messages import DeliveryResult, DeliveryStatus, Outgoing


class Boom(Exception):
    def __init__(self, status: DeliveryStatus) -> None:
        super().__init__(status)
        self.status = status


def result_of(exc: Boom) -> DeliveryResult:
    return DeliveryResult(exc.status, detail=str(exc.status))


async def test_a_reply_goes_before_every_outbox_send_already_waiting() -> None:
    gate = SendGate(20.0)
    order: list[str] = []

    async def send(name: str, priority: Priority) -> None:
        await gate.acquire(priority)
        order.append(name)
        gate.release()

    outbox = [asyncio.create_task(send(f"row{i}", Priority.OUTBOX)) for i in range(10)]
    await asyncio.sleep(0.12)  # two or three rows went out
    await send("reply", Priority.REPLY)
    await asyncio.gather(*outbox)
    assert order.index("reply") <= 4


async def test_the_gate_keeps_every_second_under_the_rate() -> None:
    gate = SendGate(10.0)
    starts: list[float] = []

    async def send() -> None:
        await gate.acquire()
        starts.append(time.monotonic())
        gate.release()

    await asyncio.gather(*(send() for _ in range(25)))
    for first in starts:
        assert sum(first <= s < first + 1.0 for s in starts) <= 10


async def test_a_transient_failure_retries_only_the_parts_not_yet_sent() -> None:
    sent: list[int] = []
    failures = iter([None, DeliveryStatus.RETRY, None, None])

    def part(number: int) -> Part:
        async def call() -> None:
            failure = next(failures)
            if failure is not None:
                raise Boom(failure)
            sent.append(number)

        return call

    result = await send_parts(
        [part(1), part(2), part(3)],
        gate=None,
        priority=Priority.OUTBOX,
        errors=Boom,
        result_of=result_of,
    )
    assert (result.status, result.parts_sent, sent) == (DeliveryStatus.SENT, 3, [1, 2, 3])


async def test_a_lost_answer_is_not_repeated_and_the_next_part_goes_on() -> None:
    calls: list[int] = []

    def part(number: int, lost: bool = False) -> Part:
        async def call() -> None:
            calls.append(number)
            if lost:
                raise Boom(DeliveryStatus.UNKNOWN)

        return call

    result = await send_parts(
        [part(1, lost=True), part(2)],
        gate=None,
        priority=Priority.OUTBOX,
        errors=Boom,
        result_of=result_of,
    )
    assert calls == [1, 2]
    assert (result.status, result.detail) == (DeliveryStatus.UNKNOWN, "answer lost for part 1 of 2")


async def test_a_later_attempt_skips_what_went_out() -> None:
    calls: list[int] = []

    def part(number: int) -> Part:
        async def call() -> None:
            calls.append(number)

        return call

    await send_parts(
        [part(1), part(2), part(3)],
        gate=None,
        priority=Priority.OUTBOX,
        errors=Boom,
        result_of=result_of,
        skip=2,
    )
    assert calls == [3]


@pytest.mark.parametrize(
    ("status", "handed_over"),
    [(DeliveryStatus.RETRY, ["a", "b", "c"]), (DeliveryStatus.BLOCKED, ["a"])],
)
async def test_replies_the_platform_refuses_go_back_in_order(
    status: DeliveryStatus, handed_over: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.channels.sending._backoff", lambda _result, _attempt: 0.0)
    reported: list[tuple[str, DeliveryStatus]] = []

    async def deliver(_chat: str, message: Outgoing, **_kw: object) -> DeliveryResult:
        return DeliveryResult(status)

    async def report(_chat: str, result: DeliveryResult, message: Outgoing) -> None:
        reported.append((message.text, result.status))

    replies = [Outgoing("a"), Outgoing("b"), Outgoing("c")]
    await send_replies(deliver, "1", replies, report, channel="test")
    assert [text for text, _ in reported] == handed_over
