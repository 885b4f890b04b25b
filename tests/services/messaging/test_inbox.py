"""The inbox keeps each update once, hands back what is pending, forgets bodies when done."""

from datetime import UTC, datetime

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
