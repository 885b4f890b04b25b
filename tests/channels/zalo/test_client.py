"""The Zalo client against httpx.MockTransport: paths, bodies, envelopes, errors, chunking."""

import json
import logging
from collections.abc import Callable

import httpx
import pytest

from bot.channels.zalo.client import (
    MAX_TEXT,
    ZaloApiError,
    ZaloClient,
    ZaloConflict,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloUnauthorized,
    split_text,
    text_length,
)

TOKEN = "12345:s3cr3t-token"
Answer = Callable[[httpx.Request], httpx.Response]


class Recorder:
    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.answer(request)

    def body(self, index: int = -1) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.requests[index].content)
        return data


def ok(result: object) -> Answer:
    return lambda _request: httpx.Response(200, json={"ok": True, "result": result})


def error(code: int, description: str = "error", status: int = 200) -> Answer:
    body = {"ok": False, "error_code": code, "description": description}
    return lambda _request: httpx.Response(status, json=body)


def client_for(answer: Answer) -> tuple[ZaloClient, Recorder]:
    recorder = Recorder(answer)
    client = ZaloClient(
        TOKEN, base_url="https://zalo.test", transport=httpx.MockTransport(recorder)
    )
    return client, recorder


async def test_methods_post_json_to_the_token_path() -> None:
    client, recorder = client_for(ok({"message_id": "abc", "date": 1766619597466}))
    sent = await client.send_message("chat1", "Xin chào")
    await client.aclose()
    request = recorder.requests[0]
    assert request.method == "POST"
    assert request.url.path == f"/bot{TOKEN}/sendMessage"
    assert request.headers["content-type"] == "application/json"
    assert recorder.body() == {"chat_id": "chat1", "text": "Xin chào"}
    assert (sent.message_id, sent.date) == ("abc", 1766619597466)


async def test_get_me() -> None:
    client, _ = client_for(ok({"id": "4242", "account_name": "Bot SPC", "account_type": "BASIC"}))
    me = await client.get_me()
    await client.aclose()
    assert (me.id, me.name) == ("4242", "Bot SPC")


async def test_an_ok_false_inside_http_200_is_an_error() -> None:
    client, _ = client_for(error(400, "text is required"))
    with pytest.raises(ZaloApiError) as caught:
        await client.send_message("chat1", "x")
    await client.aclose()
    assert (caught.value.code, caught.value.description) == (400, "text is required")


@pytest.mark.parametrize(
    ("code", "kind"),
    [(401, ZaloUnauthorized), (409, ZaloConflict), (429, ZaloRateLimited)],
)
@pytest.mark.parametrize("status", [200, None])
async def test_error_codes_are_told_apart(
    code: int, kind: type[ZaloApiError], status: int | None
) -> None:
    client, _ = client_for(error(code, status=status or code))
    with pytest.raises(kind):
        await client.get_me()
    await client.aclose()


async def test_an_unreadable_answer_is_an_error_with_the_http_status() -> None:
    client, _ = client_for(lambda _r: httpx.Response(502, text="<html>Bad gateway</html>"))
    with pytest.raises(ZaloApiError) as caught:
        await client.get_me()
    await client.aclose()
    assert caught.value.code == 502


async def test_an_empty_poll_is_no_update() -> None:
    client, recorder = client_for(error(408, "Request timeout"))
    assert await client.get_update(wait=5) is None
    await client.aclose()
    assert recorder.body() == {"timeout": "5"}


async def test_a_poll_returns_one_update() -> None:
    update = {"event_name": "message.text.received", "message": {"message_id": "m1"}}
    client, _ = client_for(ok(update))
    assert await client.get_update() == update
    await client.aclose()


