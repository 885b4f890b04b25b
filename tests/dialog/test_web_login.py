"""/dangnhapweb: a coordinator gets a one-time dashboard link; others are refused."""

import dataclasses
import re
from collections.abc import Callable

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.engine import Engine
from bot.services.core.errors import PermissionDenied
from bot.services.people.web_logins import use_login
from tests.dialog.conftest import Chat, Clock


@pytest.fixture
def engine(engine: Engine) -> Engine:
    engine.config = dataclasses.replace(engine.config, public_base_url="https://bot.example.vn")
    return engine


async def test_a_coordinator_gets_a_link_that_works_once(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/start")
    [reply] = await coordinator.say("dang nhap web")
    [token] = re.findall(r"https://bot\.example\.vn/dieu-phoi/dang-nhap\?t=([\w-]+)", reply.text)
    assert "một lần" in reply.text
    assert "10 phút" in reply.text
    async with sessions.begin() as session:
        signed_in = await use_login(session, token=token, now=clock())
        assert (signed_in.user.role, signed_in.epoch) == ("coordinator", 0)
    async with sessions.begin() as session:
        with pytest.raises(PermissionDenied):
            await use_login(session, token=token, now=clock())


async def test_a_new_link_replaces_the_unused_one(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/start")
    first = re.findall(r"t=([\w-]+)", (await coordinator.say("/dangnhapweb"))[0].text)[0]
    second = re.findall(r"t=([\w-]+)", (await coordinator.say("/dangnhapweb"))[0].text)[0]
    async with sessions.begin() as session:
        with pytest.raises(PermissionDenied):
            await use_login(session, token=first, now=clock())
        assert (await use_login(session, token=second, now=clock())).user.role == "coordinator"


async def test_officials_and_citizens_are_refused(chat: Callable[..., Chat]) -> None:
    citizen = chat("7001")
    await citizen.say("/start")
    [reply] = await citizen.say("/dangnhapweb")
    assert "chỉ dành cho cán bộ điều phối" in reply.text
    assert "dieu-phoi" not in reply.text
