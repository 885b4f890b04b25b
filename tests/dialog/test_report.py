"""The report flow, step by step and quick, with every refusal; history and review."""

import asyncio
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import InputKind
from bot.services.insights.kpis import list_target_figures
from db.models import Conversation, Report, ReportAttachment, ReportFigure, ReportRevision
from tests.dialog.conftest import NOW, Chat, Clock, outbox_texts
from tests.factories import make_user

TODAY = date(2026, 11, 25)  # NOW in Asia/Ho_Chi_Minh


async def _official(
    sessions: async_sessionmaker[AsyncSession],
    chat: Callable[..., Chat],
    unit: str = "18562",
    chat_id: str = "3001",
) -> Chat:
    async with sessions.begin() as session:
        await make_user(session, chat_id=chat_id, role="official", unit_code=unit)
    return chat(chat_id, "Cán bộ xã")


async def _reports(sessions: async_sessionmaker[AsyncSession]) -> list[Report]:
    async with sessions() as session:
        return list(await session.scalars(select(Report).order_by(Report.id)))


async def _communes_reached(sessions: async_sessionmaker[AsyncSession]) -> int | None:
    """Communes reached by reports received: verified, or pending verification."""
    async with sessions() as session:
        figures = await list_target_figures(
            session, year=2026, plan_start=date(2026, 1, 1), plan_end=date(2030, 12, 31)
        )
    return next(
        (f.verified or 0) + (f.pending or 0) for f in figures if f.code == "communes_reached"
    )


async def _to_question(official: Chat) -> None:
    await official.say("/baocao")
    await official.press(official.option("IV.9"))
    await official.press(official.option("Hôm qua"))


async def test_a_full_report_with_buttons_typed_text_and_photos(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    assert "nhiệm vụ nào" in (await official.say("/baocao"))[0].text
    await official.press(official.option("IV.9"))
    assert "ngày nào" in official.text
    await official.press(official.option("Hôm qua"))
    await official.say("2 buổi")
    await official.say("một trăm hai mươi")
    assert official.replies[0].options
    await official.press(official.replies[0].options[0].payload)
    await official.say("Họp dân tại nhà văn hóa thôn Trung Tiến")
    await official.send(InputKind.PHOTO, photo_ref="photo-1")
    assert "Đã nhận 1 ảnh" in official.text
    await official.send(InputKind.PHOTO, photo_ref="photo-2")
    replies = await official.press(official.option("Xong"))
    summary = replies[0].text
    for part in ("24/11/2026", "2 buổi", "120 người", "Họp dân tại nhà văn hóa", "Ảnh: 2"):
        assert part in summary
    assert await _reports(sessions) == []
    replies = await official.press(official.option("Xác nhận"))
    assert "Đã ghi nhận báo cáo số 1" in replies[0].text
    [report] = await _reports(sessions)
    assert (report.activity_date, report.status) == (date(2026, 11, 24), "submitted")
    async with sessions() as session:
        figures = {f.key: f.number for f in await session.scalars(select(ReportFigure))}
        photos = await session.scalar(select(func.count()).select_from(ReportAttachment))
    assert (figures["sessions_held"], figures["participants"], photos) == (2, 120, 2)
    assert await _communes_reached(sessions) == 1
    assert "Lựa chọn này không còn hiệu lực" in (await official.press("report:save:"))[0].text
    assert len(await _reports(sessions)) == 1


@pytest.mark.parametrize(
    ("step_input", "expected"),
    [
        ("32/13", "Ngày chưa đúng"),
        ("30/12", "không thể sau hôm nay"),
        ("1/1/2025", "Kế hoạch bắt đầu từ 01/01/2026"),
        ("ngày mai nhé", "Ngày chưa đúng"),
    ],
)
async def test_bad_dates_are_refused_and_the_step_stays(
    sessions: async_sessionmaker[AsyncSession],
    chat: Callable[..., Chat],
    step_input: str,
    expected: str,
) -> None:
    official = await _official(sessions, chat)
    await official.say("/baocao")
    await official.press(official.option("IV.9"))
    replies = await official.say(step_input)
    assert len(replies) == 1
    assert expected in replies[0].text
    assert "buổi" in (await official.say("20/11"))[0].text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("-3", "không thể là số âm"),
        ("\u22123", "không thể là số âm"),
        ("- 3", "không thể là số âm"),
        ("5000", "phải từ 0 đến 200"),
        ("abc", "gõ một số nguyên"),
        ("2,5", "gõ một số nguyên"),
        ("2 hoặc 3", "gõ một số nguyên"),
    ],
)
async def test_bad_numbers_are_refused_with_the_range(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], typed: str, expected: str
) -> None:
    official = await _official(sessions, chat)
    await _to_question(official)
    replies = await official.say(typed)
    assert len(replies) == 1
    assert expected in replies[0].text
    assert "người" in (await official.say("hai"))[0].text.lower()