async def test_webhook_methods() -> None:
    client, recorder = client_for(ok({"url": "https://bot.example/zalo", "updated_at": 17}))
    info = await client.set_webhook("https://bot.example/zalo", "secret-123")
    assert recorder.body() == {"url": "https://bot.example/zalo", "secret_token": "secret-123"}
    assert (info.url, info.updated_at) == ("https://bot.example/zalo", 17)
    await client.get_webhook_info()
    await client.delete_webhook()
    await client.aclose()
    paths = [r.url.path.rsplit("/", 1)[1] for r in recorder.requests]
    assert paths == ["setWebhook", "getWebhookInfo", "deleteWebhook"]


async def test_photo_by_url_with_caption_and_chat_action() -> None:
    client, recorder = client_for(ok({"message_id": "p1", "date": 1}))
    await client.send_photo("chat1", "https://files.example/a.jpg", caption="Tờ rơi")
    assert recorder.body() == {
        "chat_id": "chat1",
        "photo": "https://files.example/a.jpg",
        "caption": "Tờ rơi",
    }
    await client.send_chat_action("chat1")
    await client.aclose()
    assert recorder.body() == {"chat_id": "chat1", "action": "typing"}


async def test_decomposed_vietnamese_is_sent_composed() -> None:
    client, recorder = client_for(ok({"message_id": "m", "date": 1}))
    await client.send_message("chat1", "Hà Tĩnh")  # "a" + combining grave
    await client.aclose()
    assert recorder.body()["text"] == "Hà Tĩnh"


def refuse(exc: Exception) -> Answer:
    def answer(_request: httpx.Request) -> httpx.Response:
        raise exc

    return answer


@pytest.mark.parametrize(
    ("exc", "maybe_sent"),
    [
        (httpx.ConnectError("refused"), False),
        (httpx.ConnectTimeout("slow"), False),
        (httpx.PoolTimeout("busy"), False),
        (httpx.ReadTimeout("slow"), True),
        (httpx.RemoteProtocolError("dropped"), True),
        (httpx.WriteError("broken"), True),
    ],
)
async def test_transport_failures_say_whether_the_request_may_have_arrived(
    exc: Exception, maybe_sent: bool
) -> None:
    client, _ = client_for(refuse(exc))
    with pytest.raises(ZaloNetworkError) as caught:
        await client.send_message("chat1", "x")
    await client.aclose()
    assert caught.value.maybe_sent is maybe_sent
    assert TOKEN not in str(caught.value)


async def test_the_token_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client, _ = client_for(ok({"message_id": "m", "date": 1}))
    await client.send_message("chat1", "x")
    refused, _ = client_for(error(401, "Unauthorized"))
    with pytest.raises(ZaloUnauthorized):
        await refused.get_me()
    await refused.aclose()
    await client.aclose()
    assert any("sendMessage" in r.getMessage() for r in caplog.records)  # httpx did log it
    assert all(TOKEN not in r.getMessage() for r in caplog.records)


def test_httpx_logs_no_urls_at_info() -> None:
    from bot.logs import configure_logging

    configure_logging("INFO")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    configure_logging("DEBUG")
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)


def test_short_text_is_one_piece() -> None:
    assert split_text("Xin chào") == ["Xin chào"]


def test_long_text_splits_at_paragraphs_then_lines() -> None:
    paragraph = "\n".join(["Dòng tuyên truyền về phân loại rác tại nguồn."] * 20)
    text = "\n\n".join([paragraph] * 4)
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(text_length(p) <= MAX_TEXT for p in pieces)
    assert all(not p.startswith("\n") and not p.endswith("\n") for p in pieces)
    assert "".join(pieces).replace("\n", "") == text.replace("\n", "")


def test_a_line_longer_than_the_limit_is_cut_at_spaces() -> None:
    text = "chữ " * 1200
    pieces = split_text(text)
    assert all(text_length(p) <= MAX_TEXT for p in pieces)
    assert " ".join(pieces).split() == text.split()


def test_emoji_count_double() -> None:
    text = "🌱" * 1500
    pieces = split_text(text)
    assert [text_length(p) for p in pieces] == [2000, 1000]
