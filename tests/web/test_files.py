"""Signed public files: served by a valid link only, nothing listed, nothing outside reachable."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.services.core.texts import Texts
from bot.web.files import FileLinks, Folder, Signer, file_routes
from bot.web.server import middlewares, security_headers

NOW = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)
LEAFLET = "leaflets/phan-loai-rac.pdf"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, Folder]:
    content, exports = tmp_path / "content", tmp_path / "exports"
    (content / "leaflets").mkdir(parents=True)
    exports.mkdir()
    (content / LEAFLET).write_bytes(b"%PDF-1.4 leaflet")
    (content / "plan.yaml").write_text("secret: plan\n")
    (exports / "bao-cao.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "outside.txt").write_text("not for the public")
    return {"c": Folder(content, timedelta(days=30)), "d": Folder(exports, timedelta(hours=1))}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def links(folders: dict[str, Folder], clock: Clock) -> FileLinks:
    return FileLinks(Signer(b"s" * 32), folders, base_url="https://bot.example.vn", clock=clock)


@pytest.fixture
async def client(
    links: FileLinks, texts: Texts
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application(middlewares=[security_headers])
    app.router.add_routes(file_routes(links, refusal=texts.render("web/link_invalid")))
    async with TestClient(TestServer(app)) as client:
        yield client


def path_of(url: str | None) -> str:
    assert url is not None
    return url.removeprefix("https://bot.example.vn")


async def test_a_leaflet_link_serves_the_pdf(
    links: FileLinks, client: TestClient[web.Request, web.Application]
) -> None:
    url = links.url(LEAFLET)
    assert url is not None
    assert url.startswith("https://bot.example.vn/tep/c/")
    response = await client.get(path_of(url))
    assert response.status == 200
    assert await response.read() == b"%PDF-1.4 leaflet"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


async def test_a_document_by_absolute_path_is_served_as_a_download(
    links: FileLinks, folders: dict[str, Folder], client: TestClient[web.Request, web.Application]
) -> None:
    url = links.url(str(folders["d"].path / "bao-cao.xlsx"))
    response = await client.get(path_of(url))
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith("attachment")


async def test_a_document_by_the_processs_relative_path_is_served(
    links: FileLinks,
    client: TestClient[web.Request, web.Application],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The chat's exports are referred to as "var/exports/…" from the bot's working directory.
    monkeypatch.chdir(tmp_path)
    response = await client.get(path_of(links.url("exports/bao-cao.xlsx")))
    assert response.status == 200
    assert await response.read() == b"PK\x03\x04"
    monkeypatch.chdir(tmp_path / "content")  # the same name from elsewhere is not ours
    assert links.url("exports/bao-cao.xlsx") is None


def test_no_link_for_what_is_not_a_file_of_ours(links: FileLinks, tmp_path: Path) -> None:
    assert links.url("AgACAgIAAxkBAAIB") is None  # a platform file id
    assert links.url("../outside.txt") is None
    assert links.url(str(tmp_path / "outside.txt")) is None
    assert links.url("leaflets") is None  # a folder
    assert FileLinks(Signer(b"s" * 32), {}, base_url=None).url(LEAFLET) is None


async def test_an_expired_link_is_refused(
    links: FileLinks, clock: Clock, client: TestClient[web.Request, web.Application]
) -> None:
    url = path_of(links.url("bao-cao.xlsx"))
    clock.now = NOW + timedelta(minutes=59)
    assert (await client.get(url)).status == 200
    clock.now = NOW + timedelta(minutes=61)
    assert (await client.get(url)).status == 404


@pytest.mark.parametrize(
    "tamper",
    [
        lambda u: u.replace("phan-loai-rac.pdf", "../plan.yaml"),
        lambda u: u.replace("phan-loai-rac.pdf", "%2E%2E/%2E%2E/outside.txt"),
        lambda u: u.replace("leaflets/phan-loai-rac.pdf", "plan.yaml"),
        lambda u: u.replace("/c/", "/d/"),
        lambda u: u.rsplit("/", 3)[0] + "/" + "0" * 40 + "/leaflets/phan-loai-rac.pdf",
        lambda u: u.replace("/tep/c/1", "/tep/c/2"),  # a later expiry
        lambda u: u.rsplit("/", 2)[0] + "/",  # a listing of the folder
        lambda _u: "/tep/",
        lambda _u: "/tep/c/",
    ],
)
async def test_a_changed_link_a_traversal_or_a_listing_is_refused(
    links: FileLinks, client: TestClient[web.Request, web.Application], tamper: object
) -> None:
    url = path_of(links.url(LEAFLET))
    assert callable(tamper)
    response = await client.get(tamper(url))
    assert response.status == 404
    assert b"PDF" not in await response.read()


def test_the_link_of_another_installation_is_refused(
    folders: dict[str, Folder], links: FileLinks
) -> None:
    other = FileLinks(Signer(b"t" * 32), folders, base_url="https://bot.example.vn")
    parts = path_of(other.url(LEAFLET)).split("/")
    assert links.open(parts[2], parts[3], parts[4], "/".join(parts[5:])) is None
    parts = path_of(links.url(LEAFLET)).split("/")
    assert links.open(parts[2], parts[3], parts[4], "/".join(parts[5:])) is not None


async def test_no_free_database_connection_is_a_503_to_try_again(texts: Texts) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    async def exhausted(_request: web.Request) -> web.Response:
        raise PoolTimeout("QueuePool limit reached")

    app = web.Application(middlewares=middlewares(texts))
    app.router.add_get("/busy", exhausted)
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/busy")
        assert response.status == 503
        assert response.headers["Retry-After"] == "2"
        assert "thử lại" in await response.text()
