"""A fake of the Zalo Bot Platform API for tests (ZALO.md §6).

`FakeZalo` serves `<root>/bot<token>/<method>` on loopback (see `tests/fakes/http.py`), so
sync and async tests can drive it alike. Like Zalo it hands out one
update per `getUpdates` (popping it: at most once) and answers `ok:false, error_code:408` when a
long poll ends empty; with a webhook set it POSTs each update there with the secret in
`X-Bot-Api-Secret-Token` (wrapped in `{ok, result}` or not) and refuses getUpdates with 409. It
records everything the bot sent, enforces the documented limits (2,000 characters, photos by URL
only, secrets of 8-256 characters) and has fault knobs: errors (5xx, 429, any code), a dropped
answer after the send is recorded, duplicate webhook deliveries, a send-rate cap. It also hosts
the photos users "send" (`/cdn/...`), which can be made to expire.

Error answers come with HTTP 200 by default (whether Zalo mirrors the code in the HTTP status is
unknown, and `ok:false` inside a 200 is the harder case); `mirror_status=True` mirrors it.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
from aiohttp import web

from tests.fakes.http import Fault, Faults, LoopbackServer, cut

JsonDict = dict[str, Any]

TEXT_LIMIT: Final = 2000
SECRET_HEADER: Final = "X-Bot-Api-Secret-Token"
_URL: Final = re.compile(r"https?://[^\s/]+(/\S*)?")
_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{8,256}")
# Bytes shaped like a JPEG (SOI, JFIF header, EOI): enough for a download to be checked.
JPEG: Final = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01" + bytes(64) + b"\xff\xd9"


def text_units(text: str) -> int:
    """Length as the strictest counter sees it (UTF-16 units of the NFC text)."""
    return len(unicodedata.normalize("NFC", text).encode("utf-16-le")) // 2


class ApiError(Exception):
    """An `ok:false` answer."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code} {description}")
        self.code, self.description = code, description


@dataclass(frozen=True)
class Sent:
    """A message the bot sent: text, or a photo URL with its caption."""

    chat_id: str
    kind: str
    text: str
    message_id: str
    photo: str | None = None


@dataclass(frozen=True)
class Call:
    """One API request as the fake saw it, with the error it answered (None: ok)."""

    method: str
    params: JsonDict
    error_code: int | None


@dataclass(frozen=True)
class Delivery:
    """One webhook POST: the body and the status the bot answered (0: no answer)."""

    body: JsonDict
    status: int


@dataclass
class _Webhook:
    url: str
    secret: str
    updated_at: int


@dataclass
class _State:
    users: dict[str, str] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)
    queue: deque[JsonDict] = field(default_factory=deque)
    webhook: _Webhook | None = None
    sent: list[Sent] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    photos: dict[str, bytes] = field(default_factory=dict)
    send_times: deque[float] = field(default_factory=deque)
    duplicate_next: int = 0