async def test_oversized_text_stickers_and_stray_text_leave_the_step(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await _to_question(official)
    await official.say("2")
    await official.say("30")
    await official.press(official.replies[0].options[0].payload)
    assert "mô tả" in official.text.lower()
    assert "quá giới hạn 1000" in (await official.say("x" * 1001))[0].text.replace(".", "")
    assert "chỉ đọc được" in (await official.send(InputKind.OTHER))[0].text
    await official.say("1")  # the options shown before the sticker still answer to their numbers
    assert "chỉ nhận ảnh" in (await official.say("đây là ảnh"))[0].text
    replies = await official.press("report:skip:")
    assert "Kiểm tra báo cáo" in replies[0].text
    assert 'chọn "Xác nhận"' in (await official.say("ok gửi đi"))[0].text


async def test_back_goes_one_step_and_cancel_stores_nothing(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await _to_question(official)
    await official.say("2")
    assert "người" in official.text.lower()
    replies = await official.press(official.option("Quay lại"))
    assert "buổi" in replies[0].text
    await official.say("quay lai")
    assert "ngày nào" in official.text
    await official.say("/huy")
    assert "Đã hủy" in official.text
    assert await _reports(sessions) == []


async def test_citizens_and_other_units_cannot_report(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    citizen = chat("4001")
    assert "chưa có quyền" in (await citizen.say("/baocao"))[0].text
    assert "chưa có quyền" in (await citizen.press("report:task:IV.9"))[0].text
    official = await _official(sessions, chat)
    replies = await official.say("/baocao I.1 3 tin bài")
    assert "không báo cáo nhiệm vụ I.1" in replies[0].text
    assert await _reports(sessions) == []


async def test_a_quick_report_asks_only_what_is_missing(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    replies = await official.say("/baocao IV.9 3 buổi")
    assert "người" in replies[0].text.lower()
    await official.say("45")
    replies = await official.press(official.replies[0].options[0].payload)
    assert "Kiểm tra báo cáo" in replies[0].text
    assert "3 buổi" in replies[0].text
    assert TODAY.strftime("%d/%m/%Y") in replies[0].text
    await official.press(official.option("Xác nhận"))
    assert len(await _reports(sessions)) == 1


async def test_a_quick_report_with_a_negative_figure_is_refused_not_read_as_positive(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await official.say("/start")
    replies = await official.say("/baocao IV.9 -2 buổi")
    assert "không thể là số âm" in replies[0].text
    assert "Số buổi" in replies[1].text
    assert await _reports(sessions) == []
    await official.say("3")
    await official.say("150")
    summary = (await official.press(official.replies[0].options[0].payload))[0].text
    assert "3 buổi" in summary


async def test_free_text_with_an_activity_and_a_number_is_a_quick_report(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await official.say("/start")
    replies = await official.say("Hôm qua họp dân 2 buổi")
    assert "người" in replies[0].text.lower()
    await official.say("60")
    summary = (await official.press(official.replies[0].options[0].payload))[0].text
    assert "24/11/2026" in summary
    assert "2 buổi" in summary


async def test_two_confirmations_at_once_save_one_report(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await official.say("/baocao IV.9 3 buổi")
    await official.say("45")
    await official.press(official.replies[0].options[0].payload)
    twin = Chat(official.engine, official.chat_id, _update=500)
    await asyncio.gather(official.press("report:save:"), twin.press("report:save:"))
    assert len(await _reports(sessions)) == 1


async def _one_report(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> Chat:
    official = await _official(sessions, chat)
    await official.say("/baocao IV.9 3 buổi")
    await official.say("45")
    await official.press(official.replies[0].options[0].payload)
    await official.press(official.option("Xác nhận"))
    return official


async def test_history_correction_and_withdrawal_keep_the_changes(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _one_report(sessions, chat)
    await official.say("/lichsu")
    await official.press(official.option("Số 1"))
    assert "3 buổi" in official.text
    await official.press(official.option("Sửa"))
    await official.press(official.option("Sửa"))
    await official.press(official.option("Buổi"))
    replies = await official.say("5")
    assert "Sửa báo cáo số 1" in replies[0].text
    assert "5 buổi" in replies[0].text
    assert (
        "đã cập nhật báo cáo số 1"
        in (await official.press(official.option("Xác nhận")))[0].text.lower()
    )
    await official.say("/lichsu")
    await official.press(official.option("Số 1"))
    await official.press(official.option("Rút lại"))
    await official.press(official.option("Rút lại"))
    assert "Đã rút lại báo cáo số 1" in official.text
    [report] = await _reports(sessions)
    assert report.status == "withdrawn"
    async with sessions() as session:
        actions = list(
            await session.scalars(select(ReportRevision.action).order_by(ReportRevision.id))
        )
        sessions_held = await session.scalar(
            select(ReportFigure.number).where(ReportFigure.key == "sessions_held")
        )
    assert actions == ["created", "corrected", "withdrawn"]
    assert sessions_held == 5
    assert await _communes_reached(sessions) == 0


async def test_reports_older_than_7_days_cannot_be_changed(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat], clock: Clock
) -> None:
    official = await _one_report(sessions, chat)
    clock.now = NOW + timedelta(days=8)
    await official.say("/lichsu")
    replies = await official.press(official.option("Số 1"))
    assert not replies[0].options
    assert "không thể sửa" in (await official.press("history:withdrawyes:1"))[0].text


async def test_a_coordinator_rejects_with_a_reason_and_the_official_is_told(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    await _one_report(sessions, chat)
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/xacminh")
    assert "Báo cáo số 1" in coordinator.text
    await coordinator.press(coordinator.option("Từ chối"))
    assert "lý do" in (await coordinator.say(" "))[0].text
    await coordinator.say("Số người tham gia chưa khớp biên bản")
    assert "Đã từ chối" in coordinator.text
    told = await outbox_texts(sessions, "3001")
    assert "Số người tham gia chưa khớp biên bản" in told[-1]["text"]
    assert await _communes_reached(sessions) == 0
    assert "đã được xử lý" in (await coordinator.press("history:verify:1"))[0].text


async def test_a_verified_report_counts_and_the_official_is_told(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    await _one_report(sessions, chat)
    coordinator = chat("9000", "Điều phối viên")
    await coordinator.say("/xacminh")
    await coordinator.press(coordinator.option("Xác minh"))
    assert "xác minh" in (await outbox_texts(sessions, "3001"))[-1]["text"]
    assert await _communes_reached(sessions) == 1
    official = chat("3001")
    assert "chỉ dành cho cán bộ điều phối" in (await official.press("history:verify:1"))[0].text


async def test_a_digit_at_a_number_question_is_the_answer_not_an_option(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await _to_question(official)
    assert official.option("Quay lại")
    await official.say("1")
    assert "người" in official.text.lower()
    await official.say("2")
    await official.say("2")  # the channel question: digits choose again
    assert "mô tả" in official.text.lower()


@pytest.mark.parametrize(
    ("typed", "picked"),
    [("loa", "loudspeaker"), ("Hội nghị", "meeting"), ("nhom zalo", "social"), ("lo", None)],
)
async def test_a_choice_can_be_typed_by_the_first_words_of_its_label(
    sessions: async_sessionmaker[AsyncSession],
    chat: Callable[..., Chat],
    typed: str,
    picked: str | None,
) -> None:
    official = await _official(sessions, chat)
    await official.say("/baocao IV.9")
    await official.press(official.option("Hôm qua"))
    await official.say("2")
    await official.say("30")
    await official.say(typed)
    async with sessions() as session:
        [conversation] = await session.scalars(select(Conversation))
    draft = conversation.data["draft"]
    assert isinstance(draft, dict)
    answers = draft["answers"]
    assert answers.get("outreach_channel") == picked


async def _same_again(official: Chat, sessions_held: int = 3) -> str:
    await official.say(f"/baocao IV.9 {sessions_held} buổi")
    await official.say("45")
    return (await official.press(official.replies[0].options[0].payload))[0].text


async def test_the_same_report_twice_is_flagged_at_the_summary_and_saved_only_if_asked(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _one_report(sessions, chat)
    summary = await _same_again(official)
    assert "giống hệt báo cáo số 1" in summary
    assert official.option("Vẫn gửi")
    await official.press(official.option("Hủy"))
    assert len(await _reports(sessions)) == 1
    assert "giống hệt" not in await _same_again(official, sessions_held=4)
    await official.say("/huy")
    await _same_again(official)
    await official.press(official.option("Vẫn gửi"))
    assert len(await _reports(sessions)) == 2


async def test_a_withdrawn_report_is_no_duplicate(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _one_report(sessions, chat)
    await official.press("history:withdrawyes:1")
    assert "giống hệt" not in await _same_again(official)


async def test_a_draft_stored_before_the_steps_had_states_is_asked_again(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> None:
    official = await _official(sessions, chat)
    await official.say("/start")
    async with sessions.begin() as session:
        row = await session.scalar(select(Conversation).where(Conversation.chat_id == "3001"))
        assert row is not None
        row.state = "report.step"
        row.data = {
            "task": "IV.9",
            "single": False,
            "answers": {"sessions_held": 3},
            "photos": [],
            "date": "2026-11-24",
            "step": "q:participants",
            "numeric_input": True,
        }
    replies = await official.say("45")
    assert "người" in replies[0].text.lower()
    await official.say("45")
    async with sessions() as session:
        row = await session.scalar(select(Conversation).where(Conversation.chat_id == "3001"))
    assert row is not None
    assert row.state == "report.q"
    assert row.data["draft"]["answers"] == {"sessions_held": 3, "participants": 45}  # type: ignore[index]
