"""The contest page at a school's peak: a few statements per page and per answer, an answer
posted twice at once counted once, and what changed elsewhere (a round closed) seen at once."""

import asyncio
import re

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.services.contest import attempts, registry
from bot.services.contest.views import PageView
from bot.services.core.access import Role
from bot.web.pages import Site
from db.models import ContestAnswer, ContestAttempt
from tests.contest_helpers import open_round, register, single_answer_bank
from tests.dialog.conftest import NOW
from tests.statements import executed
from tests.web.conftest import Client, Clock
from tests.web.test_contest_page import personal_link, student_chat

ANSWER_ID = re.compile(r'name="a" value="([^"]+)"')


def _not_begin(statement: str) -> bool:
    return not statement.startswith("BEGIN")  # SQLite's BEGIN IMMEDIATE, a statement there


async def started_link(
    client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> tuple[str, int]:
    """A registered student's link, the attempt started; the round's id."""
    clock.now = NOW
    await single_answer_bank(sessions)
    round_id = await open_round(sessions, questions=3)
    student = student_chat(sessions, site)
    await student.say("/start")
    await register(student)
    link = personal_link((await student.say("/thi"))[0])
    assert (await client.post(link + "/bat-dau", allow_redirects=False)).status == 303
    return link, round_id


async def stored(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, int]:
    """Answers stored, and answers counted on the attempt."""
    async with sessions() as session:
        answers = await session.scalar(select(func.count()).select_from(ContestAnswer))
        counted_ = await session.scalar(select(func.sum(ContestAttempt.answered)))
    return answers or 0, counted_ or 0


async def test_a_page_and_an_answer_read_a_few_statements(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    clock: Clock,
    db_engine: AsyncEngine,
) -> None:
    link, _round_id = await started_link(client, sessions, site, clock)
    for number in (1, 2):
        with executed(db_engine, _not_begin) as statements:
            page = await (await client.get(link)).text()
        assert f"Câu {number}/3" in page
        # The round, entry and attempts; the question and its options (the attempt locked);
        # the question's clock started.
        assert len(statements) <= 3, statements
        with executed(db_engine, _not_begin) as statements:
            again = await (await client.get(link)).text()
        assert f"Câu {number}/3" in again
        assert len(statements) <= 2, statements  # shown already: its clock runs on
        with executed(db_engine, _not_begin) as statements:
            answered = await client.post(
                link + "/tra-loi", data={"a": ANSWER_ID.findall(page)[0]}, allow_redirects=False
            )
        assert answered.status == 303
        assert "loi=" not in answered.headers["Location"]
        # The item with its attempt (locked), question and round; the answer; the attempt.
        assert len(statements) <= 3, statements
    assert await stored(sessions) == (2, 2)


async def test_the_same_answer_posted_twice_at_once_counts_once(
    client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    link, _round_id = await started_link(client, sessions, site, clock)
    page = await (await client.get(link)).text()
    [first, *_] = ANSWER_ID.findall(page)
    posts = [
        client.post(link + "/tra-loi", data={"a": first}, allow_redirects=False) for _ in range(3)
    ]
    answers = await asyncio.gather(*posts, client.get(link))
    places = sorted(response.headers.get("Location", "") for response in answers[:3])
    assert [p for p in places if "loi=" not in p] == [places[0]]  # one counted
    assert all(p.endswith("?loi=answer_stale") for p in places[1:])
    assert await stored(sessions) == (1, 1)
    assert "Câu 2/3" in await (await client.get(link)).text()


async def test_an_answer_after_the_round_closed_elsewhere_is_refused(
    client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    link, round_id = await started_link(client, sessions, site, clock)
    page = await (await client.get(link)).text()
    async with sessions.begin() as session:  # as the CLI does, in another process
        await registry.mark_closed(
            session, actor_role=Role.COORDINATOR, round_id=round_id, now=clock.now
        )
    answered = await client.post(
        link + "/tra-loi", data={"a": ANSWER_ID.findall(page)[0]}, allow_redirects=False
    )
    assert "loi=" in answered.headers["Location"]
    assert await stored(sessions) == (0, 0)
    assert "Đợt thi đã kết thúc" in await (await client.get(link)).text()


async def test_a_page_waiting_for_an_answer_being_stored_shows_the_next_question(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    site: Site,
    clock: Clock,
    db_engine: AsyncEngine,
) -> None:
    if db_engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one transaction at a time: no page can wait on an answer")
    link, round_id = await started_link(client, sessions, site, clock)
    page = await (await client.get(link)).text()
    user_id = int(link.removeprefix("/thi/").split(".")[0])
    async with sessions.begin() as answering:
        await attempts.answer_selected(
            answering, user_id=user_id, answer_ids=ANSWER_ID.findall(page)[:1], now=clock.now
        )
        showing = asyncio.create_task(shown(sessions, user_id, round_id, clock))
        await waiting_for_a_lock(db_engine)
    # The page read the attempt before the answer was stored, then waited for its lock.
    view = await asyncio.wait_for(showing, 10)
    assert view.question is not None
    assert view.question.position == 2
    assert await stored(sessions) == (1, 1)


async def shown(
    sessions: async_sessionmaker[AsyncSession], user_id: int, round_id: int, clock: Clock
) -> PageView:
    async with sessions.begin() as session:
        return await attempts.show_page(session, user_id=user_id, round_id=round_id, now=clock.now)


async def waiting_for_a_lock(engine: AsyncEngine) -> None:
    """Until another connection waits for a row lock (10 s at most)."""
    async with asyncio.timeout(10), engine.connect() as connection:
        while not await connection.scalar(
            text("select count(*) from pg_stat_activity where wait_event_type = 'Lock'")
        ):
            await connection.rollback()
            await asyncio.sleep(0.01)