class FakeZalo(LoopbackServer):
    """A local Zalo Bot API server that tests own; all public methods are thread-safe."""

    name = "fake-zalo"

    def __init__(
        self,
        token: str = "4242424242:zalo-test-token",  # noqa: S107 (made up for tests)
        *,
        bot_name: str = "Bot Hà Tĩnh SPC (test)",
        webhook_wrapped: bool = True,
        mirror_status: bool = False,
        max_poll_wait: float = 30.0,
    ) -> None:
        """Describe the bot; nothing listens until `start()`.

        Args:
            token: the only token accepted; others get 401.
            bot_name: getMe's account_name.
            webhook_wrapped: POST `{ok, result: event}` (True) or the bare event (False).
            mirror_status: answer errors with the error code as HTTP status too.
            max_poll_wait: cap on a long poll's wait, whatever `timeout` the bot asks for.
        """
        super().__init__()
        self.token, self.bot_name = token, bot_name
        self.webhook_wrapped, self.mirror_status = webhook_wrapped, mirror_status
        self._max_poll_wait = max_poll_wait
        self._cond = self.cond
        self._state = _State()
        self.faults = Faults(self.cond)
        self._ids = itertools.count(1)
        self._rate: float | None = None
        self._arrived: asyncio.Event | None = None

    def routes(self, app: web.Application) -> None:
        """The API and the photos users "send"."""
        app.router.add_post("/bot{token}/{method}", self._handle_api)
        app.router.add_get("/cdn/{name}", self._handle_photo)

    async def on_start(self) -> None:
        """Long polls wait on this event."""
        self._arrived = asyncio.Event()

    # ------------------------------------------------------------------ HTTP

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        try:
            params = await _read_params(request)
        except ApiError as exc:
            return self._error(exc)
        if request.match_info["token"] != self.token:
            self._record(method, params, 401)
            return self._error(ApiError(401, "Unauthorized"))
        fault = self.faults.take(method)
        if fault is not None and not fault.carried_out:
            self._record(method, params, fault.error_code)
            return self._error(ApiError(fault.error_code, fault.description))
        try:
            result = await self._invoke(method, params)
        except ApiError as exc:
            self._record(method, params, exc.code)
            return self._error(exc)
        self._record(method, params, None)
        if fault is not None:  # the send is done and recorded; the answer never arrives
            return cut(request)
        return web.json_response({"ok": True, "result": result})

    async def _handle_photo(self, request: web.Request) -> web.StreamResponse:
        with self._cond:
            content = self._state.photos.get(request.match_info["name"])
        if content is None:
            return web.Response(status=404, text="expired")
        return web.Response(body=content, content_type="image/jpeg")

    def _error(self, exc: ApiError) -> web.Response:
        status = exc.code if self.mirror_status or exc.code >= 500 else 200
        body = {"ok": False, "error_code": exc.code, "description": exc.description}
        return web.json_response(body, status=status)

    def _record(self, method: str, params: JsonDict, error: int | None) -> None:
        with self._cond:
            self._state.calls.append(Call(method, params, error))
            self._cond.notify_all()

    async def _invoke(self, method: str, params: JsonDict) -> object:
        if method == "getUpdates":
            return await self._get_updates(params)
        handler = self._handlers().get(method)
        if handler is None:
            raise ApiError(404, "Method not found")
        with self._cond:
            return handler(params)

    def _handlers(self) -> dict[str, Callable[[JsonDict], object]]:
        return {
            "getMe": self._get_me,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
        }

    # ------------------------------------------------------------------ methods

    async def _get_updates(self, params: JsonDict) -> object:
        with self._cond:
            if self._state.webhook is not None:
                raise ApiError(409, "Conflict: webhook is active")
        wait = min(_number(params.get("timeout"), 30.0), self._max_poll_wait)
        deadline = time.monotonic() + wait
        assert self._arrived is not None
        while True:
            with self._cond:
                if self._state.queue:
                    return self._state.queue.popleft()
                self._arrived.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise ApiError(408, "Request timeout")
            try:
                await asyncio.wait_for(self._arrived.wait(), left)
            except TimeoutError:
                raise ApiError(408, "Request timeout") from None

    def _get_me(self, _params: JsonDict) -> object:
        bot_id = self.token.split(":", 1)[0]
        return {
            "id": bot_id,
            "account_name": self.bot_name,
            "account_type": "BASIC",
            "can_join_groups": False,
        }

    def _set_webhook(self, params: JsonDict) -> object:
        url, secret = str(params.get("url") or ""), str(params.get("secret_token") or "")
        if not _URL.fullmatch(url):
            raise ApiError(400, "url is invalid")
        if not _SECRET.fullmatch(secret):
            raise ApiError(400, "secret_token must be 8-256 characters")
        self._state.webhook = _Webhook(url, secret, _now_ms())
        return {"url": url, "updated_at": self._state.webhook.updated_at}

    def _delete_webhook(self, _params: JsonDict) -> object:
        self._state.webhook = None
        return {"url": "", "updated_at": _now_ms()}

    def _get_webhook_info(self, _params: JsonDict) -> object:
        hook = self._state.webhook
        return {"url": hook.url if hook else "", "updated_at": hook.updated_at if hook else 0}

    def _send_message(self, params: JsonDict) -> object:
        chat_id = self._target(params)
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "text is required")
        if text_units(text) > TEXT_LIMIT:
            raise ApiError(400, f"text must be at most {TEXT_LIMIT} characters")
        return self._deliver(Sent(chat_id, "text", text, self._message_id()))

    def _send_photo(self, params: JsonDict) -> object:
        chat_id = self._target(params)
        photo, caption = params.get("photo"), params.get("caption") or ""
        if not isinstance(photo, str) or not _URL.fullmatch(photo):
            raise ApiError(400, "photo must be a public image URL")
        if not isinstance(caption, str) or text_units(caption) > TEXT_LIMIT:
            raise ApiError(400, f"caption must be at most {TEXT_LIMIT} characters")
        return self._deliver(Sent(chat_id, "photo", caption, self._message_id(), photo=photo))

    def _send_chat_action(self, params: JsonDict) -> object:
        self._target(params)
        if params.get("action") not in ("typing", "upload_photo"):
            raise ApiError(400, "action is invalid")
        return True

    def _target(self, params: JsonDict) -> str:
        chat_id = str(params.get("chat_id") or "")
        if chat_id not in self._state.users:
            raise ApiError(400, "chat not found")
        if chat_id in self._state.blocked:
            raise ApiError(403, "user has blocked the bot")
        return chat_id

    def _deliver(self, sent: Sent) -> object:
        if self._rate is not None:
            now = time.monotonic()
            times = self._state.send_times
            while times and now - times[0] > 1.0:
                times.popleft()
            if len(times) >= self._rate:
                raise ApiError(429, "Too many requests")
            times.append(now)
        self._state.sent.append(sent)
        self._cond.notify_all()
        return {"message_id": sent.message_id, "date": _now_ms()}

    def _message_id(self) -> str:
        return f"{next(self._ids):020x}"

    # ------------------------------------------------------------------ users act

    def add_user(self, user_id: str, name: str) -> None:
        """A Zalo account that may talk to the bot."""
        with self._cond:
            self._state.users[user_id] = name

    def block(self, user_id: str) -> None:
        """The user blocks the bot: sends to them fail with 403."""
        with self._cond:
            self._state.blocked.add(user_id)

    def send_text(self, user_id: str, text: str) -> JsonDict:
        """The user types a message."""
        return self.inject(self.event(user_id, "message.text.received", text=text))

    def send_photo(self, user_id: str, caption: str = "") -> JsonDict:
        """The user sends a photo; it is hosted here until `expire_photos()`."""
        name = f"{next(self._ids):012x}.jpg"
        with self._cond:
            self._state.photos[name] = JPEG
        extra: JsonDict = {"photo_url": f"{self.root_url}/cdn/{name}"}
        if caption:
            extra["caption"] = caption
        return self.inject(self.event(user_id, "message.image.received", **extra))

    def send_sticker(self, user_id: str) -> JsonDict:
        """The user sends a sticker."""
        return self.inject(
            self.event(user_id, "message.sticker.received", sticker="bfe458bf64fa8da4d4eb")
        )

    def send_unsupported(self, user_id: str, *, with_message: bool = True) -> JsonDict:
        """A file, location or anything the Bot API does not describe."""
        if not with_message:
            return self.inject({"event_name": "message.unsupported.received"})
        return self.inject(self.event(user_id, "message.unsupported.received"))

    def expire_photos(self) -> None:
        """The CDN links of earlier photos stop working."""
        with self._cond:
            self._state.photos.clear()

    def event(self, user_id: str, event_name: str, **fields: object) -> JsonDict:
        """An update as Zalo shapes it (ids are strings, the date in milliseconds)."""
        with self._cond:
            name = self._state.users[user_id]
        return {
            "event_name": event_name,
            "message": {
                "message_id": self._message_id(),
                "date": _now_ms(),
                "chat": {"id": user_id, "chat_type": "PRIVATE"},
                "from": {"id": user_id, "display_name": name, "is_bot": False},
                **fields,
            },
        }

    def inject(self, event: JsonDict) -> JsonDict:
        """Queue an update for getUpdates, or POST it to the webhook when one is set."""
        if self.loop is None:
            raise RuntimeError("FakeZalo is not started")
        with self._cond:
            hook = self._state.webhook
            copies = 1 + self._state.duplicate_next
            self._state.duplicate_next = 0
            if hook is None:
                self._state.queue.append(event)
        if hook is None:
            self.call_soon(self._wake_polls)
            return event
        for _ in range(copies):
            self.run(self._post(hook, event))
        return event

    def _wake_polls(self) -> None:
        if self._arrived is not None:
            self._arrived.set()

    async def _post(self, hook: _Webhook, event: JsonDict) -> None:
        body = {"ok": True, "result": event} if self.webhook_wrapped else event
        assert self.session is not None
        status = 0
        try:
            async with self.session.post(
                hook.url, json=body, headers={SECRET_HEADER: hook.secret}
            ) as answer:
                status = answer.status
        except aiohttp.ClientError:
            status = 0
        with self._cond:
            self._state.deliveries.append(Delivery(body, status))
            self._cond.notify_all()

    # ------------------------------------------------------------------ knobs

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 500,
        description: str = "Internal Server Error",
        times: int = 1,
        after: int = 0,
    ) -> None:
        """After `after` good calls, `times` calls of `method` fail with this error (not done)."""
        self.faults.add(
            method, Fault(times, error_code=error_code, description=description, skip=after)
        )

    def drop_answer_next(self, method: str, *, times: int = 1, after: int = 0) -> None:
        """After `after` good calls, `times` calls are carried out and recorded, then the
        connection drops before the answer (the caller cannot know it worked)."""
        self.faults.add(method, Fault(times, drop_answer=True, skip=after))

    def duplicate_next_delivery(self, copies: int = 1) -> None:
        """The next webhook update is POSTed `1 + copies` times."""
        with self._cond:
            self._state.duplicate_next = copies

    def limit_rate(self, sends_per_second: float | None) -> None:
        """Answer 429 to sends beyond this many in any second (None: no cap)."""
        with self._cond:
            self._rate = sends_per_second

    # ------------------------------------------------------------------ what the bot did

    @property
    def webhook(self) -> tuple[str, str] | None:
        """The webhook URL and secret set, if any."""
        with self._cond:
            hook = self._state.webhook
            return (hook.url, hook.secret) if hook else None

    def calls(self, method: str | None = None) -> list[Call]:
        """Requests received, oldest first."""
        with self._cond:
            return [c for c in self._state.calls if method is None or c.method == method]

    def call_count(self, method: str) -> int:
        """How many times the bot called `method`."""
        return len(self.calls(method))

    def deliveries(self) -> list[Delivery]:
        """Webhook POSTs made so far."""
        with self._cond:
            return list(self._state.deliveries)

    def pending_updates(self) -> int:
        """Updates injected but not yet taken by getUpdates."""
        with self._cond:
            return len(self._state.queue)

    def messages(self, chat_id: str | None = None) -> list[Sent]:
        """What the bot sent (to one chat), oldest first."""
        with self._cond:
            return [s for s in self._state.sent if chat_id is None or s.chat_id == chat_id]

    def mark(self, chat_id: str) -> int:
        """A bookmark: how many messages the chat has so far."""
        return len(self.messages(chat_id))

    def wait_for_messages(
        self, chat_id: str, count: int, timeout: float = 15.0, *, after: int = 0
    ) -> list[Sent]:
        """Wait until the chat has `count` messages after the bookmark; return those."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self.messages(chat_id)) - after < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out waiting for {count} messages to {chat_id}:\n"
                        + self.describe(chat_id)
                    )
                self._cond.wait(left)
            return self.messages(chat_id)[after:]

    def wait_for_text(
        self, chat_id: str, contains: str, timeout: float = 15.0, *, after: int = 0
    ) -> Sent:
        """Wait for a message to the chat (after the bookmark) whose text contains `contains`."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for sent in self.messages(chat_id)[after:]:
                    if contains in sent.text:
                        return sent
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"timed out waiting for {contains!r} to {chat_id}:\n"
                        + self.describe(chat_id)
                    )
                self._cond.wait(left)

    def wait_for_call(self, method: str, count: int = 1, timeout: float = 15.0) -> None:
        """Wait until `method` was called `count` times."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.call_count(method) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {count} {method} calls")
                self._cond.wait(left)

    def describe(self, chat_id: str) -> str:
        """The chat's messages, for failure output."""
        return (
            "\n".join(f"  [{s.kind}] {s.photo or ''}{s.text!r}" for s in self.messages(chat_id))
            or "  (nothing)"
        )


async def _read_params(request: web.Request) -> JsonDict:
    """JSON (what the docs show) or a form (what the official SDKs send)."""
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except json.JSONDecodeError:
            raise ApiError(400, "Bad Request: invalid JSON") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: expected an object")
        return body
    return {k: v for k, v in (await request.post()).items() if isinstance(v, str)}


def _number(raw: object, default: float) -> float:
    try:
        return float(str(raw))
    except ValueError:
        return default


def _now_ms() -> int:
    return int(time.time() * 1000)
