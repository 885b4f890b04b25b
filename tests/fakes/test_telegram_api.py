"""The fake Bot API proves itself against python-telegram-bot, the client the bot really uses."""

from __future__ import annotations

import asyncio
import datetime as dt
import html
import io
import socket
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import httpx
import pytest
from aiohttp import web
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    MessageEntity,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    JobQueue,
)

from .telegram_api import FakeTelegram, parse_formatted

USER = 1001
OTHER = 1002

DefaultApplication: TypeAlias = Application[
    ExtBot[None],
    ContextTypes.DEFAULT_TYPE,
    dict[Any, Any],
    dict[Any, Any],
    dict[Any, Any],
    JobQueue[ContextTypes.DEFAULT_TYPE],
]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        server.add_user(USER, "Lan", last_name="Nguyễn", username="lan_ht")
        server.add_user(OTHER, "Minh")
        yield server


def make_bot(fake: FakeTelegram) -> Bot:
    return Bot(fake.token, base_url=fake.base_url, base_file_url=fake.base_file_url)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with make_bot(fake) as client:
        yield client


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(f"Nút {d}", callback_data=d)] for d in data])


# ----------------------------------------------------------------------- identity, raw HTTP


async def test_get_me_returns_a_full_bot_user(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()

    assert me.id == 123456
    assert me.is_bot is True
    assert me.username == "hatinh_spc_test_bot"
    assert me.can_join_groups is True
    assert me.supports_inline_queries is False
    assert fake.call_count("getMe") == 2  # Bot.initialize() calls getMe first


def test_raw_http_errors_have_telegram_shape(fake: FakeTelegram) -> None:
    with httpx.Client(base_url=fake.root_url) as client:
        wrong_token = client.post("/bot999:nope/getMe")
        unknown_method = client.post(f"/bot{fake.token}/sendTelepathy")

    assert wrong_token.status_code == 401
    assert wrong_token.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}
    assert unknown_method.status_code == 404
    assert unknown_method.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


def test_raw_http_accepts_json_query_and_form_case_insensitively(fake: FakeTelegram) -> None:
    markup = {"inline_keyboard": [[{"text": "Có", "callback_data": "yes"}]]}
    with httpx.Client(base_url=f"{fake.root_url}/bot{fake.token}") as client:
        by_json = client.post(
            "/SENDMESSAGE", json={"chat_id": USER, "text": "một", "reply_markup": markup}
        )
        by_query = client.get("/sendmessage", params={"chat_id": str(USER), "text": "hai"})
        by_form = client.post("/sendMessage", data={"chat_id": str(USER), "text": "ba"})

    assert [r.json()["ok"] for r in (by_json, by_query, by_form)] == [True, True, True]
    assert [m.text for m in fake.messages(USER)] == ["một", "hai", "ba"]
    assert [m.message_id for m in fake.messages(USER)] == [1, 2, 3]
    assert fake.messages(USER)[0].reply_markup == markup
    assert isinstance(by_json.json()["result"]["date"], int)


# ----------------------------------------------------------------------- sending and limits


async def test_send_message_with_inline_keyboard_is_recorded(bot: Bot, fake: FakeTelegram) -> None:
    message = await bot.send_message(USER, "Chọn một mục", reply_markup=keyboard("menu:report"))

    assert message.reply_markup == keyboard("menu:report")
    recorded = fake.last_message(USER)
    assert recorded.text == "Chọn một mục"
    assert recorded.kind == "text"
    assert recorded.callback_data("menu:report") == "menu:report"
    call = fake.sent[-1]
    assert (call.method, call.chat_id, call.ok) == ("sendMessage", USER, True)
    # PTB sends reply_markup as a JSON string inside a form; the record holds it decoded.
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Nút menu:report", "callback_data": "menu:report"}]]
    }


@pytest.mark.parametrize("data", ["x" * 65, "đ" * 33])
async def test_callback_data_over_64_bytes_is_rejected(bot: Bot, data: str) -> None:
    with pytest.raises(BadRequest, match="Button_data_invalid"):
        await bot.send_message(USER, "Chọn", reply_markup=keyboard(data))


async def test_callback_data_of_64_bytes_is_accepted(bot: Bot) -> None:
    message = await bot.send_message(USER, "Chọn", reply_markup=keyboard("đ" * 32))

    assert message.reply_markup is not None


async def test_inline_button_without_action_is_rejected(bot: Bot) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Chỉ có chữ")]])

    with pytest.raises(BadRequest, match=r"(?i)text buttons are not allowed"):
        await bot.send_message(USER, "Chọn", reply_markup=markup)


