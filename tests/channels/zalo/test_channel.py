"""The Zalo channel in-process with the real engine and database, against the fake server."""

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo.channel import ZaloChannel, ZaloWiring
from bot.dialog.engine import Engine
from bot.dialog.inbox import InboxStore
from bot.messages import DeliveryResult, DeliveryStatus, Outgoing
from bot.services.core.texts import Texts
from bot.settings import Listen, ZaloSettings
from bot.web.server import Address, WebServer
from db.models import InboxUpdate
from tests.fakes.http import port_taken, unused_port
from tests.fakes.zalo_api import FakeZalo

USER = "0f1e2d3c4b5a69788796"
SECRET = "channel-test-secret"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo(max_poll_wait=1.0) as server:
        server.add_user(USER, "Lê Thị Hoa")
        yield server


@pytest.fixture
def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"


Build = Callable[..., ZaloChannel]


@pytest.fixture
def build(
    fake: FakeZalo,
    engine: Engine,
    sessions: async_sessionmaker[AsyncSession],
    texts: Texts,
    content_dir: Path,
    media_dir: Path,
) -> Build:
    reports: list[DeliveryResult] = []

    async def report(_chat_id: str, result: DeliveryResult, message: Outgoing) -> None:
        reports.append(result)
        await engine.report_delivery(
            channel="zalo", chat_id=_chat_id, result=result, message=message
        )

    def make(*, webhook_port: int | None = None) -> ZaloChannel:
        settings = ZaloSettings(token=fake.token, api_base_url=fake.root_url)
        if webhook_port is not None:
            settings = ZaloSettings(
                token=fake.token,
                api_base_url=fake.root_url,
                webhook_url=f"http://127.0.0.1:{webhook_port}/zalo-hook",
                webhook_listen=Listen("127.0.0.1", webhook_port),
                webhook_secret=SECRET,
            )
        wiring = ZaloWiring(
            handle=engine.handle,
            report=report,
            inbox=InboxStore(sessions),
            render=texts.render,
            media_dir=media_dir,
        )
        return ZaloChannel(settings, wiring, poll_timeout=1)

    return make


@pytest.fixture
async def polling(build: Build) -> AsyncIterator[ZaloChannel]:
    channel = build()
    await channel.start()
    yield channel
    await channel.stop()


async def say(fake: FakeZalo, text: str, expect: str) -> str:
    mark = fake.mark(USER)
    await asyncio.to_thread(fake.send_text, USER, text)
    sent = await asyncio.to_thread(fake.wait_for_text, USER, expect, 15.0, after=mark)
    return sent.text


async def inbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[InboxUpdate]:
    async with sessions() as session:
        return list(await session.scalars(select(InboxUpdate).order_by(InboxUpdate.id)))


async def wait_processed(sessions: async_sessionmaker[AsyncSession], count: int) -> None:
    async def done() -> bool:
        rows = await inbox_rows(sessions)
        return len(rows) >= count and all(r.processed_at is not None for r in rows)

    for _ in range(750):
        if await done():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out waiting for the inbox to be processed")


async def test_polling_answers_and_keeps_no_personal_data(
    polling: ZaloChannel, fake: FakeZalo, sessions: async_sessionmaker[AsyncSession]
) -> None:
    assert fake.call_count("deleteWebhook") == 1
    text = await say(fake, "/start", "Xin chào Lê Thị Hoa")
    menu = await asyncio.to_thread(fake.wait_for_text, USER, "Gõ số thứ tự")
    assert "Xin chào Lê Thị Hoa" in text
    assert "\n1. " in menu.text  # the options numbered in the message that says how to answer
    await wait_processed(sessions, 1)
    [row] = await inbox_rows(sessions)
    assert row.channel == "zalo"
    assert (row.body, row.chat_id) == ({}, None)


