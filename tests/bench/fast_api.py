"""A small, fast fake of the Bot API for load: just what an inbound benchmark needs.

`tests/fakes/telegram_api.py` is the strict fake (every parameter checked, every call recorded,
one lock for all, aiohttp); under load its own cost would compete with the bot for this
machine's two cores. This
one speaks plain HTTP/1.1 with keep-alive on asyncio streams, answers getMe, setWebhook,
setMyCommands, sendMessage and answerCallbackQuery with Telegram's shapes, checks what the
benchmark relies on (token, chat_id, text, known callback query ids) and hands every sent message
to a per-chat queue, so the harness measures latency by awaiting, never by sleeping.

It runs in a background thread with its own event loop; the harness runs its coroutines on that
same loop with `run()`, so the fake and the simulated users share one loop and no locks.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self, TypeVar
from urllib.parse import parse_qsl

JsonDict = dict[str, Any]
T = TypeVar("T")
TEXT_LIMIT = 4096
_REASONS = {
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    411: "Length Required",
    429: "Too Many Requests",
}


class ApiError(Exception):
    """An error answer in Telegram's shape."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        """Keep the HTTP status, Telegram's description and any retry hint."""
        super().__init__(f"{code} {description}")
        self.code, self.description, self.retry_after = code, description, retry_after


@dataclass
class FloodLimits:
    """Telegram's flood limits, enforced when set: at most `cap` messages in any sliding second
    in all, and one message per `chat_interval` seconds to a chat; refused with a 429."""

    cap: float = 30.0
    chat_interval: float = 1.0
    window: deque[float] = field(default_factory=deque)
    chat_last: dict[int, float] = field(default_factory=dict)
    violations: int = 0
    chat_violations: int = 0
    peak: int = 0

    def admit(self, chat_id: int, now: float) -> None:
        """Count the message in, or raise the 429 Telegram would answer."""
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) >= self.cap:
            self.violations += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        last = self.chat_last.get(chat_id)
        if last is not None and now - last < self.chat_interval:
            self.chat_violations += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1)
        self.window.append(now)
        self.chat_last[chat_id] = now
        self.peak = max(self.peak, len(self.window))


@dataclass(frozen=True)
class Sent:
    """A message the bot sent, with the moment the fake received the call."""

    at: float
    message: JsonDict

    def callback_data(self) -> list[str]:
        """The callback data of the message's inline buttons, row by row."""
        markup = self.message.get("reply_markup") or {}
        return [
            str(button["callback_data"])
            for row in markup.get("inline_keyboard", [])
            for button in row
            if "callback_data" in button
        ]


