"""The web server's routes on a seeded database, served on a loopback port."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from bot.web.files import FileLinks, Folder, Signer
from bot.web.pages import Pages, Site
from bot.web.routes import site_routes
from bot.web.server import middlewares

SECRET = b"web-test-secret-" * 4
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
Client = TestClient[web.Request, web.Application]


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def site(
    sessions: async_sessionmaker[AsyncSession], content_dir: Path, tmp_path: Path, clock: Clock
) -> Site:
    folders = {
        "c": Folder(content_dir, timedelta(days=30)),
        "d": Folder(tmp_path / "exports", timedelta(days=1)),
    }
    (tmp_path / "exports").mkdir()
    links = FileLinks(Signer(SECRET), folders, base_url="http://bot.test", clock=clock)
    return Site(
        sessions=sessions,
        pages=Pages(content_dir / "web", TZ),
        links=links,
        signer=links.signer,
        texts=Texts(content_dir / "templates"),
        tz=TZ,
        content_dir=content_dir,
        public_base_url="http://bot.test",
        clock=clock,
        export_dir=tmp_path / "exports",
    )


@asynccontextmanager
async def served(site: Site, routes: list[web.AbstractRouteDef]) -> AsyncIterator[Client]:
    """The routes behind the web server's middlewares, on a loopback port."""
    app = web.Application(middlewares=middlewares(site.texts))
    app.router.add_routes(routes)
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def client(site: Site) -> AsyncIterator[Client]:
    async with served(site, site_routes(site)) as client:
        yield client
