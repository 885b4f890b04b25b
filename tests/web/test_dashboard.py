"""/dieu-phoi over HTTP: the one-time login, the session, CSRF, the pages and the review."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.errors import PermissionDenied
from bot.services.people.users import get_user
from bot.services.people.web_logins import create_login
from bot.web.auth import COOKIE
from db.models import OutboxMessage, Report, User
from tests.factories import make_report, make_user
from tests.web.conftest import Client, Clock

pytestmark = pytest.mark.usefixtures("sessions")


async def login_token(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, *, role: str = "coordinator"
) -> str:
    async with sessions.begin() as session:
        user = await make_user(session, chat_id=f"{role}-1", role=role, display_name="Lê Thị Sở")
        view = await get_user(session, user.id)
        return await create_login(session, user=view, now=clock())


async def log_in(client: Client, token: str) -> int:
    response = await client.post("/dieu-phoi/dang-nhap", data={"t": token}, allow_redirects=False)
    return response.status


async def csrf_of(client: Client, path: str) -> str:
    html = await (await client.get(path)).text()
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html
    return found.group(1)


async def test_a_coordinator_logs_in_once_and_sees_the_pages(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    token = await login_token(sessions, clock)
    shown = await client.get("/dieu-phoi/dang-nhap", params={"t": token})
    assert "Đăng nhập" in await shown.text()  # a preview fetching the link spends nothing
    response = await client.post("/dieu-phoi/dang-nhap", data={"t": token}, allow_redirects=False)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Max-Age=28800" in cookie
    overview = await (await client.get("/dieu-phoi")).text()
    assert "Mục tiêu của Kế hoạch" in overview
    assert "Xã, phường được tuyên truyền" in overview
    table = await (await client.get("/dieu-phoi/xa", params={"q": "thach ha"})).text()
    assert "Thạch Hà" in table
    assert "Cẩm Xuyên" not in table
    task = await client.get("/dieu-phoi/nhiem-vu/I.1")
    assert task.status == 200
    client.session.cookie_jar.clear()
    assert await log_in(client, token) == 403  # used once already
    assert (await client.get("/dieu-phoi")).status == 401


async def test_refusals_wrong_expired_citizen(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    assert await log_in(client, "x" * 43) == 403
    with pytest.raises(PermissionDenied):
        await login_token(sessions, clock, role="citizen")
    token = await login_token(sessions, clock)
    clock.advance(timedelta(minutes=11))
    assert await log_in(client, token) == 403


async def test_the_session_ends_after_8_hours_and_when_the_role_is_lost(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    assert await log_in(client, await login_token(sessions, clock)) == 303
    clock.advance(timedelta(hours=7, minutes=59))
    assert (await client.get("/dieu-phoi/xa")).status == 200
    clock.advance(timedelta(minutes=2))
    assert (await client.get("/dieu-phoi/xa")).status == 401
    clock.now -= timedelta(hours=8)
    assert await log_in(client, await login_token_again(sessions, clock)) == 303
    async with sessions.begin() as session:
        for user in await session.scalars(select(User)):
            user.role = "citizen"
    assert (await client.get("/dieu-phoi/xa")).status == 403


async def login_token_again(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> str:
    async with sessions.begin() as session:
        view = await get_user(session, 1)
        return await create_login(session, user=view, now=clock())


async def test_a_forged_cookie_is_refused(client: Client) -> None:
    client.session.cookie_jar.update_cookies({COOKIE: "1.0.99999999999.abc.0000"})
    assert (await client.get("/dieu-phoi")).status == 401


async def test_signing_out_ends_every_session_of_that_person_at_once(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    assert await log_in(client, await login_token(sessions, clock)) == 303
    phone = client.session.cookie_jar.filter_cookies(client.make_url("/dieu-phoi"))[COOKIE].value
    assert await log_in(client, await login_token_again(sessions, clock)) == 303  # a computer
    unused = await login_token_again(sessions, clock)  # a link left in the lost phone's chat
    csrf = await csrf_of(client, "/dieu-phoi")
    signed_out = await client.post("/dieu-phoi/dang-xuat", data={"csrf": csrf})
    assert "Đã đăng xuất" in await signed_out.text()
    assert (await client.get("/dieu-phoi")).status == 401  # the cookie is gone ...
    client.session.cookie_jar.update_cookies({COOKIE: phone})
    refused = await client.get("/dieu-phoi")  # ... and a copy made before no longer works
    assert refused.status == 401
    assert "cần đăng nhập" in await refused.text()
    assert await log_in(client, unused) == 403
    assert await log_in(client, await login_token_again(sessions, clock)) == 303
    assert (await client.get("/dieu-phoi")).status == 200


async def test_verify_and_reject_through_the_same_service_with_csrf(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    async with sessions.begin() as session:
        official = await make_user(session, chat_id="o1", role="official", unit_code="18073")
        first = await make_report(session)
        second = await make_report(session)
        first.reporter_id = second.reporter_id = official.id
    assert await log_in(client, await login_token(sessions, clock)) == 303
    csrf = await csrf_of(client, "/dieu-phoi/xac-minh")
    page = await client.get("/dieu-phoi/xac-minh")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Báo cáo chờ xác minh (2)" in await page.text()
    # Enter in the reason box submits the reason's own form: its only button rejects.
    forms = re.findall(r"<form .*?</form>", await page.text(), flags=re.S)
    [with_reason] = [f for f in forms if f'id="reason-{first.id}"' in f]
    assert re.findall(r'name="action" value="(\w+)"', with_reason) == ["reject"]
    unknown = await client.post(
        f"/dieu-phoi/xac-minh/{first.id}", data={"action": "", "reason": "x", "csrf": csrf}
    )
    assert unknown.status == 400
    no_csrf = await client.post(f"/dieu-phoi/xac-minh/{first.id}", data={"action": "verify"})
    assert no_csrf.status == 403
    wrong = await client.post(
        f"/dieu-phoi/xac-minh/{first.id}", data={"action": "verify", "csrf": csrf + "x"}
    )
    assert wrong.status == 403
    done = await client.post(
        f"/dieu-phoi/xac-minh/{first.id}", data={"action": "verify", "csrf": csrf}
    )
    assert done.status == 200
    assert f"Đã xác minh báo cáo số {first.id}" in await done.text()
    no_reason = await client.post(
        f"/dieu-phoi/xac-minh/{second.id}", data={"action": "reject", "csrf": csrf}
    )
    assert no_reason.status == 400
    rejected = await client.post(
        f"/dieu-phoi/xac-minh/{second.id}",
        data={"action": "reject", "reason": "Thiếu ảnh", "csrf": csrf},
    )
    assert rejected.status == 200
    async with sessions() as session:
        statuses = dict(
            (await session.execute(select(Report.id, Report.status).order_by(Report.id))).all()
        )
        assert statuses == {first.id: "verified", second.id: "rejected"}
        told = [str(p["text"]) for p in await session.scalars(select(OutboxMessage.payload))]
        assert len(told) == 2
        assert any("Thiếu ảnh" in text for text in told)
    again = await client.post(
        f"/dieu-phoi/xac-minh/{first.id}", data={"action": "verify", "csrf": csrf}
    )
    assert again.status == 400


async def test_downloads(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    assert await log_in(client, await login_token(sessions, clock)) == 303
    excel = await client.get("/dieu-phoi/tai-ve/excel")
    assert excel.status == 200
    assert (await excel.read()).startswith(b"PK")
    assert "attachment" in excel.headers["Content-Disposition"]
    word = await client.get("/dieu-phoi/tai-ve/word", params={"ky": "2026-Q3"})
    assert word.status == 200
    assert (await word.read()).startswith(b"PK")
    bad = await client.get("/dieu-phoi/tai-ve/word", params={"ky": "hôm qua"})
    assert bad.status == 400
    assert "không phải là kỳ báo cáo" in await bad.text()


async def test_successful_logins_do_not_count_toward_the_limit(
    client: Client, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    assert await log_in(client, await login_token(sessions, clock)) == 303
    for _ in range(11):  # a whole office behind one address
        assert await log_in(client, await login_token_again(sessions, clock)) == 303
    assert await log_in(client, "y" * 43) == 403  # refused, not locked out


async def test_logins_are_limited_per_address(client: Client) -> None:
    for _ in range(10):
        assert await log_in(client, "y" * 43) == 403
    assert await log_in(client, "y" * 43) == 429
    # Another address behind the local proxy still gets its own tries.
    other = await client.post(
        "/dieu-phoi/dang-nhap",
        data={"t": "y" * 43},
        headers={"X-Forwarded-For": "203.0.113.7"},
        allow_redirects=False,
    )
    assert other.status == 403
