"""The bot's web server (aiohttp): one application, bound to one address or more.

aiohttp rather than tornado: the bot already talks to the Bot API with its client, its
handlers see the headers before the body (so a webhook's secret is checked first), and
one library serves both directions.
"""

import logging
import resource
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import TimeoutError as PoolTimeout

from bot.services.core.texts import Texts
from bot.web.webhooks import Accept, webhook_handler

log = logging.getLogger(__name__)
# Forms and webhook bodies are small; a request body larger than this is refused.
MAX_REQUEST = 1024 * 1024
Probe = Callable[[], Awaitable[dict[str, Any]]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Address:
    """A host and port to bind."""

    host: str
    port: int


class WebServer:
    """Routes are added before start(); then it serves until stop()."""

    def __init__(self, addresses: Sequence[Address], *, health: Probe, texts: Texts) -> None:
        """Bind these addresses; `health` says whether the bot can do its work; `texts` has
        the sentences of its own errors."""
        self._addresses, self._health = list(dict.fromkeys(addresses)), health
        self.app = web.Application(client_max_size=MAX_REQUEST, middlewares=middlewares(texts))
        self.app.router.add_get("/healthz", self._healthz)
        self.app.router.add_get("/metrics", self._metrics)
        self._runner: web.AppRunner | None = None

    def add_webhook(
        self, *, name: str, path: str, secret_header: str, secret: str, accept: Accept
    ) -> None:
        """Serve a platform's webhook at `path`."""
        handler = webhook_handler(
            name=name, secret_header=secret_header, secret=secret, accept=accept
        )
        self.app.router.add_post(path, handler)

    def add_routes(self, routes: Sequence[web.AbstractRouteDef]) -> None:
        """Serve more paths (files, pages)."""
        self.app.router.add_routes(routes)

    async def start(self) -> None:
        """Bind every address and serve on the running event loop."""
        _allow_many_connections()
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        for address in self._addresses:
            await web.TCPSite(self._runner, address.host, address.port).start()
            log.info("web: listening on %s:%s", address.host, address.port)

    async def stop(self) -> None:
        """Stop accepting, finish requests in hand, close connections."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _healthz(self, _request: web.Request) -> web.Response:
        report = await self._health()
        return web.json_response(report, status=200 if report.get("database") == "ok" else 503)

    async def _metrics(self, _request: web.Request) -> web.Response:
        await self._health()  # refreshes the backlog gauges
        return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


# Pages use their own stylesheet and small script only; no page may be framed elsewhere…
POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors "
)
SECURITY_HEADERS = {
    "Content-Security-Policy": POLICY + "'none'",
    "X-Content-Type-Options": "nosniff",
    # Login and file links carry their secret in the URL: never hand it on to another site.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
# …but the contest page: Telegram's web clients (web.telegram.org/k, /a) show a Mini App in
# a frame (its phone and desktop apps use their own web view). X-Frame-Options cannot name
# a site, so it is left out there; frame-ancestors is what browsers obey.
CONTEST_PATH = "/thi/"
TELEGRAM_FRAMES = "https://web.telegram.org https://*.telegram.org"
CONTEST_HEADERS = {
    **{k: v for k, v in SECURITY_HEADERS.items() if k != "X-Frame-Options"},
    "Content-Security-Policy": POLICY + TELEGRAM_FRAMES,
}


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The same protective headers on every answer, errors included."""
    headers = CONTEST_HEADERS if _is_contest_page(request) else SECURITY_HEADERS
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(headers)
        raise
    response.headers.update(headers)
    return response


def _is_contest_page(request: web.Request) -> bool:
    """Whether a contest route answers (by the route matched, not the raw path: a path such
    as /thi/../x matches no route and keeps the strict headers)."""
    resource = request.match_info.route.resource
    return resource is not None and resource.canonical.startswith(CONTEST_PATH)


def middlewares(texts: Texts) -> tuple[Middleware, ...]:
    """Headers on every answer, then the router's and the database's errors in Vietnamese."""
    not_found, busy = texts.render("web/not_found"), texts.render("web/busy")

    @web.middleware
    async def vietnamese_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        """The router's own "404: Not Found" in Vietnamese (a person typed the address); a
        page's own refusal keeps its text."""
        try:
            return await handler(request)
        except web.HTTPNotFound as exc:
            if exc.text != "404: Not Found":
                raise
            raise web.HTTPNotFound(text=not_found) from None

    @web.middleware
    async def busy_database(request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every database connection busy for too long: 503 with Retry-After (the person or
        the platform tries again), not a 500; nothing was written (no transaction began)."""
        try:
            return await handler(request)
        except PoolTimeout:
            log.warning("web: no database connection free in time for %s", request.path)
            return web.Response(
                status=503, text=busy, headers={"Retry-After": "2"}, content_type="text/plain"
            )

    return (security_headers, vietnamese_errors, busy_database)


def _allow_many_connections() -> None:
    """Raise the open-files limit to what the system allows: each connection is a file, and
    a flood of idle ones must not keep the platform's posts out."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as exc:
            log.warning("web: open-files limit stays at %s (%s)", soft, exc)
