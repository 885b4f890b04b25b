"""The contest's Telegram Mini App: launch data signed for our bot opens the student's own page.

Through the web server with its own middlewares, on a real database: the chat registers the
student, the Mini App's post lands on the same personal link the chat offers; forged, missing
or stale data, an unknown chat and an unregistered student get a Vietnamese refusal (403).
"""

from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from bot.web.auth import RateLimit
from bot.web.contest import contest_routes
from bot.web.pages import Site
from bot.web.routes import site_routes
from tests.contest_helpers import open_round, register
from tests.dialog.conftest import NOW, Chat
from tests.fakes.telegram_api import launch_data
from tests.web.conftest import Client, Clock, served
from tests.web.test_contest_page import personal_link, student_chat

TOKEN = "123456:TEST-TOKEN"
SIGNED = int(NOW.timestamp()) - 30
STUDENT = 4242  # student_chat's Telegram chat (a private chat's id is its user's id)


@pytest.fixture
def app_site(site: Site) -> Site:
    return replace(site, telegram_token=TOKEN)


@pytest.fixture
async def app_client(app_site: Site) -> AsyncIterator[Client]:
    async with served(app_site, site_routes(app_site)) as client:
        yield client


async def registered_student(
    sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> tuple[Chat, str]:
    """A student registered for an open round, and the personal link the chat offers."""
    clock.now = NOW
    await open_round(sessions, questions=3)
    student = student_chat(sessions, site)
    await student.say("/start")
    await register(student)
    return student, personal_link((await student.say("/thi"))[0])


def signed_for(user_id: int, auth_date: int = SIGNED, token: str = TOKEN) -> str:
    return launch_data(token, user_id=user_id, first_name="Nguyễn Văn An", auth_date=auth_date)


async def open_app(client: Client, init_data: str | None) -> tuple[int, str, str]:
    form = {} if init_data is None else {"init_data": init_data}
    answer = await client.post("/thi/app", data=form, allow_redirects=False)
    return answer.status, answer.headers.get("Location", ""), await answer.text()


async def test_the_entry_page_reads_telegrams_data_with_our_own_script(app_client: Client) -> None:
    page = await app_client.get("/thi/app")
    assert page.status == 200
    html = await page.text()
    assert '<script src="/static/mini-app.js"></script>' in html
    assert 'action="/thi/app"' in html
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy
    assert policy.endswith("frame-ancestors https://web.telegram.org https://*.telegram.org")
    assert "X-Frame-Options" not in page.headers
    script = await app_client.get("/static/mini-app.js")
    assert script.status == 200
    assert "javascript" in script.headers["Content-Type"]
    assert "tgWebAppData" in await script.text()


async def test_a_student_opens_their_own_attempt_from_telegram(
    app_client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    _student, link = await registered_student(sessions, site, clock)
    status, location, _ = await open_app(app_client, signed_for(STUDENT))
    assert (status, location) == (303, link)
    page = await app_client.get(location)
    assert "Làm bài" in await page.text()
    assert "frame-ancestors https://web.telegram.org" in page.headers["Content-Security-Policy"]
    started = await app_client.post(location + "/bat-dau", allow_redirects=True)
    assert "Câu 1/3" in await started.text()


async def test_forged_missing_and_stale_data_are_refused(
    app_client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    await registered_student(sessions, site, clock)
    forged = signed_for(STUDENT, token="123456:ANOTHER-BOTS-TOKEN")
    for data in (forged, signed_for(STUDENT).replace("hash=", "hash=0"), "", None):
        status, location, text = await open_app(app_client, data)
        assert (status, location) == (403, "")
        assert "Không xác nhận được tài khoản Telegram" in text
    clock.now = NOW.replace(day=NOW.day + 1)
    status, _, text = await open_app(app_client, signed_for(STUDENT))
    assert status == 403
    assert "quá 24 giờ" in text


async def test_an_unknown_chat_or_an_unregistered_student_is_refused(
    app_client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    await registered_student(sessions, site, clock)
    status, _, text = await open_app(app_client, signed_for(999))
    assert status == 403
    assert "chưa trò chuyện với trợ lý" in text
    other = Chat(student_chat(sessions, site).engine, "5151", "Lê Thị Hoa")
    await other.say("/start")
    status, _, text = await open_app(app_client, signed_for(5151))
    assert status == 403
    assert "chưa đăng ký dự thi" in text


async def test_without_a_telegram_bot_there_is_no_mini_app(client: Client) -> None:
    page = await client.get("/thi/app")
    assert page.status == 404
    assert "chưa được bật" in await page.text()
    assert (await client.post("/thi/app", data={"init_data": signed_for(STUDENT)})).status == 404


async def test_refusals_from_one_address_are_limited_and_opens_count_per_student(
    app_site: Site, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    await registered_student(sessions, site, clock)
    async with served(app_site, contest_routes(app_site, RateLimit(3, 60))) as client:
        status, link, _ = await open_app(client, signed_for(STUDENT))
        assert status == 303
        assert (await client.get(link)).status == 200
        assert (await open_app(client, signed_for(STUDENT)))[0] == 303
        status, _, text = await open_app(client, signed_for(STUDENT))  # the student's 4th
        assert status == 429
        assert "nhiều lần trong một phút" in text
        assert (await client.get(link)).status == 429
    async with served(app_site, contest_routes(app_site)) as client:
        for _ in range(30):
            assert (await open_app(client, "hash=00"))[0] == 403
        status, _, text = await open_app(client, signed_for(STUDENT))
        assert status == 429
        assert "đợi vài phút" in text


async def test_students_not_registered_yet_do_not_lock_their_school_out(
    app_client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    await registered_student(sessions, site, clock)
    # A class behind one address opens the app before registering: each is told so ...
    for _ in range(40):
        assert (await open_app(app_client, signed_for(999)))[0] == 403
    # ... and the registered student next to them still gets in.
    assert (await open_app(app_client, signed_for(STUDENT)))[0] == 303


async def test_every_other_page_still_refuses_every_frame(app_client: Client) -> None:
    paths = ("/tai-lieu", "/dieu-phoi/dang-nhap", "/thi/%2e%2e/tai-lieu", "/thi/x/../../khong")
    for path in paths:
        answer = await app_client.get(URL(path, encoded=True))  # sent as written
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"], path
        assert answer.headers["X-Frame-Options"] == "DENY", path
