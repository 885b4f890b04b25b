"""A fake Bot API for the outbox benchmark: sendMessage under Telegram's flood limits.

It runs in its own process (`python -m tests.bench.outbox_fake`, which prints `PORT <n>` once it
listens), so its CPU time never competes with the sender's for the GIL. It answers getMe,
sendMessage and sendDocument in Telegram's shapes and enforces two limits the way Telegram does,
with a 429 and `retry_after`:

- the global cap: a message is refused when the sliding second before it already holds `cap`
  accepted messages, so no one-second window ever holds more than `cap`;
- the per-chat interval: a message is refused when the same chat accepted one less than
  `chat_interval` seconds before (0 turns the check off).

Every refusal counts as a violation. Each message text carries a unique token in square brackets
(`[run:n]`); a token accepted twice is a duplicate. The benchmark drives the fake through
`/control/reset` (set the limits, forget everything) and `/control/stats`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from collections import deque
from typing import Any

from aiohttp import web

TOKEN = "654321:OUTBOX-BENCH"
TEXT_LIMIT = 4096
_MARK = re.compile(r"\[([^\]\s]+)\]")
_BOT = {
    "id": 654321,
    "is_bot": True,
    "first_name": "Outbox bench",
    "username": "outbox_bench_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class Limits:
    """What the fake enforces and what it has seen since the last reset."""

    def __init__(self, cap: float = 30.0, chat_interval: float = 1.0) -> None:
        """Start counting from zero."""
        self.cap, self.chat_interval = cap, chat_interval
        self.window: deque[float] = deque()
        self.chat_last: dict[int, float] = {}
        self.tokens: dict[str, int] = {}
        self.requests = self.accepted = self.violations = self.chat_violations = 0
        self.peak = 0
        self.first = self.last = 0.0
        self.message_id = 0

    def admit(self, chat_id: int, now: float) -> str | None:
        """None when the message may go out now, else why not (a flood-limit refusal)."""
        window = self.window
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= self.cap:
            self.violations += 1
            return "global"
        last = self.chat_last.get(chat_id)
        if self.chat_interval and last is not None and now - last < self.chat_interval:
            self.chat_violations += 1
            return "chat"
        window.append(now)
        self.peak = max(self.peak, len(window))
        self.chat_last[chat_id] = now
        if not self.accepted:
            self.first = now
        self.last = now
        self.accepted += 1
        return None

    def stats(self) -> dict[str, Any]:
        """The counters, and every token accepted with how often."""
        return {
            "requests": self.requests,
            "accepted": self.accepted,
            "violations": self.violations,
            "chat_violations": self.chat_violations,
            "peak_window": self.peak,
            "span": self.last - self.first,
            "tokens": self.tokens,
        }


def _answer(result: object) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data = await request.json()
        return dict(data) if isinstance(data, dict) else {}
    return dict(await request.post())


class FakeApi:
    """The aiohttp application and its state."""

    def __init__(self) -> None:
        """No limits yet beyond Telegram's defaults."""
        self.limits = Limits()
        self.fail_documents = 0
        self.app = web.Application()
        self.app.router.add_post("/control/reset", self.reset)
        self.app.router.add_get("/control/stats", self.stats)
        self.app.router.add_route("*", "/bot{token}/{method}", self.bot_api)

    async def reset(self, request: web.Request) -> web.Response:
        """Set new limits and forget every count."""
        body = await request.json()
        self.limits = Limits(float(body["cap"]), float(body["chat_interval"]))
        self.fail_documents = int(body.get("fail_documents", 0))
        return web.json_response({"ok": True})

    async def stats(self, _request: web.Request) -> web.Response:
        """What the fake has seen since the last reset."""
        return web.json_response(self.limits.stats())

    async def bot_api(self, request: web.Request) -> web.Response:
        """One Bot API call."""
        if request.match_info["token"] != TOKEN:
            return _error(401, "Unauthorized")
        method = request.match_info["method"].lower()
        if method == "getme":
            return _answer(_BOT)
        if method not in {"sendmessage", "senddocument"}:
            return _error(404, "Not Found")
        return self.send(method, await _params(request))

    def send(self, method: str, params: dict[str, Any]) -> web.Response:  # noqa: PLR0911 (one answer per Telegram error)
        """sendMessage or sendDocument: check, apply the flood limits, record the token."""
        limits = self.limits
        limits.requests += 1
        try:
            chat_id = int(str(params.get("chat_id", "")))
        except ValueError:
            return _error(400, "Bad Request: chat not found")
        content: dict[str, Any]
        if method == "sendmessage":
            text = str(params.get("text", ""))
            if not text.strip():
                return _error(400, "Bad Request: message text is empty")
            if len(text) > TEXT_LIMIT:
                return _error(400, "Bad Request: message is too long")
            content = {"text": text}
        else:
            if self.fail_documents > 0:
                self.fail_documents -= 1
                return _error(502, "Bad Gateway")
            if not params.get("document"):
                return _error(400, "Bad Request: there is no document in the request")
            text = str(params.get("caption", ""))
            content = {"document": {"file_id": "BQAD", "file_unique_id": "AgAD"}}
        refusal = limits.admit(chat_id, time.monotonic())
        if refusal is not None:
            return _error(429, "Too Many Requests: retry after 1", retry_after=1)
        for token in _MARK.findall(text):
            limits.tokens[token] = limits.tokens.get(token, 0) + 1
        limits.message_id += 1
        message: dict[str, Any] = {
            "message_id": limits.message_id,
            "from": _BOT,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "User"},
            **content,
        }
        markup = params.get("reply_markup")
        if markup:
            message["reply_markup"] = json.loads(markup) if isinstance(markup, str) else markup
        return _answer(message)


async def serve(port: int) -> None:
    """Listen on loopback until killed; print the port first."""
    runner = web.AppRunner(FakeApi().app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, backlog=1024)
    await site.start()
    bound = runner.addresses[0][1]
    print(f"PORT {bound}", flush=True)
    await asyncio.Event().wait()


def main() -> None:
    """Entry point of the fake's process."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
