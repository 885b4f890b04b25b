"""PTB's Bot on our aiohttp request class, against the fake Bot API: PTB's contract kept."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.http import AiohttpRequest
from tests.fakes.telegram_api import FakeTelegram

USER = 6001


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        server.add_user(USER, "Hồ Thị Kiểm")
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(fake.token, base_url=fake.base_url, request=AiohttpRequest()) as client:
        yield client


async def test_calls_fields_and_uploads_reach_the_api(bot: Bot, fake: FakeTelegram) -> None:
    assert bot.username == fake.bot_user()["username"]
    await bot.send_message(USER, "Xin chào, trợ lý đây", reply_markup=None)
    document = await bot.send_document(USER, b"%PDF-1.4 to roi", filename="to-roi.pdf")
    assert fake.last_message(USER).kind == "document"
    assert document.document is not None
    assert fake.file_content(document.document.file_id) == b"%PDF-1.4 to roi"
    assert [m.text for m in fake.messages(USER) if m.kind == "text"] == ["Xin chào, trợ lý đây"]


async def test_telegram_errors_become_ptb_errors(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(USER, "một")
    retry = flood.value.retry_after
    assert (retry.total_seconds() if isinstance(retry, timedelta) else retry) == 7
    fake.block(USER)
    with pytest.raises(Forbidden):
        await bot.send_message(USER, "hai")
    fake.unblock(USER)
    fake.fail_next("sendMessage", disconnect=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "ba")


async def test_a_silent_server_is_a_timeout() -> None:
    hold = asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hold.wait()
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(read_timeout=0.2)
    await request.initialize()
    try:
        with pytest.raises(TimedOut):
            await request.post(f"http://127.0.0.1:{port}/botX/getMe")
    finally:
        hold.set()
        await request.shutdown()
        server.close()
        await server.wait_closed()


async def test_an_unopened_request_says_so() -> None:
    with pytest.raises(NetworkError, match="not initialized"):
        await AiohttpRequest().post("http://127.0.0.1:9/botX/getMe")