class FastBotApi:
    """The Bot API on a free loopback port, with per-chat queues of what the bot sent."""

    def __init__(
        self,
        token: str = "123456:BENCH-TOKEN",  # noqa: S107 - a made-up token for the fake
        bot_username: str = "hatinh_spc_bench_bot",
    ) -> None:
        """Describe the bot; nothing listens until `start()`."""
        self.token, self.bot_username = token, bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.errors: list[str] = []
        self.limits: FloodLimits | None = None
        self.counts: dict[str, int] = {}
        self.webhook: JsonDict = {}
        self.webhooks_set = 0
        self.connections = 0
        self._inbox: dict[int, asyncio.Queue[Sent]] = {}
        self._queries: dict[str, bool] = {}
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(500_000_001)
        self._prefix = f"/bot{token}/"
        self._webhook_event: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._port = 0
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: dict[str, Callable[[JsonDict], object]] = {
            "getme": lambda _p: self.bot_user(),
            "setwebhook": self._set_webhook,
            "deletewebhook": lambda _p: True,
            "getwebhookinfo": self._webhook_info,
            "setmycommands": lambda _p: True,
            "deletemycommands": lambda _p: True,
            "close": lambda _p: True,
            "logout": lambda _p: True,
            "sendmessage": self._send_message,
            "answercallbackquery": self._answer_callback_query,
        }

    # ------------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        """Serve on 127.0.0.1 from a background thread; returns once the port is open."""
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="fast-bot-api", daemon=True)
        self._thread.start()
        self.run(self._serve_start(), timeout=10)
        return self

    def stop(self) -> None:
        """Close the port and end the loop's thread."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self.run(self._serve_stop(), timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        self._loop = self._thread = None

    def __enter__(self) -> Self:
        """Start for a `with` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop at the end of a `with` block."""
        self.stop()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        """Run a coroutine on the fake's loop (from another thread) and return its result."""
        assert self._loop is not None, "FastBotApi is not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    @property
    def root_url(self) -> str:
        """What TELEGRAM_API_BASE_URL takes, e.g. http://127.0.0.1:PORT."""
        return f"http://127.0.0.1:{self._port}"

    async def _serve_start(self) -> None:
        self._webhook_event = asyncio.Event()
        self._server = await asyncio.start_server(self._connection, "127.0.0.1", 0)
        self._port = int(self._server.sockets[0].getsockname()[1])

    async def _serve_stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):  # keep-alive connections (3.11 has no close_clients)
                writer.close()
            await self._server.wait_closed()

    # ------------------------------------------------------------------- for the harness

    def bot_user(self) -> JsonDict:
        """The bot's User object as getMe returns it."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Bench bot",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def next_update_id(self) -> int:
        """A fresh update_id, increasing across every bot this fake serves."""
        return next(self._update_ids)

    def next_id(self) -> int:
        """A fresh id for a message or a callback query."""
        return next(self._ids)

    def new_query(self) -> str:
        """Register a callback query id the bot is expected to answer."""
        query_id = str(4_000_000_000 + next(self._ids))
        self._queries[query_id] = False
        return query_id

    def unanswered_queries(self) -> int:
        """Button presses the bot has not answered with answerCallbackQuery."""
        return sum(1 for answered in self._queries.values() if not answered)

    async def next_message(self, chat_id: int, timeout: float) -> Sent:  # noqa: ASYNC109
        """The next message the bot sends to a chat (TimeoutError after `timeout` seconds)."""
        async with asyncio.timeout(timeout):
            return await self._queue(chat_id).get()

    def leftovers(self) -> dict[int, int]:
        """Chats with messages the harness never read (more replies than it expected)."""
        return {chat: queue.qsize() for chat, queue in self._inbox.items() if queue.qsize()}

    async def wait_webhook(self, after: int, alive: Callable[[], bool], timeout: float) -> None:  # noqa: ASYNC109
        """Wait until setWebhook has been called more than `after` times, or the bot died."""
        assert self._webhook_event is not None
        async with asyncio.timeout(timeout):
            while self.webhooks_set <= after:
                if not alive():
                    raise RuntimeError("the bot exited before setting its webhook")
                self._webhook_event.clear()
                try:
                    async with asyncio.timeout(0.5):  # wake up now and then to check `alive`
                        await self._webhook_event.wait()
                except TimeoutError:
                    continue

    def reset(self) -> None:
        """Forget messages, queries and errors between two bots."""
        self.run(self._reset(), timeout=10)

    async def _reset(self) -> None:
        self._inbox.clear()
        self._queries.clear()
        self.errors.clear()
        self.connections = 0

    def _queue(self, chat_id: int) -> asyncio.Queue[Sent]:
        queue = self._inbox.get(chat_id)
        if queue is None:
            queue = self._inbox[chat_id] = asyncio.Queue()
        return queue

    # ------------------------------------------------------------------- HTTP

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                target = lines[0].split(" ")[1]
                headers = {
                    name.strip().lower(): value.strip()
                    for name, _, value in (line.partition(":") for line in lines[1:] if line)
                }
                if "chunked" in headers.get("transfer-encoding", ""):
                    self.errors.append(f"chunked request body to {target}")
                    writer.write(_response(411, {"ok": False, "error_code": 411}, close=True))
                    break
                length = int(headers.get("content-length", "0"))
                body = await reader.readexactly(length) if length else b""
                status, answer = self._call(target, headers.get("content-type", ""), body)
                writer.write(_response(status, answer))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    def _call(self, target: str, content_type: str, body: bytes) -> tuple[int, JsonDict]:
        name = target.removeprefix(self._prefix).split("?", 1)[0].lower()
        try:
            if not target.startswith(self._prefix):
                raise ApiError(401, "Unauthorized")
            handler = self._handlers.get(name)
            if handler is None:
                raise ApiError(404, "Not Found")
            self.counts[name] = self.counts.get(name, 0) + 1
            result = handler(_params(content_type, body))
        except ApiError as exc:
            answer: JsonDict = {"ok": False, "error_code": exc.code, "description": exc.description}
            if exc.retry_after is not None:  # a flood-limit refusal: counted in `limits`
                answer["parameters"] = {"retry_after": exc.retry_after}
            else:
                self.errors.append(f"{name}: {exc}")
            return exc.code, answer
        return 200, {"ok": True, "result": result}

    # ------------------------------------------------------------------- methods

    def _set_webhook(self, params: JsonDict) -> object:
        self.webhook = {"url": params.get("url"), "secret_token": params.get("secret_token")}
        self.webhooks_set += 1
        assert self._webhook_event is not None
        self._webhook_event.set()
        return True

    def _webhook_info(self, _params: JsonDict) -> object:
        url = self.webhook.get("url") or ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": 0}

    def _send_message(self, params: JsonDict) -> object:
        at = time.perf_counter()
        chat_id = _integer(params, "chat_id")
        text = str(params.get("text") or "")
        if not text:
            raise ApiError(400, "Bad Request: message text is empty")
        if len(text) > TEXT_LIMIT:
            raise ApiError(400, "Bad Request: message is too long")
        if self.limits is not None:
            self.limits.admit(chat_id, at)
        message: JsonDict = {
            "message_id": self.next_id(),
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Bench bot",
                "username": self.bot_username,
            },
            "chat": {"id": chat_id, "type": "private", "first_name": "Bench user"},
            "date": int(time.time()),
            "text": text,
        }
        markup = _json(params.get("reply_markup"))
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        self._queue(chat_id).put_nowait(Sent(at, message))
        return message

    def _answer_callback_query(self, params: JsonDict) -> object:
        query_id = str(params.get("callback_query_id") or "")
        if self._queries.get(query_id) is not False:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self._queries[query_id] = True
        return True


def _params(content_type: str, body: bytes) -> JsonDict:
    """Parameters as python-telegram-bot sends them: form fields (JSON inside) or a JSON body."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        try:
            value = json.loads(body)
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse JSON body") from None
        if not isinstance(value, dict):
            raise ApiError(400, "Bad Request: parameters must be a JSON object")
        return value
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    raise ApiError(400, f"Bad Request: unsupported content type {content_type!r}")


def _integer(params: JsonDict, name: str) -> int:
    try:
        return int(params[name])
    except (KeyError, TypeError, ValueError):
        raise ApiError(400, f"Bad Request: {name} is empty or not a number") from None


def _json(raw: object) -> object:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON") from None
    return raw


def _response(status: int, payload: JsonDict, *, close: bool = False) -> bytes:
    body = json.dumps(payload, ensure_ascii=False).encode()
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(["Connection: close"] if close else []),
        "",
        "",
    ]
    return "\r\n".join(lines).encode() + body
