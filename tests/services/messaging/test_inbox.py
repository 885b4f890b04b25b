"""The inbox keeps each update once, hands back what is pending, forgets bodies when done."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.inbox import InboxStore
from bot.services.messaging.inbox import MAX_ATTEMPTS

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


def body(key: str) -> dict[str, object]:
    return {"event_name": "message.text.received", "message": {"message_id": key, "text": "hi"}}


async def test_an_update_is_stored_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    inbox = InboxStore(sessions, clock=lambda: NOW)
    assert await inbox.store(channel="zalo", update_key="m1", chat_id="c1", body=body("m1"))
    assert not await inbox.store(channel="zalo", update_key="m1", chat_id="c1", body=body("m1"))
    assert await inbox.store(channel="other", update_key="m1", chat_id="c1", body=body("m1"))
    [entry] = await inbox.pending(channel="zalo")
    assert (entry.update_key, entry.chat_id, entry.body) == ("m1", "c1", body("m1"))


async def test_pending_in_arrival_order_until_done(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = InboxStore(sessions, clock=lambda: NOW)
    for key in ("b", "a", "c"):
        await inbox.store(channel="zalo", update_key=key, chat_id="c1", body=body(key))
    entries = await inbox.pending(channel="zalo")
    assert [e.update_key for e in entries] == ["b", "a", "c"]
    await inbox.done(entries[0].id)
    assert [e.update_key for e in await inbox.pending(channel="zalo")] == ["a", "c"]
    # A re-delivery of a processed update is still recognised.
    assert not await inbox.store(channel="zalo", update_key="b", chat_id="c1", body=body("b"))


async def test_repeated_failures_set_an_update_aside(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = InboxStore(sessions, clock=lambda: NOW)
    await inbox.store(channel="zalo", update_key="x", chat_id="c1", body=body("x"))
    [entry] = await inbox.pending(channel="zalo")
    results = [await inbox.failed(entry.id, error="Boom") for _ in range(MAX_ATTEMPTS)]
    assert results == [False] * (MAX_ATTEMPTS - 1) + [True]
    assert await inbox.pending(channel="zalo") == []


async def test_updates_arriving_together_share_one_commit_and_keep_their_order(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = InboxStore(sessions, clock=lambda: NOW)
    inserts = count_inserts(sessions)
    keys = [f"k{n}" for n in range(30)] + ["k3"]  # the last one is a re-delivery
    ids = await asyncio.gather(
        *(inbox.store(channel="zalo", update_key=k, chat_id="c1", body=body(k)) for k in keys)
    )
    assert ids[-1] is None
    assert len(set(ids[:-1])) == 30
    assert 1 <= len(inserts) < 30
    assert [e.update_key for e in await inbox.pending(channel="zalo")] == keys[:-1]


async def test_one_bad_update_does_not_fail_the_others_of_its_commit(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = InboxStore(sessions, clock=lambda: NOW)
    unstorable = {"not json": {1, 2}}
    results = await asyncio.gather(
        inbox.store(channel="zalo", update_key="good", chat_id="c1", body=body("good")),
        inbox.store(channel="zalo", update_key="bad", chat_id="c1", body=unstorable),
        inbox.store(channel="zalo", update_key="fine", chat_id="c2", body=body("fine")),
        return_exceptions=True,
    )
    assert isinstance(results[0], int)
    assert isinstance(results[1], Exception)
    assert isinstance(results[2], int)
    stored = [e.update_key for e in await inbox.pending(channel="zalo")]
    assert stored == ["good", "fine"]
    # The store keeps working after a failure.
    assert await inbox.store(channel="zalo", update_key="next", chat_id="c1", body=body("n"))


async def test_when_the_database_fails_the_batch_fails_at_once_not_one_by_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = InboxStore(sessions, clock=lambda: NOW)
    async with sessions.begin() as session:
        await session.execute(text("ALTER TABLE inbox_updates RENAME TO inbox_gone"))
    inserts = count_inserts(sessions, table="inbox_updates")
    results = await asyncio.gather(
        *(inbox.store(channel="zalo", update_key=k, chat_id="c", body=body(k)) for k in "abcde"),
        return_exceptions=True,
    )
    assert all(isinstance(result, DBAPIError) for result in results)
    # Not 1 + 5: retrying each update alone would only make every caller wait longer.
    assert 1 <= len(inserts) <= 2


def count_inserts(
    sessions: async_sessionmaker[AsyncSession], table: str = "inbox_updates"
) -> list[str]:
    """The INSERT statements run from now on the sessions' engine."""
    seen: list[str] = []
    engine = sessions.kw["bind"].sync_engine

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith(f"INSERT INTO {table}"):
            seen.append(statement)

    return seen
