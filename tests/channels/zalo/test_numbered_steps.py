"""Without buttons, "1" at a number question is the number, so the options are not numbered."""

from collections.abc import Callable
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.numbered import render_numbered
from bot.channels.zalo.render import MediaSource, TextSend, plan_sends
from bot.services.core.texts import Texts
from tests.dialog.conftest import Chat
from tests.factories import make_user


async def test_options_at_a_number_question_are_named_not_numbered(
    sessions: async_sessionmaker[AsyncSession],
    chat: Callable[..., Chat],
    texts: Texts,
    tmp_path: Path,
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="z1", channel="zalo", role="official", unit_code="18562")
    official = chat("z1", "Cán bộ xã", "zalo")
    await official.say("bao cao")
    await official.say("IV.9")
    [question] = await official.say("hom qua")
    assert not question.numbered
    assert "• ⬅️ Quay lại" in render_numbered(question)
    [send] = plan_sends(question, media=MediaSource(), render=texts.render)
    assert isinstance(send, TextSend)
    assert send.text.endswith(texts.render("zalo/options_by_name"))
    [next_question] = await official.say("1")  # one session, not "Quay lại"
    assert "người" in next_question.text.lower()
    back = await official.say("quay lai")  # the option by name still works
    assert "buổi" in back[-1].text
    [date_question] = await official.say("quay lai")
    assert date_question.numbered  # choosing a day: digits pick options again
