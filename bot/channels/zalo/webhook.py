"""The webhook Zalo posts updates to: secret checked, update committed, then `200`."""

import hmac
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import tornado.httpserver
import tornado.web

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Bot-Api-Secret-Token"  # noqa: S105 (a header name, not a secret)
MAX_BODY = 1024 * 1024
Accept = Callable[[dict[str, Any]], Awaitable[None]]


class WebhookReceiver:
    """Checks one POST and hands its body to `accept`, which must commit it before returning."""

    def __init__(self, secret: str, accept: Accept) -> None:
        """Only requests carrying this secret are accepted."""
        self._secret, self._accept = secret.encode(), accept

    async def receive(self, secret: str | None, raw: bytes) -> int:
        """The HTTP status to answer: 200 only once the update is stored."""
        if secret is None:
            return 401
        if not hmac.compare_digest(secret.encode(), self._secret):
            return 403
        try:
            body = json.loads(raw)
        except ValueError:
            return 400
        if not isinstance(body, dict):
            return 400
        try:
            await self._accept(body)
        except Exception:
            # Not stored: an error status lets the platform deliver it again, if it does.
            log.exception("zalo: could not store a webhook update")
            return 500
        return 200


class _Handler(tornado.web.RequestHandler):
    receiver: WebhookReceiver

    def initialize(self, receiver: WebhookReceiver) -> None:
        self.receiver = receiver

    async def post(self) -> None:
        status = await self.receiver.receive(
            self.request.headers.get(SECRET_HEADER), self.request.body
        )
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        await self.finish(json.dumps({"ok": status == 200}))


class WebhookServer:
    """A small tornado server (tornado comes with python-telegram-bot[webhooks])."""

    def __init__(self, receiver: WebhookReceiver, *, path: str, host: str, port: int) -> None:
        """Serve `path` on host:port once started."""
        app = tornado.web.Application(
            [(path or "/", _Handler, {"receiver": receiver})],
            log_function=lambda _handler: None,  # no access log: ids only, and requests are many
        )
        self._server = tornado.httpserver.HTTPServer(app, max_body_size=MAX_BODY)
        self._host, self._port = host, port

    def start(self) -> None:
        """Bind and serve on the running event loop."""
        self._server.listen(self._port, address=self._host)

    async def stop(self) -> None:
        """Stop accepting; close open connections."""
        self._server.stop()
        await self._server.close_all_connections()
