"""After a report, once per period and unit: difficulties, proposals and, for lead
departments, the funding used (each may be skipped; bad input gets one sentence)."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import PeriodNote
from tests.dialog.conftest import Chat
from tests.factories import make_user


async def _person(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], unit: str, chat_id: str
) -> Chat:
    async with sessions.begin() as session:
        await make_user(session, chat_id=chat_id, role="official", unit_code=unit)
    return chat(chat_id, "Cán bộ")


async def _report(person: Chat, quick: str) -> None:
    """A quick report, every remaining question answered with its first option or 1."""
    await person.say(quick)
    for _ in range(8):
        if "Kiểm tra báo cáo" in person.text:
            break
        choices = [o for o in person.replies[-1].options if "Quay lại" not in o.label]
        if choices:
            await person.press(choices[0].payload)
        else:
            await person.say("1")
    await person.press(person.option("Xác nhận"))


async def _notes(sessions: async_sessionmaker[AsyncSession]) -> list[tuple[object, ...]]:
    async with sessions() as session:
        rows = await session.scalars(select(PeriodNote).order_by(PeriodNote.id))
        return [(n.period_key, n.difficulties, n.proposals, n.funding_used) for n in rows]


async def test_a_commune_is_asked_once_a_month(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _person(sessions, chat, "18562", "3001")
    await _report(official, "/baocao IV.9 3 buổi")
    assert "Đã ghi nhận báo cáo số 1" in official.replies[0].text
    assert "Kỳ tháng 12/2026: đơn vị có khó khăn, vướng mắc gì không?" in official.text
    await official.say("   ")
    assert "gõ nội dung ngắn gọn" in official.text
    await official.say("x" * 501)
    assert "tối đa 500" in official.text
    await official.say("Thiếu  loa truyền thanh ở 2 thôn")
    assert "đề xuất, kiến nghị" in official.text
    old_skip = "period_note:skip:difficulties"
    await official.press(old_skip)
    assert "đề xuất, kiến nghị" not in official.text  # an old button changes nothing
    await official.press("period_note:skip:proposals")
    assert "Đã ghi nhận ý kiến" in official.text
    # 25/11 is in December's period (15/11-14/12): the note is December's.
    assert await _notes(sessions) == [("2026-12", "Thiếu loa truyền thanh ở 2 thôn", None, None)]
    await _report(official, "/baocao IV.9 2 buổi")
    assert "khó khăn" not in official.text
    assert "Đã ghi nhận báo cáo số 2" in official.text


async def test_a_lead_department_is_asked_the_funding_per_quarter(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _person(sessions, chat, "SNNMT", "3002")
    await _report(official, "/baocao I.5 2")
    assert "Kỳ quý IV/2026" in official.text
    await official.press(official.option("Bỏ qua"))
    await official.say("Bổ sung kinh phí in tờ rơi")
    assert "triệu đồng" in official.text
    for typed in ("-2", "hai triệu", "1,2,3"):
        await official.say(typed)
        assert "không âm, ví dụ: 120 hoặc 120,5" in official.text, typed
    await official.say("/menu")  # set aside, then taken up again where it was
    await official.say("/tiep")
    assert "triệu đồng" in official.text
    await official.say("1.250,5 triệu")
    assert "Đã ghi nhận ý kiến" in official.text
    assert await _notes(sessions) == [("2026-Q4", None, "Bổ sung kinh phí in tờ rơi", 1250.5)]


async def test_on_zalo_the_skip_option_is_a_number(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="z1", channel="zalo", role="official", unit_code="18073")
    official = chat("z1", "Cán bộ", "zalo")
    await _report(official, "/baocao IV.9 3 buổi")
    assert "khó khăn" in official.text
    await official.say("1")  # «Bỏ qua», the only option shown
    assert "đề xuất" in official.text
    await official.say("bo qua")
    assert "Đã ghi nhận" in official.text
    assert await _notes(sessions) == [("2026-12", None, None, None)]