async def test_text_length_is_counted_in_utf16_units_after_parsing(bot: Bot) -> None:
    await bot.send_message(USER, "a" * 4096)
    await bot.send_message(USER, f"<b>{'a' * 4096}</b>", parse_mode="HTML")
    for too_long in ("a" * 4097, "😀" * 2049):
        with pytest.raises(BadRequest, match="Message is too long"):
            await bot.send_message(USER, too_long)


async def test_caption_over_1024_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message caption is too long"):
        await bot.send_photo(USER, io.BytesIO(b"\xff\xd8photo"), caption="c" * 1025)


async def test_blank_text_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Message must be non-empty"):
        await bot.send_message(USER, "  \n ")
    with pytest.raises(BadRequest, match="Message text is empty"):
        await bot.send_message(USER, "")


@pytest.mark.parametrize(
    "text",
    [
        "<b>chưa đóng",
        "<b>lệch</i>",
        "<div>thẻ lạ</div>",
        "<br/>",
        "a < b",
        "Tôm & cá",
        "&nbsp;",
        "<span>không phải spoiler</span>",
        "</b>",
        '<a href="https://x.vn">liên kết',
    ],
)
async def test_html_that_telegram_refuses_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, text, parse_mode="HTML")


async def test_good_html_becomes_entities(bot: Bot, fake: FakeTelegram) -> None:
    text = (
        '<b>Đậm</b> <i>nghiêng</i> <a href="https://sct.hatinh.gov.vn/?a=1&amp;b=2">Sở</a> '
        '<tg-spoiler>ẩn</tg-spoiler> <span class="tg-spoiler">ẩn</span> '
        '<blockquote expandable>trích</blockquote><pre><code class="language-python">x = 1'
        "</code></pre> &lt;3 &#x27;ok&#39; 😀<u>gạch</u>"
    )
    message = await bot.send_message(USER, text, parse_mode="HTML")

    assert message.text == "Đậm nghiêng Sở ẩn ẩn tríchx = 1 <3 'ok' 😀gạch"
    types = [entity.type for entity in message.entities]
    assert types == [
        "bold",
        "italic",
        "text_link",
        "spoiler",
        "spoiler",
        "expandable_blockquote",
        "pre",
        "underline",
    ]
    link, pre, underline = message.entities[2], message.entities[6], message.entities[7]
    assert link.url == "https://sct.hatinh.gov.vn/?a=1&b=2"
    assert pre.language == "python"
    assert message.parse_entity(underline) == "gạch"  # offsets are UTF-16: the emoji counts 2
    assert fake.last_message(USER).raw == text


async def test_html_escaped_by_the_stdlib_is_accepted(bot: Bot) -> None:
    unsafe = "<script>alert('x')</script> & \"quotes\""

    message = await bot.send_message(USER, f"<b>{html.escape(unsafe)}</b>", parse_mode="HTML")

    assert message.text == unsafe


async def test_markdown_v2_requires_escaping_reserved_characters(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)character '\.' is reserved"):
        await bot.send_message(USER, "Đã xong.", parse_mode="MarkdownV2")
    with pytest.raises(BadRequest, match="Can't parse entities"):
        await bot.send_message(USER, "*đậm", parse_mode="MarkdownV2")

    message = await bot.send_message(
        USER, "*đậm* _nghiêng_ [Sở](https://x.vn) 1\\+1\\=2\\.", parse_mode="MarkdownV2"
    )

    assert message.text == "đậm nghiêng Sở 1+1=2."
    assert [e.type for e in message.entities] == ["bold", "italic", "text_link"]


def test_parse_formatted_trims_and_shifts_entities() -> None:
    parsed = parse_formatted("  <b>x</b> y \n", "html")

    assert parsed.text == "x y"
    assert parsed.entities == ({"type": "bold", "offset": 0, "length": 1},)


