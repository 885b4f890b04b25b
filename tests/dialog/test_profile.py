"""Issue 18.5: /toi says role, unit, subscriptions (and how to change them), a pending join
request, what is stored and how to erase it."""

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import ReportAttachment
from tests.dialog.conftest import Chat, start_join
from tests.factories import make_report, make_user


async def test_a_citizen_sees_subscriptions_a_pending_request_and_what_is_kept(
    chat: Callable[..., Chat],
) -> None:
    lan = chat("z-40", "Lê Thị Lan", channel="zalo")
    await lan.say("/start")
    replies = await lan.say("toi")
    text = replies[0].text
    assert "Vai trò: người dân" in text
    assert "Chủ đề theo dõi: chưa theo dõi chủ đề nào" in text
    assert "mã cuộc trò chuyện trên Zalo" in text
    assert "/xoadulieu" in text
    labels = [o.label for o in replies[0].options]
    assert labels[0] == "📚 Đổi chủ đề theo dõi"
    assert "📝 Đăng ký cán bộ đầu mối" in labels
    # Change the subscriptions from there, by number.
    replies = await lan.say("1")
    assert any("Nhựa" in o.label or "ni lông" in o.label for o in replies[0].options)
    await lan.press(lan.option("ni lông"))
    await start_join(lan)
    await lan.say("thach ha")
    await lan.say("1")
    replies = await lan.say("/toi")
    text = replies[0].text
    assert "Chủ đề theo dõi: Giảm túi ni lông, nhựa dùng một lần" in text
    assert "Yêu cầu làm cán bộ đầu mối của Xã Thạch Hà đang chờ duyệt (gửi ngày 25/11/2026)" in text
    assert "họ tên, chức vụ, số điện thoại đã khai khi đăng ký" in text
    assert "📝 Đăng ký cán bộ đầu mối" not in [o.label for o in replies[0].options]
    # The erase button leads to the confirmation (nothing erased yet).
    replies = await lan.press(lan.option("Xóa dữ liệu của tôi"))
    assert "muốn xóa dữ liệu cá nhân" in replies[0].text


async def test_an_official_sees_the_unit_and_the_reports_and_photos_kept(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with sessions.begin() as session:
        user = await make_user(session, chat_id="3001", role="official", unit_code="18562")
        report = await make_report(session, unit_code="18562", task_code="IV.9")
        report.reporter_id = user.id
        session.add(ReportAttachment(report_id=report.id, channel="telegram", file_ref="p-1"))
    official = chat("3001", "Cán bộ xã")
    text = (await official.say("/toi"))[0].text
    assert "Vai trò: cán bộ đầu mối" in text
    assert "Đơn vị: Xã Thạch Hà" in text
    assert "1 báo cáo đã gửi (1 ảnh), thuộc hồ sơ của đơn vị" in text
    assert "Thông báo báo cáo chờ" not in text


async def test_a_coordinator_without_a_unit_is_told_so(
    chat: Callable[..., Chat],
) -> None:
    admin = chat("9000", "Điều phối viên")
    text = (await admin.say("/toi"))[0].text
    assert "Vai trò: cán bộ điều phối" in text
    assert "chưa gắn với cơ quan nào (không gửi báo cáo)" in text
    assert "Thông báo báo cáo chờ xác minh (tối đa 1 lần/ngày): đang bật" in text
