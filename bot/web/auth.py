"""Dashboard sessions: a one-time link from the bot, then a signed cookie; CSRF on every form.

The cookie holds a user id, their sign-out epoch, an expiry and a random nonce, signed with
the web secret; nothing is trusted from it but who logged in: the role and the epoch are
checked against the database on every page, by a read of the data version (a change of role,
unit or name, and a sign-out, raise it; requests waiting together share one) and a query of
the user only when it moved. The CSRF token of a session is the HMAC of its nonce, so a page
from another site cannot know it and a token from another session does not fit.
"""

import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address

from aiohttp import web

from bot.services.core.errors import DomainError
from bot.services.people.users import UserView
from bot.services.people.web_logins import (
    SESSION_LIFETIME,
    DashboardUser,
    dashboard_user,
    sign_out,
    use_login,
)
from bot.settings import IPNetwork
from bot.web.pages import Site
from bot.web.versions import DataVersions

COOKIE = "dieu_phoi"
HOME = "/dieu-phoi"
LOGIN = "/dieu-phoi/dang-nhap"
Page = Callable[[web.Request, UserView, "WebSession"], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The data version read for this request (None: the counter is missing, keep nothing).
DATA_VERSION = web.RequestKey[int | None]("data_version")


@dataclass(frozen=True)
class WebSession:
    """A valid session cookie's content."""

    user_id: int
    epoch: int
    expires: int
    nonce: str
    csrf: str


def make_cookie(site: Site, signed_in: DashboardUser) -> tuple[str, int]:
    """A new session cookie's value and its lifetime in seconds."""
    lifetime = int(SESSION_LIFETIME.total_seconds())
    expires = int(site.clock().timestamp()) + lifetime
    nonce = secrets.token_urlsafe(16)
    payload = f"{signed_in.user.id}.{signed_in.epoch}.{expires}.{nonce}"
    signature = site.signer.sign("session\n" + payload)
    return f"{payload}.{signature}", lifetime


def read_cookie(site: Site, value: str | None) -> WebSession | None:
    """The session of a cookie if it is ours and unexpired."""
    parts = (value or "").split(".")
    if len(parts) != 5 or not all(part.isdigit() for part in parts[:3]):
        return None
    user_id, epoch, expires, nonce, signature = parts
    if not site.signer.check(f"session\n{user_id}.{epoch}.{expires}.{nonce}", signature):
        return None
    if int(expires) <= site.clock().timestamp():
        return None
    csrf = site.signer.sign("csrf\n" + nonce)
    return WebSession(int(user_id), int(epoch), int(expires), nonce, csrf)


class RateLimit:
    """At most `limit` attempts per key (an address) in `window` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        """An empty record."""
        self._limit, self._window = limit, window
        self._seen: dict[str, deque[float]] = {}

    def allow(self, key: str) -> bool:
        """Record an attempt; False when the key has had its share."""
        if self.exhausted(key):
            return False
        self.note(key)
        return True

    def exhausted(self, key: str) -> bool:
        """Whether the key has had its share in the window (nothing recorded)."""
        now = time.monotonic()
        if len(self._seen) > 10_000:  # forget the quiet ones rather than grow without end
            self._seen = {k: v for k, v in self._seen.items() if v and v[-1] > now - self._window}
        seen = self._seen.get(key)
        while seen and seen[0] <= now - self._window:
            seen.popleft()
        return seen is not None and len(seen) >= self._limit

    def note(self, key: str) -> None:
        """Record one attempt of the key."""
        self._seen.setdefault(key, deque()).append(time.monotonic())


def client_address(request: web.Request, trusted: Sequence[IPNetwork]) -> str:
    """Who is asking: the peer, or, when the peer is a trusted proxy (TRUSTED_PROXIES), the
    nearest address of X-Forwarded-For that is not one (each proxy appends the one it saw;
    a header sent twice counts as one list, the client's own lines first)."""
    address = _canonical(request.remote or "?")
    forwarded = ",".join(request.headers.getall("X-Forwarded-For", []))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    while hops and _is_trusted(address, trusted):
        address = _canonical(hops.pop())
    return address[:64]


def _canonical(address: str) -> str:
    """One spelling per address: no brackets or port, IPv4 for IPv4-mapped IPv6, lower case
    (a port added by a proxy must not make every connection a new client)."""
    host = address
    if host.startswith("["):  # [2001:db8::1]:443
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:  # 203.0.113.7:5678
        host = host.partition(":")[0]
    try:
        ip = ip_address(host)
    except ValueError:
        return address
    if isinstance(ip, IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return str(ip)


def _is_trusted(address: str, trusted: Sequence[IPNetwork]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)


class Coordinators:
    """Users found to be active coordinators at the current data version; any change of a
    user's role, unit or name, and any sign-out, raises the version and empties it."""

    def __init__(self, versions: DataVersions) -> None:
        """Nobody known yet; the version is read through `versions`."""
        self.versions = versions
        self._version: int | None = None
        self._users: dict[int, DashboardUser] = {}

    def find(self, user_id: int, version: int | None) -> DashboardUser | None:
        """The user as checked at this version, if they were."""
        if version is None or version != self._version:
            return None
        return self._users.get(user_id)

    def keep(self, checked: DashboardUser, version: int | None) -> None:
        """Remember a user checked at `version` (read before the check)."""
        if version is None or (self._version is not None and version < self._version):
            return  # a slow request's older version must not drop users checked since
        if version != self._version:
            self._version, self._users = version, {}
        self._users[checked.user.id] = checked


def coordinator_page(
    site: Site, page: Page, known: Coordinators
) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """A handler that runs only for a logged-in, still-coordinator user; POSTs need the
    session's CSRF token."""

    async def handler(request: web.Request) -> web.StreamResponse:
        session = read_cookie(site, request.cookies.get(COOKIE))
        if session is None:
            return site.pages.render("dashboard/login_needed", status=401)
        version = await known.versions.read()
        checked = known.find(session.user_id, version)
        if checked is None:
            async with site.sessions() as db:
                try:
                    checked = await dashboard_user(db, user_id=session.user_id)
                except DomainError:
                    return _logged_out(site.pages.render("dashboard/login_needed", status=403))
            known.keep(checked, version)
        if checked.epoch != session.epoch:  # signed out since this cookie was made
            return _logged_out(site.pages.render("dashboard/login_needed", status=401))
        request[DATA_VERSION] = version
        if request.method == "POST":
            form = await request.post()
            given = form.get("csrf")
            if not isinstance(given, str) or not secrets.compare_digest(given, session.csrf):
                return site.pages.render("dashboard/csrf", status=403)
        return await page(request, checked.user, session)

    return handler


def _logged_out(response: web.Response) -> web.Response:
    response.del_cookie(COOKIE, path=HOME)
    return response


def login_routes(
    site: Site, known: Coordinators, limit: RateLimit | None = None
) -> list[web.AbstractRouteDef]:
    """The login link's page (a button: link previews must not spend it), the login itself,
    and logging out."""
    limit = limit or RateLimit(10, 300)

    async def show(request: web.Request) -> web.Response:
        token = request.query.get("t", "")[:100]
        return site.pages.render("dashboard/login", token=token)

    async def login(request: web.Request) -> web.StreamResponse:
        address = client_address(request, site.trusted_proxies)
        # Only refused links count: coordinators logging in behind one office address (or one
        # proxy) are never locked out by their own successful logins.
        if limit.exhausted(address):
            return site.pages.render("dashboard/too_many", status=429)
        form = await request.post()
        token = form.get("t")
        async with site.session() as db:
            try:
                signed_in = await use_login(db, token=str(token or ""), now=site.clock())
            except DomainError:
                limit.note(address)
                return site.pages.render("dashboard/login_refused", status=403)
        value, lifetime = make_cookie(site, signed_in)
        response = web.Response(status=303, headers={"Location": HOME})
        response.set_cookie(
            COOKIE,
            value,
            max_age=lifetime,
            path=HOME,
            httponly=True,
            secure=site.secure,
            samesite="Lax",
        )
        return response

    async def logout(_request: web.Request, user: UserView, _s: WebSession) -> web.Response:
        async with site.session() as db:
            await sign_out(db, user_id=user.id)
        return _logged_out(site.pages.render("dashboard/logged_out"))

    return [
        web.get(LOGIN, show),
        web.post(LOGIN, login),
        web.post(HOME + "/dang-xuat", coordinator_page(site, logout, known)),
    ]
