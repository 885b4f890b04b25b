"""The contest page: a student's personal link from /thi, the same attempt as in the chat."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.context import DialogConfig
from bot.dialog.engine import Engine
from bot.dialog.router import Router
from bot.messages import Outgoing
from bot.services.core.texts import Texts
from bot.web.pages import Site
from db.models import ContestAnswer, ContestAttempt
from tests.contest_helpers import open_round, register, single_answer_bank
from tests.databases import CONTENT_DIR
from tests.dialog.conftest import NOW, Chat
from tests.dialog.conftest import Clock as ChatClock
from tests.web.conftest import Client, Clock


def student_chat(sessions: async_sessionmaker[AsyncSession], site: Site) -> Chat:
    config = DialogConfig(
        admin_chat_ids=frozenset({"9000"}),
        timezone=ZoneInfo("Asia/Ho_Chi_Minh"),
        content_dir=CONTENT_DIR,
        public_base_url="http://bot.test",
        web_signer=site.signer,
    )
    engine = Engine(
        sessions=sessions,
        texts=Texts(CONTENT_DIR / "templates"),
        router=Router.discover(),
        config=config,
        clock=ChatClock(),
    )
    return Chat(engine, "4242", "Nguyễn Văn An")


def personal_link(reply: Outgoing) -> str:
    """The path of the student's personal link offered under the /thi answer."""
    assert reply.web_page is not None
    [link] = re.findall(r"^http://bot\.test(/thi/\S+)$", reply.web_page.url)
    return str(link)


async def test_a_student_takes_the_attempt_on_the_page_without_script(
    client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    clock.now = NOW
    await single_answer_bank(sessions)
    await open_round(sessions, questions=3)
    student = student_chat(sessions, site)
    await student.say("/start")
    await register(student)
    ready = await student.say("/thi")
    link = personal_link(ready[0])
    page = await (await client.get(link)).text()
    assert "Làm bài" in page
    started = await client.post(link + "/bat-dau", allow_redirects=False)
    assert started.status == 303
    for number in (1, 2, 3):
        page = await (await client.get(link)).text()
        assert f"Câu {number}/3" in page
        answer_ids = re.findall(r'name="a" value="([^"]+)"', page)
        assert len(answer_ids) >= 2
        empty = await client.post(link + "/tra-loi", data={}, allow_redirects=True)
        assert "chọn phương án" in await empty.text()
        clock.advance(timedelta(seconds=20))  # a person reads the question
        answered = await client.post(
            link + "/tra-loi", data={"a": answer_ids[0]}, allow_redirects=False
        )
        assert answered.status == 303
        again = await client.post(link + "/tra-loi", data={"a": answer_ids[1]})
        assert "câu trả lời đầu tiên được tính" in await again.text()
    page = await (await client.get(link)).text()
    assert "Câu hỏi dự đoán" in page
    bad = await client.post(link + "/du-doan", data={"n": "nhiều"})
    assert "số nguyên" in await bad.text()
    done = await client.post(link + "/du-doan", data={"n": "25"})
    text = await done.text()
    assert "Lượt 1:" in text
    assert "dự đoán 25 người" in text
    async with sessions() as session:
        [attempt] = await session.scalars(select(ContestAttempt))
        assert (attempt.channel, attempt.status, attempt.answered) == ("web", "finished", 3)
        # Each question's clock ran from the page showing it to the answer: 20 s each.
        assert attempt.charged_ms == 60_000
        assert len(list(await session.scalars(select(ContestAnswer)))) == 3
    # The chat sees the same attempt.
    assert "Lượt 1:" in (await student.say("/thi"))[0].text


async def test_a_changed_or_foreign_link_is_refused(
    client: Client, sessions: async_sessionmaker[AsyncSession], site: Site, clock: Clock
) -> None:
    clock.now = NOW
    await open_round(sessions)
    student = student_chat(sessions, site)
    await student.say("/start")
    await register(student)
    link = personal_link((await student.say("/thi"))[0])
    user, round_id, expires, signature = link.removeprefix("/thi/").split(".")
    forged = f"/thi/{int(user) + 1}.{round_id}.{expires}.{signature}"
    assert (await client.get(forged)).status == 404
    assert (await client.post(forged + "/bat-dau")).status == 404
    clock.now = NOW.replace(year=2027)
    assert (await client.get(link)).status == 404
