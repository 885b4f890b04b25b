"""Platform webhooks: the secret is checked before the body is read, bodies are small and
quick, and the platform is answered 200 only once the update is committed to the inbox."""

import asyncio
import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.metrics import WEBHOOK_REFUSED
from bot.web.quiet_log import QuietLog

log = logging.getLogger(__name__)
# A Telegram or Zalo update is a few kilobytes; anything near this is not one.
MAX_BODY = 256 * 1024
BODY_SECONDS = 10.0
Accept = Callable[[dict[str, Any]], Awaitable[bool]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def webhook_handler(*, name: str, secret_header: str, secret: str, accept: Accept) -> Handler:
    """The aiohttp handler of one platform's webhook path."""
    expected = secret.encode()
    refusals = QuietLog(log)

    def refuse(status: int, reason: str) -> web.Response:
        WEBHOOK_REFUSED.labels(reason).inc()
        refusals.warning(reason, "%s webhook: refused a request (%s)", name, reason)
        return web.json_response({"ok": False}, status=status)

    async def handle(request: web.Request) -> web.StreamResponse:
        problem = _check_headers(request, secret_header, expected)
        body = None
        if problem is None:
            problem, body = await _read_update(request)
        if problem is not None or body is None:
            return refuse(*(problem or (400, "not a JSON object")))
        try:
            await accept(body)
        except Exception:
            # Not stored: an error status makes the platform deliver it again.
            log.exception("%s webhook: could not store an update", name)
            return web.json_response({"ok": False}, status=500)
        return web.json_response({"ok": True})

    return handle


def _check_headers(
    request: web.Request, secret_header: str, expected: bytes
) -> tuple[int, str] | None:
    """A refusal from the headers alone (nothing of the body is read), or None."""
    given = request.headers.get(secret_header)
    if given is None:
        return 401, "no secret"
    if not hmac.compare_digest(given.encode(), expected):
        return 403, "wrong secret"
    if (request.content_length or 0) > MAX_BODY:
        return 413, "body too large"
    return None


async def _read_update(
    request: web.Request,
) -> tuple[tuple[int, str] | None, dict[str, Any] | None]:
    """The body as a JSON object, or the refusal: too slow, too large, not JSON."""
    try:
        raw = await asyncio.wait_for(_read_body(request), BODY_SECONDS)
    except TimeoutError:
        return (408, "body too slow"), None
    if raw is None:
        return (413, "body too large"), None
    body = _json_object(raw)
    return (None, body) if body is not None else ((400, "not a JSON object"), None)


async def _read_body(request: web.Request) -> bytes | None:
    """The whole body, or None as soon as it grows past MAX_BODY (chunked bodies too)."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _json_object(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None