async def test_unknown_chat_is_rejected(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await bot.send_message(999, "Ai đó?")


async def test_blocked_user_is_forbidden_and_bot_is_told(bot: Bot, fake: FakeTelegram) -> None:
    fake.block(USER)

    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(USER, "Nhắc việc")
    updates = await bot.get_updates()

    member = updates[-1].my_chat_member
    assert member is not None
    assert member.new_chat_member.status == "kicked"
    fake.unblock(USER, notify=False)
    await bot.send_message(USER, "Chào lại")


# ----------------------------------------------------------------------- faults


async def test_fail_next_429_raises_retry_after(
    bot: Bot, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PTB 22 warns (PTBDeprecationWarning) when RetryAfter is built with int semantics.
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake.fail_next("sendMessage", error_code=429, retry_after=1)

    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(USER, "Gửi nhanh quá")
    await bot.send_message(USER, "Gửi lại")

    assert caught.value.retry_after == dt.timedelta(seconds=1)
    assert fake.call_count("sendMessage") == 2
    assert [(c.error_code, c.description) for c in fake.calls("sendMessage")] == [
        (429, "Too Many Requests: retry after 1"),
        (None, None),
    ]
    assert [m.text for m in fake.messages(USER)] == ["Gửi lại"]


def test_429_body_carries_retry_after_parameter(fake: FakeTelegram) -> None:
    fake.fail_next("sendmessage", retry_after=7)

    answer = httpx.post(f"{fake.base_url}{fake.token}/sendMessage", json={"chat_id": USER})

    assert answer.status_code == 429
    assert answer.json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }


async def test_server_errors_and_dropped_connections(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", error_code=500)
    fake.fail_next("sendMessage", error_code=502)
    fake.fail_next("sendMessage", disconnect=True)

    for _ in range(3):
        with pytest.raises(NetworkError):
            await bot.send_message(USER, "Thử")
    await bot.send_message(USER, "Được rồi")

    assert [c.error_code for c in fake.calls("sendMessage")] == [500, 502, 0, None]
    assert fake.message_count(USER) == 1


# ----------------------------------------------------------------------- getUpdates


async def test_get_updates_offset_and_limit(bot: Bot, fake: FakeTelegram) -> None:
    ids = [fake.send_text(USER, f"tin {n}") for n in range(3)]

    first = await bot.get_updates(limit=2)
    again = await bot.get_updates(limit=2)
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    after = await bot.get_updates(offset=rest[-1].update_id + 1)

    assert [u.update_id for u in first] == ids[:2]
    assert [u.update_id for u in again] == ids[:2]  # not confirmed yet
    assert [u.update_id for u in rest] == ids[2:]
    assert after == ()
    assert fake.updates_confirmed == 3
    assert fake.pending_updates == 0


async def test_negative_offset_keeps_only_the_latest(bot: Bot, fake: FakeTelegram) -> None:
    ids = [fake.send_text(USER, f"tin {n}") for n in range(4)]

    latest = await bot.get_updates(offset=-1)

    assert [u.update_id for u in latest] == ids[-1:]
    assert fake.pending_updates == 1


async def test_long_poll_returns_as_soon_as_an_update_arrives(bot: Bot, fake: FakeTelegram) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=20))
    await fake.await_for(lambda: fake.call_count("getUpdates") == 1)

    update_id = await asyncio.to_thread(fake.send_text, USER, "/start ma-moi")
    updates = await asyncio.wait_for(poll, 10)

    assert time.monotonic() - started < 10
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None
    assert message.text == "/start ma-moi"
    assert message.parse_entities([MessageEntity.BOT_COMMAND]) == {message.entities[0]: "/start"}


async def test_long_poll_without_updates_waits_for_its_timeout(bot: Bot) -> None:
    started = time.monotonic()

    updates = await bot.get_updates(timeout=1)

    assert updates == ()
    assert time.monotonic() - started >= 0.9


async def test_a_second_poller_terminates_the_first(fake: FakeTelegram) -> None:
    async with make_bot(fake) as first, make_bot(fake) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=20))
        await fake.await_for(lambda: fake.call_count("getUpdates") == 1)

        assert await second.get_updates() == ()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await asyncio.wait_for(waiting, 10)


async def test_allowed_updates_filter_later_updates(bot: Bot, fake: FakeTelegram) -> None:
    await bot.get_updates(allowed_updates=["callback_query"])

    fake.send_text(USER, "bị lọc")

    assert fake.updates_filtered == 1
    assert await bot.get_updates() == ()


async def test_user_updates_parse_in_ptb(bot: Bot, fake: FakeTelegram) -> None:
    fake.send_photo(USER, caption="Ảnh minh chứng")
    fake.send_sticker(USER)
    fake.send_document(USER, file_name="bao-cao-q1.xlsx", mime_type="application/vnd.ms-excel")
    fake.send_location(USER, 18.34, 105.9)
    fake.send_contact(USER, "+84912345678")

    updates = await bot.get_updates()
    photo, sticker, document, location, contact = (u.message for u in updates)

    assert photo is not None
    assert photo.caption == "Ảnh minh chứng"
    assert len({size.file_id for size in photo.photo}) == 3
    assert sticker is not None
    assert sticker.sticker is not None
    assert document is not None
    assert document.document is not None
    assert document.document.file_name == "bao-cao-q1.xlsx"
    assert location is not None
    assert location.location is not None
    assert contact is not None
    assert contact.contact is not None
    assert contact.contact.user_id == USER
    assert [m.message_id for m in (photo, sticker, document, location, contact)] == [1, 2, 3, 4, 5]
    downloaded = await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == fake.file_content(photo.photo[-1].file_id)


