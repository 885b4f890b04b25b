"""The fake Zalo server proves itself with plain HTTP requests (independent of our client)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from .zalo_api import FakeZalo

USER = "a1b2c3d4e5f60718293a"


@pytest.fixture
def fake() -> Iterator[FakeZalo]:
    with FakeZalo(max_poll_wait=0.3) as server:
        server.add_user(USER, "Nguyễn Văn A")
        yield server


def call(fake: FakeZalo, method: str, token: str | None = None, **params: Any) -> httpx.Response:
    url = f"{fake.root_url}/bot{token or fake.token}/{method}"
    return httpx.post(url, json=params, timeout=10)


def test_get_me_and_a_wrong_token(fake: FakeZalo) -> None:
    me = call(fake, "getMe").json()
    assert me["ok"] is True
    assert me["result"]["account_name"] == fake.bot_name
    wrong = call(fake, "getMe", token="1:nope")
    assert wrong.status_code == 200  # errors ride inside HTTP 200 unless mirror_status
    assert wrong.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


def test_errors_can_mirror_the_http_status() -> None:
    with FakeZalo(mirror_status=True) as fake:
        assert call(fake, "getMe", token="1:nope").status_code == 401


def test_an_empty_long_poll_is_408_after_the_wait(fake: FakeZalo) -> None:
    started = time.monotonic()
    answer = call(fake, "getUpdates", timeout="30").json()
    assert time.monotonic() - started >= 0.25
    assert answer == {"ok": False, "error_code": 408, "description": "Request timeout"}


def test_one_update_per_poll_and_each_only_once(fake: FakeZalo) -> None:
    first = fake.send_text(USER, "xin chao")
    second = fake.send_sticker(USER)
    assert call(fake, "getUpdates").json() == {"ok": True, "result": first}
    assert call(fake, "getUpdates").json() == {"ok": True, "result": second}
    assert call(fake, "getUpdates").json()["error_code"] == 408
    message = first["message"]
    assert isinstance(message["message_id"], str)
    assert message["date"] > 10**12  # milliseconds
    assert message["chat"]["id"] == message["from"]["id"] == USER


def test_a_waiting_poll_wakes_on_a_new_update() -> None:
    with FakeZalo(max_poll_wait=10) as fake:
        fake.add_user(USER, "A")
        threading.Timer(0.2, fake.send_text, (USER, "muon")).start()
        started = time.monotonic()
        answer = call(fake, "getUpdates", timeout="10").json()
        assert answer["result"]["message"]["text"] == "muon"
        assert time.monotonic() - started < 5


def test_sends_are_recorded_and_limits_enforced(fake: FakeZalo) -> None:
    assert call(fake, "sendMessage", chat_id=USER, text="Chào anh").json()["ok"] is True
    assert call(fake, "sendMessage", chat_id=USER, text="x" * 2001).json()["error_code"] == 400
    assert call(fake, "sendMessage", chat_id=USER, text="🌱" * 1001).json()["error_code"] == 400
    assert call(fake, "sendMessage", chat_id=USER, text="").json()["error_code"] == 400
    assert call(fake, "sendMessage", chat_id="nobody", text="x").json()["error_code"] == 400
    photo = call(fake, "sendPhoto", chat_id=USER, photo="https://cdn.example/a.jpg", caption="Ảnh")
    assert photo.json()["ok"] is True
    assert call(fake, "sendPhoto", chat_id=USER, photo="AgACAgIAAx").json()["error_code"] == 400
    assert call(fake, "sendChatAction", chat_id=USER, action="typing").json()["ok"] is True
    assert [(m.kind, m.text, m.photo) for m in fake.messages(USER)] == [
        ("text", "Chào anh", None),
        ("photo", "Ảnh", "https://cdn.example/a.jpg"),
    ]


def test_form_bodies_are_accepted_like_json(fake: FakeZalo) -> None:
    answer = httpx.post(
        f"{fake.root_url}/bot{fake.token}/sendMessage", data={"chat_id": USER, "text": "form"}
    )
    assert answer.json()["ok"] is True


def test_a_blocked_user_answers_403(fake: FakeZalo) -> None:
    fake.block(USER)
    assert call(fake, "sendMessage", chat_id=USER, text="x").json()["error_code"] == 403


def test_the_webhook_secret_must_be_8_to_256_characters(fake: FakeZalo) -> None:
    url = "https://bot.example/zalo"
    assert call(fake, "setWebhook", url=url, secret_token="short").json()["error_code"] == 400
    assert call(fake, "setWebhook", url=url, secret_token="x" * 257).json()["error_code"] == 400
    assert call(fake, "setWebhook", url="not a url", secret_token="x" * 8).json()["ok"] is False
    assert call(fake, "setWebhook", url=url, secret_token="x" * 8).json()["ok"] is True
    assert call(fake, "getWebhookInfo").json()["result"]["url"] == url
    assert call(fake, "getUpdates").json()["error_code"] == 409
    assert call(fake, "deleteWebhook").json()["result"]["url"] == ""
    assert call(fake, "getUpdates").json()["error_code"] == 408


def test_fault_knobs(fake: FakeZalo) -> None:
    fake.fail_next("sendMessage", error_code=500)
    answer = call(fake, "sendMessage", chat_id=USER, text="a")
    assert answer.status_code == 500
    assert answer.json()["ok"] is False
    fake.fail_next("sendMessage", error_code=429, description="Too many requests")
    assert call(fake, "sendMessage", chat_id=USER, text="b").json()["error_code"] == 429
    assert fake.messages(USER) == []
    fake.drop_answer_next("sendMessage")
    with pytest.raises(httpx.TransportError):
        call(fake, "sendMessage", chat_id=USER, text="c")
    assert [m.text for m in fake.messages(USER)] == ["c"]  # sent, though the answer was lost
    assert [c.error_code for c in fake.calls("sendMessage")] == [500, 429, None]


def test_a_send_rate_cap_answers_429(fake: FakeZalo) -> None:
    fake.limit_rate(2)
    codes = [
        call(fake, "sendMessage", chat_id=USER, text=str(i)).json().get("error_code")
        for i in range(3)
    ]
    assert codes == [None, None, 429]


def test_user_photos_are_hosted_until_they_expire(fake: FakeZalo) -> None:
    event = fake.send_photo(USER, caption="Hiện trường")
    url = event["message"]["photo_url"]
    assert event["message"]["caption"] == "Hiện trường"
    answer = httpx.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    fake.expire_photos()
    assert httpx.get(url).status_code == 404


class Hook:
    """A stand-in webhook server that records what it is sent."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[Any] = []
        self.secrets: list[str | None] = []
        received = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.bodies.append(json.loads(self.rfile.read(length)))
                received.secrets.append(self.headers.get("X-Bot-Api-Secret-Token"))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/zalo-hook"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("wrapped", [True, False])
def test_webhook_delivery_with_the_secret(wrapped: bool) -> None:
    hook = Hook()
    try:
        with FakeZalo(webhook_wrapped=wrapped) as fake:
            fake.add_user(USER, "A")
            assert call(fake, "setWebhook", url=hook.url, secret_token="hook-secret-1").json()["ok"]
            event = fake.send_text(USER, "qua webhook")
            assert hook.bodies == [{"ok": True, "result": event} if wrapped else event]
            assert hook.secrets == ["hook-secret-1"]
            assert [d.status for d in fake.deliveries()] == [200]
            fake.duplicate_next_delivery()
            fake.send_text(USER, "hai lan")
            assert len(hook.bodies) == 3
            assert hook.bodies[1] == hook.bodies[2]
    finally:
        hook.close()


def test_a_failed_delivery_is_recorded() -> None:
    hook = Hook(status=403)
    try:
        with FakeZalo() as fake:
            fake.add_user(USER, "A")
            call(fake, "setWebhook", url=hook.url, secret_token="hook-secret-1")
            fake.send_text(USER, "x")
            assert [d.status for d in fake.deliveries()] == [403]
    finally:
        hook.close()