async def test_a_redelivered_update_changes_nothing(
    polling: ZaloChannel, fake: FakeZalo, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await say(fake, "/toi", "Vai trò")
    before = fake.mark(USER)
    event = fake.event(USER, "message.text.received", text="/toi")
    await asyncio.to_thread(fake.inject, event)
    await asyncio.to_thread(fake.wait_for_messages, USER, 1, 15.0, after=before)
    await asyncio.to_thread(fake.inject, event)
    await say(fake, "/help", "/huy")  # later updates are answered; the copy was not
    assert len([m for m in fake.messages(USER)[before:] if "Vai trò" in m.text]) == 1
    await wait_processed(sessions, 3)
    assert len(await inbox_rows(sessions)) == 3


async def test_updates_left_by_a_crash_are_processed_at_start(
    build: Build, fake: FakeZalo, sessions: async_sessionmaker[AsyncSession]
) -> None:
    event = fake.event(USER, "message.text.received", text="/toi")
    stored = await InboxStore(sessions).store(
        channel="zalo", update_key=event["message"]["message_id"], chat_id=USER, body=event
    )
    assert stored
    channel = build()
    await channel.start()
    try:
        await asyncio.to_thread(fake.wait_for_text, USER, "Vai trò")
    finally:
        await channel.stop()


async def test_a_photo_is_downloaded_and_an_expired_one_asked_again(
    polling: ZaloChannel, fake: FakeZalo, media_dir: Path
) -> None:
    mark = fake.mark(USER)
    await asyncio.to_thread(fake.send_photo, USER)
    await asyncio.to_thread(fake.wait_for_messages, USER, 1, 15.0, after=mark)
    [stored] = await asyncio.to_thread(lambda: list(media_dir.rglob("*.jpg")))
    assert stored.read_bytes().startswith(b"\xff\xd8")
    assert stored.relative_to(media_dir).parts[0] == "zalo"
    assert stored.stat().st_mode & 0o077 == 0  # evidence is readable by the bot only

    def expired(event: dict[str, Any]) -> dict[str, Any]:
        event["message"]["photo_url"] = f"{fake.root_url}/cdn/gone.jpg"
        return event

    mark = fake.mark(USER)
    await asyncio.to_thread(
        fake.inject, expired(fake.event(USER, "message.image.received", photo_url=""))
    )
    await asyncio.to_thread(fake.wait_for_text, USER, "gửi lại ảnh", 15.0, after=mark)


async def test_stickers_and_unsupported_get_a_polite_sentence(
    polling: ZaloChannel, fake: FakeZalo
) -> None:
    for send in (fake.send_sticker, fake.send_unsupported):
        mark = fake.mark(USER)
        await asyncio.to_thread(send, USER)
        await asyncio.to_thread(fake.wait_for_text, USER, "chỉ đọc được", 15.0, after=mark)


async def test_polling_survives_server_errors_and_a_webhook_left_set(
    polling: ZaloChannel, fake: FakeZalo
) -> None:
    fake.fail_next("getUpdates", error_code=502, description="Bad Gateway")
    fake.fail_next("getUpdates", error_code=409, description="Conflict")
    await say(fake, "/toi", "Vai trò")
    assert fake.call_count("deleteWebhook") >= 2


async def test_deliver_outcomes(polling: ZaloChannel, fake: FakeZalo) -> None:
    message = Outgoing("Thông báo")
    fake.fail_next("sendMessage", error_code=503)
    assert (await polling.deliver(USER, message)).status == DeliveryStatus.RETRY
    fake.fail_next("sendMessage", error_code=429)
    result = await polling.deliver(USER, message)
    assert (result.status, result.retry_after) == (DeliveryStatus.RETRY, 1.0)
    fake.drop_answer_next("sendMessage")
    assert (await polling.deliver(USER, message)).status == DeliveryStatus.UNKNOWN
    assert [m.text for m in fake.messages(USER)] == ["Thông báo"]  # sent once, not resent
    fake.fail_next("sendMessage", error_code=400, description="bad")
    assert (await polling.deliver(USER, message)).status == DeliveryStatus.FAILED
    fake.block(USER)
    assert (await polling.deliver(USER, message)).status == DeliveryStatus.BLOCKED


async def test_a_long_message_retries_only_its_missing_parts(
    polling: ZaloChannel, fake: FakeZalo
) -> None:
    text = "\n".join(f"Dòng {i}: tuyên truyền sản xuất và tiêu dùng bền vững." for i in range(80))
    message = Outgoing(text)
    fake.fail_next("sendMessage", error_code=500, after=1)  # the second part fails once
    assert (await polling.deliver(USER, message)).status == DeliveryStatus.SENT
    pieces = [m.text for m in fake.messages(USER)]
    assert len(pieces) == 3
    assert "\n".join(pieces) == text
    fake.drop_answer_next("sendMessage", after=1)
    result = await polling.deliver(USER, message)
    assert result.status == DeliveryStatus.UNKNOWN
    assert result.detail == "answer lost for part 2 of 3"
    # The part whose answer was lost is not repeated; the part after it still goes out.
    assert len(fake.messages(USER)) == 6


async def test_webhook_mode_stores_before_answering(
    build: Build, fake: FakeZalo, sessions: async_sessionmaker[AsyncSession], texts: Texts
) -> None:
    for attempt in range(5):  # a port free a moment ago; another if it was taken in between
        port = unused_port()
        channel = build(webhook_port=port)
        route = channel.webhook
        assert route is not None
        server = WebServer([Address("127.0.0.1", port)], health=_healthy, texts=texts)
        server.add_webhook(
            name="zalo",
            path=route.path,
            secret_header=route.secret_header,
            secret=route.secret,
            accept=route.accept,
        )
        try:
            await server.start()
            break
        except OSError as exc:
            await server.stop()
            if attempt == 4 or not port_taken(str(exc)):
                raise
    await channel.start()
    try:
        assert fake.webhook == (f"http://127.0.0.1:{port}/zalo-hook", SECRET)
        fake.webhook_wrapped = False
        await say(fake, "/toi", "Vai trò")
        fake.webhook_wrapped = True
        fake.duplicate_next_delivery()
        await say(fake, "/help", "/huy")
        assert [d.status for d in fake.deliveries()] == [200, 200, 200]
        assert len(await inbox_rows(sessions)) == 2
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{port}/zalo-hook"
            wrong = await client.post(url, json={}, headers={"X-Bot-Api-Secret-Token": "nope"})
            missing = await client.post(url, json={})
        assert (wrong.status_code, missing.status_code) == (403, 401)
    finally:
        await channel.stop()
        await server.stop()


async def _healthy() -> dict[str, Any]:
    return {"database": "ok"}


async def test_a_reply_whose_answer_was_lost_is_not_resent_and_the_next_follows(
    polling: ZaloChannel, fake: FakeZalo
) -> None:
    fake.drop_answer_next("sendMessage")
    await say(fake, "/start", "Gõ số thứ tự")  # a new user: a greeting, then the menu
    texts = [m.text for m in fake.messages(USER)]
    assert len(texts) == 2
    assert texts[0].startswith("Xin chào Lê Thị Hoa")