# ----------------------------------------------------------------------- webhooks


@dataclass
class Receiver:
    """A tiny webhook endpoint: records each POST, answers 403 on a wrong secret."""

    secret: str
    url: str = ""
    received: asyncio.Queue[tuple[str | None, dict[str, object]]] = field(
        default_factory=asyncio.Queue
    )

    async def handle(self, request: web.Request) -> web.Response:
        header = request.headers.get("X-Telegram-Bot-Api-Secret-Token")
        await self.received.put((header, await request.json()))
        return web.Response(status=200 if header == self.secret else 403)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver(secret="s3cret-Token_1")
    app = web.Application()
    app.router.add_post("/tg", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    hook.url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
    yield hook
    await runner.cleanup()


async def test_get_updates_conflicts_while_a_webhook_is_set(
    bot: Bot, fake: FakeTelegram, receiver: Receiver
) -> None:
    assert await bot.set_webhook(receiver.url) is True

    with pytest.raises(Conflict, match="can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    info = await bot.get_webhook_info()
    await bot.delete_webhook()

    assert info.url == receiver.url
    assert await bot.get_updates() == ()
    assert fake.webhook is None


async def test_webhook_delivery_posts_updates_with_the_secret(
    bot: Bot, fake: FakeTelegram, receiver: Receiver
) -> None:
    early = fake.send_text(USER, "trước khi có webhook")
    await bot.set_webhook(receiver.url, secret_token=receiver.secret, max_connections=5)
    late = await asyncio.to_thread(fake.send_text, USER, "sau khi có webhook")

    first = await asyncio.wait_for(receiver.received.get(), 10)
    second = await asyncio.wait_for(receiver.received.get(), 10)
    await fake.await_for(lambda: fake.is_confirmed(late))

    assert [header for header, _ in (first, second)] == [receiver.secret] * 2
    assert [body["update_id"] for _, body in (first, second)] == [early, late]
    assert fake.webhook is not None
    assert fake.webhook.max_connections == 5
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_webhook_with_a_wrong_secret_is_retried_then_dropped(
    bot: Bot, fake: FakeTelegram, receiver: Receiver
) -> None:
    await bot.set_webhook(receiver.url, secret_token="wrong-secret")
    update_id = await asyncio.to_thread(fake.send_text, USER, "xin chào")

    await fake.await_for(lambda: fake.webhook_dropped == 1)

    deliveries = fake.webhook_deliveries
    assert [(d.update_id, d.status) for d in deliveries] == [(update_id, 403)] * 4
    assert [d.attempt for d in deliveries] == [1, 2, 3, 4]
    info = await bot.get_webhook_info()
    assert info.last_error_message == "Wrong response from the webhook: 403 Forbidden"


async def test_webhook_secret_token_must_use_allowed_characters(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="Secret token contains unallowed characters"):
        await bot.set_webhook("http://127.0.0.1:9/tg", secret_token="có dấu!")


# ----------------------------------------------------------------------- files


async def test_multipart_send_document_is_recorded_with_its_filename(
    bot: Bot, fake: FakeTelegram
) -> None:
    content = b"PK\x03\x04 fake xlsx"

    message = await bot.send_document(
        USER,
        io.BytesIO(content),
        filename="bao-cao-2026.xlsx",
        caption="<b>Báo cáo</b>",
        parse_mode="HTML",
    )

    assert message.document is not None
    assert message.document.file_name == "bao-cao-2026.xlsx"
    assert message.caption == "Báo cáo"
    recorded = fake.last_message(USER)
    assert (recorded.kind, recorded.file_name, recorded.file_size) == (
        "document",
        "bao-cao-2026.xlsx",
        len(content),
    )
    assert fake.sent[-1].params["document"]["filename"] == "bao-cao-2026.xlsx"
    downloaded = await (await bot.get_file(message.document.file_id)).download_as_bytearray()
    assert bytes(downloaded) == content


async def test_photos_by_upload_file_id_and_url(bot: Bot, fake: FakeTelegram) -> None:
    uploaded = await bot.send_photo(USER, io.BytesIO(b"\xff\xd8" + bytes(5000)), caption="Ảnh")
    again = await bot.send_photo(USER, uploaded.photo[-1].file_id)
    by_url = await bot.send_photo(USER, "https://example.org/poster.jpg")

    assert len({size.file_id for size in uploaded.photo}) == 3
    assert again.photo == uploaded.photo
    assert by_url.photo
    assert fake.last_message(USER).file_url == "https://example.org/poster.jpg"
    with pytest.raises(BadRequest, match="Wrong file identifier"):
        await bot.send_photo(USER, "no-such-file-id")
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await bot.send_document(USER, uploaded.photo[-1].file_id)


# ----------------------------------------------------------------------- buttons and edits


async def test_press_button_and_answer_the_callback(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "Xác nhận?", reply_markup=keyboard("yes", "no"))
    update_id = fake.press_button(USER, sent.message_id, "yes")

    (update,) = await bot.get_updates()
    query = update.callback_query
    assert query is not None
    assert (query.data, query.from_user.id) == ("yes", USER)
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Đã ghi nhận") is True

    answer = fake.callback_answer(update_id)
    assert answer is not None
    assert answer.text == "Đã ghi nhận"
    with pytest.raises(BadRequest, match="Query is too old"):
        await query.answer()


async def test_edit_rules(bot: Bot, fake: FakeTelegram) -> None:
    sent = await bot.send_message(USER, "Bước 1", reply_markup=keyboard("next"))

    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_text("Bước 1", USER, sent.message_id, reply_markup=keyboard("next"))
    edited = await bot.edit_message_text("Bước 1", USER, sent.message_id)  # drops the keyboard
    with pytest.raises(BadRequest, match="Message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await bot.edit_message_text("Bước 2", USER, 999)

    assert isinstance(edited, Message)  # the edited message, not True (that is for inline ones)
    assert (edited.message_id, edited.text, edited.reply_markup) == (
        sent.message_id,
        "Bước 1",
        None,
    )
    assert fake.last_message(USER).reply_markup is None
    assert fake.last_message(USER).edit_date is not None
    assert fake.message_count(USER) == 1


# ----------------------------------------------------------------------- commands, waiting


async def test_set_my_commands_is_validated(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match="Bot_command_invalid"):
        await bot.set_my_commands([("BaoCao", "Báo cáo")])
    with pytest.raises(BadRequest, match="Command description must be non-empty"):
        await bot.set_my_commands([("baocao", " ")])

    await bot.set_my_commands([("baocao", "Báo cáo kết quả"), ("huy", "Huỷ")])

    commands = await bot.get_my_commands()
    assert [(c.command, c.description) for c in commands] == [
        ("baocao", "Báo cáo kết quả"),
        ("huy", "Huỷ"),
    ]
    assert fake.commands()[0] == {"command": "baocao", "description": "Báo cáo kết quả"}


async def test_wait_for_text_reports_what_the_chat_received(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(USER, "Chào bạn", reply_markup=keyboard("menu"))
    with pytest.raises(BadRequest):
        await bot.send_message(USER, "<b>hỏng", parse_mode="HTML")

    with pytest.raises(AssertionError) as caught:
        await fake.await_text(USER, "không bao giờ đến", timeout=0.2)

    report = str(caught.value)
    assert "'Chào bạn'" in report
    assert "Nút menu" in report
    assert "rejected sendMessage: 400" in report


# ----------------------------------------------------------------------- PTB applications


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def build_application(fake: FakeTelegram) -> DefaultApplication:
    application = (
        Application.builder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
        .build()
    )

    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        await update.message.reply_text(
            "Chào <b>bạn</b>", parse_mode="HTML", reply_markup=keyboard("yes")
        )

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"Đã chọn {query.data}")

    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(pressed))
    return application


async def converse(fake: FakeTelegram) -> None:
    fake.send_text(USER, "/start")
    greeting = await fake.await_text(USER, "Chào bạn")
    update_id = fake.press_button(USER, greeting.message_id, greeting.callback_data("yes"))
    await fake.await_callback_answer(update_id)
    await fake.await_text(USER, "Đã chọn yes")


async def test_ptb_application_runs_in_polling_mode(fake: FakeTelegram) -> None:
    application = build_application(fake)
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=dt.timedelta(seconds=5))
        await application.start()
        await converse(fake)
        await application.updater.stop()
        await application.stop()

    assert fake.call_count("deleteWebhook") == 1
    assert fake.pending_updates == 0
