"""The fake Bot API proves itself against python-telegram-bot on the bot's own transport."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.channels.telegram.http import AiohttpRequest
from tests.fakes.http import LoopbackServer
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegram

USER, OTHER = 1001, 1002


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        server.add_user(USER, "Lan", username="lan_ht")
        server.add_user(OTHER, "Minh")
        yield server


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    request = AiohttpRequest(read_timeout=2.0)
    async with Bot(fake.token, base_url=fake.base_url, request=request) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"Nút {d}", callback_data=d)] for d in data])


async def test_get_me_is_a_full_bot_user(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "hatinh_spc_test_bot")
    assert me.can_join_groups is True


def test_errors_have_telegram_shape_and_what_is_not_modelled_is_refused(
    fake: FakeTelegram,
) -> None:
    wrong = httpx.post(f"{fake.root_url}/bot999:NOPE/getMe")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"ok": False, "error_code": 401, "description": "Unauthorized"},
    )
    edit = httpx.post(f"{fake.base_url}{fake.token}/editMessageText", json={"chat_id": USER})
    assert edit.json()["error_code"] == 404
    html = httpx.post(
        f"{fake.base_url}{fake.token}/sendMessage",
        json={"chat_id": USER, "text": "<b>đậm</b>", "parse_mode": "HTML"},
    )
    assert html.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: the fake does not model sendMessage parameters ['parse_mode']",
    }
    assert fake.messages(USER) == []


async def test_a_message_with_its_inline_keyboard_is_recorded(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "Chọn một mục:", reply_markup=keyboard("a", "b"))
    [message] = fake.messages(USER)
    assert (message.message_id, message.text) == (sent.message_id, "Chọn một mục:")
    assert [b["callback_data"] for b in message.buttons()] == ["a", "b"]
    assert message.callback_data("Nút b") == "b"
    assert sent.reply_markup == keyboard("a", "b")
    await bot.send_message(USER, "Xong.", reply_markup=ReplyKeyboardRemove())
    assert fake.last_message(USER).reply_markup == {"remove_keyboard": True}


async def test_text_is_counted_in_utf16_units(bot: Bot) -> None:
    await bot.send_message(USER, "ả" * 4096)  # one unit each
    await bot.send_message(USER, "🌱" * 2048)  # two units each
    with pytest.raises(BadRequest, match="Message is too long"):
        await bot.send_message(USER, "🌱" * 2048 + "a")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "  ")


@pytest.mark.parametrize(("data", "ok"), [("x" * 64, True), ("x" * 65, False), ("đ" * 33, False)])
async def test_callback_data_is_counted_in_bytes(bot: Bot, data: str, ok: bool) -> None:
    if ok:
        await bot.send_message(USER, "Chọn", reply_markup=keyboard(data))
        return
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "Chọn", reply_markup=keyboard(data))


async def test_a_mini_app_button_needs_an_https_address(bot: Bot, fake: FakeTelegram) -> None:
    def app(url: str) -> InlineKeyboardMarkup:
        return InlineKeyboardMarkup([[InlineKeyboardButton("Mở", web_app=WebAppInfo(url))]])

    await bot.send_message(USER, "Mở trang", reply_markup=app("https://thi.example.vn/thi/app"))
    [button] = fake.last_message(USER).buttons()
    assert button == {"text": "Mở", "web_app": {"url": "https://thi.example.vn/thi/app"}}
    with pytest.raises(BadRequest, match="only https links are allowed"):
        await bot.send_message(USER, "Mở trang", reply_markup=app("http://127.0.0.1:8080/thi/app"))
    both = {"text": "Mở", "web_app": {"url": "https://a.vn"}, "callback_data": "x"}
    with pytest.raises(BadRequest, match="web_app button as text and web_app"):
        await bot.do_api_request(
            "sendMessage",
            api_kwargs={
                "chat_id": USER,
                "text": "x",
                "reply_markup": {"inline_keyboard": [[both]]},
            },
        )


async def test_unknown_chats_and_users_who_blocked_the_bot_are_refused(
    bot: Bot, fake: FakeTelegram
) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(4242, "Xin chào")
    fake.block(USER)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "Xin chào")
    fake.unblock(USER)
    await bot.send_message(USER, "Xin chào")
    assert [(c.chat_id, c.error_code) for c in fake.calls("sendMessage")] == [
        (4242, 400),
        (USER, 403),
        (USER, None),
    ]


async def test_faults_429_5xx_cut_delayed_and_dropped_answers(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(USER, "một")
    retry = flood.value.retry_after
    assert (retry.total_seconds() if isinstance(retry, timedelta) else retry) == 7
    fake.fail_next("sendMessage", error_code=502, description="Bad Gateway")
    with pytest.raises(NetworkError, match="Bad Gateway"):
        await bot.send_message(USER, "hai")
    fake.fail_next("sendMessage", disconnect=True)
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "ba")
    assert fake.messages(USER) == []  # none of these was carried out
    fake.drop_answer_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(USER, "bốn")
    fake.delay_next("sendMessage", 3)
    with pytest.raises(TimedOut):
        await bot.send_message(USER, "năm")  # the client waits 2 s
    assert [m.text for m in fake.messages(USER)] == ["bốn", "năm"]  # both were done


async def test_get_updates_offset_limit_and_long_poll(bot: Bot, fake: FakeTelegram) -> None:
    first = fake.send_text(USER, "/start")
    fake.send_text(OTHER, "xin chào")
    [update] = await bot.get_updates(limit=1)
    assert update.update_id == first
    assert update.message is not None
    assert update.message.text == "/start"
    assert [e.type for e in update.message.entities] == ["bot_command"]
    assert len(await bot.get_updates(offset=first + 1)) == 1
    assert fake.is_confirmed(first)
    started = time.monotonic()
    waiting = asyncio.create_task(bot.get_updates(offset=first + 2, timeout=5))
    await fake.await_until(lambda: fake.call_count("getUpdates") == 3, 5, lambda: "the poll")
    later = fake.send_text(USER, "tiếp")
    [update] = await waiting
    assert update.update_id == later
    assert time.monotonic() - started < 4


async def test_a_second_poller_ends_the_first_with_a_conflict(bot: Bot, fake: FakeTelegram) -> None:
    """Two bot processes polling with one token: the older poll ends with 409."""
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await fake.await_until(lambda: fake.call_count("getUpdates") == 1, 5, lambda: "the poll")
    async with Bot(fake.token, base_url=fake.base_url) as other:
        second = asyncio.create_task(other.get_updates(timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await first
        assert await second == ()


class Receiver(LoopbackServer):
    """A webhook endpoint answering with the statuses it is given, in turn."""

    name = "webhook-receiver"

    def __init__(self, *statuses: int) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.posts: list[tuple[str | None, Any]] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_post("/hook", self._post)

    async def _post(self, request: web.Request) -> web.Response:
        with self.cond:
            self.posts.append((request.headers.get(SECRET_HEADER), await request.json()))
            self.cond.notify_all()
            status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status)


async def test_a_webhook_gets_each_update_with_the_secret_retried_until_2xx(
    bot: Bot, fake: FakeTelegram
) -> None:
    with Receiver(500) as receiver:
        url = f"{receiver.root_url}/hook"
        await bot.set_webhook(url, secret_token="s3cret", allowed_updates=["message"])
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()
        update_id = fake.send_text(USER, "/start")
        fake.press_button(
            USER, (await bot.send_message(USER, "a", reply_markup=keyboard("x"))).message_id, "x"
        )
        await asyncio.to_thread(fake.wait_until_confirmed, update_id)
        posts = receiver.posts
    assert [(secret, body["update_id"]) for secret, body in posts] == [
        ("s3cret", update_id),
        ("s3cret", update_id),
    ]  # the press was filtered out: only messages were allowed
    assert fake.webhook is not None
    assert fake.webhook.secret_token == "s3cret"
    with pytest.raises(BadRequest, match="unallowed characters"):
        await bot.set_webhook(url, secret_token="not allowed!")
    await bot.delete_webhook()
    assert fake.webhook is None


async def test_files_by_upload_file_id_or_url(bot: Bot, fake: FakeTelegram) -> None:
    document = await bot.send_document(USER, b"%PDF-1.4 to roi", filename="to-roi.pdf")
    assert document.document is not None
    assert document.document.file_name == "to-roi.pdf"
    assert fake.file_content(document.document.file_id) == b"%PDF-1.4 to roi"
    update_id = fake.send_photo(USER)
    [update] = await bot.get_updates()
    assert update.update_id == update_id
    assert update.message is not None
    photo = update.message.photo[-1].file_id
    await bot.send_photo(OTHER, photo)  # a user's photo passed on by its id
    await bot.send_photo(OTHER, "https://example.org/to-roi.png")
    assert [m.kind for m in fake.messages(OTHER)] == ["photo", "photo"]
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(OTHER, "AgACAgIAAxk-no-such-file")
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await bot.send_document(OTHER, photo)


async def test_a_press_is_answered_once(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "Chọn", reply_markup=keyboard("ok"))
    update_id = fake.press_button(USER, sent.message_id, "ok")
    [update] = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (query.data, query.message.message_id if query.message else None) == (
        "ok",
        sent.message_id,
    )
    await query.answer()
    assert fake.wait_for_callback_answer(update_id).query_id == query.id
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()


async def test_commands_are_checked(bot: Bot, fake: FakeTelegram) -> None:
    await bot.set_my_commands([("baocao", "Báo cáo kết quả"), ("tailieu", "Tài liệu")])
    assert [c["command"] for c in fake.commands()] == ["baocao", "tailieu"]
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("BaoCao", "Báo cáo")])
    with pytest.raises(BadRequest, match="description"):
        await bot.set_my_commands([("baocao", " ")])


async def test_waiting_says_what_the_chat_got(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "Xin chào", reply_markup=keyboard("menu"))
    with pytest.raises(AssertionError, match=r"'Tạm biệt' to 1001:\n  #1 \[text\] 'Xin chào'"):
        fake.wait_for_text(USER, "Tạm biệt", timeout=0.2)
    assert fake.wait_for_text(USER, "chào").text == "Xin chào"
