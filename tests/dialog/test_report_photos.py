"""Issue 18.4: correcting a report within its 7 days can add or remove evidence photos."""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import InputKind
from db.models import ReportAttachment, ReportRevision
from tests.dialog.conftest import Chat
from tests.factories import make_user


async def _photos(sessions: async_sessionmaker[AsyncSession]) -> list[str]:
    async with sessions() as session:
        return list(
            await session.scalars(select(ReportAttachment.file_ref).order_by(ReportAttachment.id))
        )


async def _report_with_photos(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], channel: str
) -> Chat:
    async with sessions.begin() as session:
        await make_user(
            session, chat_id="3001", channel=channel, role="official", unit_code="18562"
        )
    official = chat("3001", "Cán bộ xã", channel=channel)
    await official.say("/baocao")
    await official.press(official.option("IV.9"))
    await official.press(official.option("Hôm qua"))
    await official.say("2")
    await official.say("40")
    await official.press(official.replies[0].options[0].payload)
    await official.press(official.option("Bỏ qua"))
    await official.send(InputKind.PHOTO, photo_ref="p-1")
    await official.send(InputKind.PHOTO, photo_ref="p-2")
    await official.press(official.option("Xong"))
    await official.press(official.option("Xác nhận"))
    assert await _photos(sessions) == ["p-1", "p-2"]
    return official


async def test_a_correction_on_telegram_removes_one_photo_and_adds_two(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _report_with_photos(sessions, chat, "telegram")
    await official.say("/lichsu")
    await official.press(official.option("Số 1"))
    await official.press(official.option("Sửa"))
    assert "Ảnh: 2" in official.text
    await official.press(official.option("Sửa"))
    replies = await official.press(official.option("Ảnh"))
    assert "Báo cáo có 2 ảnh" in replies[0].text
    labels = [o.label for o in replies[0].options]
    assert labels[:3] == ["Xong", "↩️ Bỏ ảnh cuối", "🗑 Bỏ tất cả ảnh"]
    replies = await official.press(official.option("Bỏ ảnh cuối"))
    assert "Đã bỏ 1 ảnh; còn 1 ảnh" in replies[0].text
    await official.send(InputKind.PHOTO, photo_ref="p-3")
    await official.say("xin chào")  # a greeting asks the photos question again
    assert "Báo cáo có 2 ảnh" in official.replies[-1].text
    await official.send(InputKind.PHOTO, photo_ref="p-4")
    replies = await official.press(official.option("Xong"))
    assert "Sửa báo cáo số 1" in replies[0].text
    assert "Ảnh: 3" in replies[0].text
    assert await _photos(sessions) == ["p-1", "p-2"]  # nothing changes before "Xác nhận"
    await official.press(official.option("Xác nhận"))
    assert await _photos(sessions) == ["p-1", "p-3", "p-4"]
    async with sessions() as session:
        before = await session.scalar(
            select(ReportRevision.before).where(ReportRevision.action == "corrected")
        )
    assert before is not None
    assert before["photos"] == ["p-1", "p-2"]


async def test_a_correction_on_zalo_removes_all_photos_by_number(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _report_with_photos(sessions, chat, "zalo")
    await official.say("/lichsu")
    await official.say("1")  # Số 1
    await official.say("1")  # Sửa
    await official.say("sua")  # "Sửa" at the summary, by its word
    replies = await official.say("anh")  # "Ảnh" by its label
    assert "Báo cáo có 2 ảnh" in replies[0].text
    labels = [o.label for o in replies[0].options]
    await official.say(str(labels.index("🗑 Bỏ tất cả ảnh") + 1))
    assert "còn 0 ảnh" in official.text
    assert 'chọn "Xong"' in official.replies[-1].text
    assert "chỉ nhận ảnh" in (await official.say("9"))[0].text  # a number past the list
    await official.say("xong")
    assert "Ảnh:" not in official.text
    await official.say("xac nhan")
    assert await _photos(sessions) == []
