"""The inbox worker: every stored update processed once, each chat's in arrival order."""

import asyncio
import random
from collections import defaultdict
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.inbox_worker import InboxWorker, StoredUpdate
from bot.dialog.inbox import InboxStore


class Recorder:
    def __init__(self, inbox: InboxStore, *, fail_on: str | None = None) -> None:
        self.inbox, self.fail_on = inbox, fail_on
        self.seen: dict[str, list[int]] = defaultdict(list)
        self.attempts = 0

    async def __call__(self, entry: StoredUpdate) -> None:
        await asyncio.sleep(random.random() / 200)
        if entry.body["key"] == self.fail_on:
            self.attempts += 1
            raise RuntimeError("cannot handle this one")
        self.seen[str(entry.chat_id)].append(int(entry.body["n"]))
        await self.inbox.done(entry.id)  # what the engine does in its transaction


async def wait_for(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    """Poll a condition nothing can signal (the worker's progress) until true, or fail."""
    async with asyncio.timeout(seconds):
        while not condition():  # noqa: ASYNC110 (polling, with a deadline)
            await asyncio.sleep(0.01)


async def test_many_chats_at_once_each_in_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = InboxStore(sessions)
    recorder = Recorder(inbox)
    worker = InboxWorker(inbox, channel="test", process=recorder, chats_at_once=8)
    await worker.start()
    try:
        for n in range(10):
            await asyncio.gather(
                *(
                    worker.accept(update_key=f"{c}-{n}", chat_id=f"c{c}", body={"key": "", "n": n})
                    for c in range(20)
                )
            )
        await wait_for(lambda: sum(map(len, recorder.seen.values())) == 200)
    finally:
        await worker.stop()
    assert all(numbers == list(range(10)) for numbers in recorder.seen.values())
    assert not await inbox.pending(channel="test")


async def test_updates_left_by_a_crash_are_processed_at_start_in_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = InboxStore(sessions)
    for n in range(5):  # stored and acknowledged, then the process died
        await inbox.store(channel="test", update_key=str(n), chat_id="c1", body={"key": "", "n": n})
    recorder = Recorder(inbox)
    worker = InboxWorker(inbox, channel="test", process=recorder)
    await worker.start()
    try:
        await wait_for(lambda: len(recorder.seen["c1"]) == 5)
    finally:
        await worker.stop()
    assert recorder.seen["c1"] == [0, 1, 2, 3, 4]


async def test_a_redelivery_is_ignored(sessions: async_sessionmaker[AsyncSession]) -> None:
    inbox = InboxStore(sessions)
    recorder = Recorder(inbox)
    worker = InboxWorker(inbox, channel="test", process=recorder)
    await worker.start()
    try:
        assert await worker.accept(update_key="1", chat_id="c1", body={"key": "", "n": 1})
        assert not await worker.accept(update_key="1", chat_id="c1", body={"key": "", "n": 1})
        await wait_for(lambda: recorder.seen["c1"] == [1])
    finally:
        await worker.stop()


async def test_an_update_that_keeps_failing_is_set_aside_and_its_chat_goes_on(
    sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.channels.inbox_worker.RETRY_SECONDS", 0.01)
    inbox = InboxStore(sessions)
    recorder = Recorder(inbox, fail_on="bad")
    worker = InboxWorker(inbox, channel="test", process=recorder)
    await worker.start()
    try:
        await worker.accept(update_key="1", chat_id="c1", body={"key": "bad", "n": 1})
        await worker.accept(update_key="2", chat_id="c1", body={"key": "", "n": 2})
        await wait_for(lambda: recorder.seen["c1"] == [2])
    finally:
        await worker.stop()
    assert recorder.attempts == 3
    assert not await inbox.pending(channel="test")


async def test_under_load_a_chat_is_never_handled_twice_at_once_and_keeps_its_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """40 chats × 15 updates arriving interleaved, 6 chats at a time: each chat's updates run
    one after the other in arrival order, while several chats run at once."""
    inbox = InboxStore(sessions)
    running: dict[str, int] = defaultdict(int)
    overlaps: list[str] = []
    peak = [0]
    seen: dict[str, list[int]] = defaultdict(list)

    async def process(entry: StoredUpdate) -> None:
        chat = str(entry.chat_id)
        running[chat] += 1
        if running[chat] > 1:
            overlaps.append(chat)
        peak[0] = max(peak[0], sum(1 for n in running.values() if n))
        await asyncio.sleep(random.random() / 100)
        seen[chat].append(int(entry.body["n"]))
        await inbox.done(entry.id)
        running[chat] -= 1

    worker = InboxWorker(inbox, channel="test", process=process, chats_at_once=6)
    await worker.start()
    arrivals = [(c, n) for n in range(15) for c in random.sample(range(40), 40)]
    try:
        for c, n in arrivals:  # each chat's updates arrive in order, the chats interleaved
            await worker.accept(update_key=f"{c}-{n}", chat_id=f"c{c}", body={"n": n})
        await wait_for(lambda: sum(map(len, seen.values())) == 600, seconds=60)
    finally:
        await worker.stop()
    assert overlaps == []
    assert 1 < peak[0] <= 6
    assert sorted(seen) == sorted(f"c{c}" for c in range(40))
    assert all(numbers == list(range(15)) for numbers in seen.values())
    assert worker.backlog == 0
