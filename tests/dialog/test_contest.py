"""The contest in chat: registration, attempts on every channel, fairness and the coordinator."""

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.engine import Engine
from db.models import ContestAnswer, ContestEntry, ContestItem, ContestQuestion, OutboxMessage
from tests.contest_helpers import (
    answer_buttons,
    attempts_of,
    correct_letters,
    deliver,
    open_round,
    pending_messages,
    register,
    single_answer_bank,
)
from tests.dialog.conftest import Chat, Clock

Sessions = async_sessionmaker[AsyncSession]


async def _entries(sessions: Sessions) -> list[ContestEntry]:
    async with sessions() as session:
        return list(await session.scalars(select(ContestEntry).order_by(ContestEntry.id)))


async def _take_attempt(
    student: Chat, sessions: Sessions, clock: Clock, *, typed: bool, seconds: float = 5
) -> str:
    """Start, answer every question right (buttons or typed), predict; the final reply."""
    await student.press(student.option("Làm bài"))
    assert student.replies == []  # the question comes through the outbox, nothing else
    while True:
        [question] = await deliver(sessions, student.chat_id, at=clock.now)
        if "Câu dự đoán" in question.text:
            break
        assert question.text.startswith("Câu ")
        clock.now += timedelta(seconds=seconds)
        right = await correct_letters(sessions, question)
        if typed:
            await student.say(" ".join(right).lower())
        elif len(right) == 1:
            [button] = [o for o in answer_buttons(question) if o.label == right[0]]
            await student.press(button.payload)
        else:
            for letter in right:
                [button] = [o for o in answer_buttons(question) if o.label == letter]
                await student.press(button.payload)
                await deliver(sessions, student.chat_id, at=clock.now)
            await student.press(question.options[-1].payload)
        assert student.replies == [], student.text
    replies = await student.say("12")
    return replies[0].text


async def test_registration_refuses_bad_input_and_keeps_the_step(
    chat: Callable[..., Chat], sessions: Sessions
) -> None:
    await open_round(sessions)
    an = chat("2001", "An")
    await an.say("/thi")
    assert "Điều 24 khoản 2 Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in an.text
    await an.press(an.option("Đồng ý"))
    assert "họ tên cần có ít nhất 2 chữ" in (await an.say("An"))[-1].text.lower()
    assert "Ngày sinh" in (await an.say("nguyen van an"))[-1].text
    assert "chưa đúng" in (await an.say("31/02/2009"))[-1].text
    assert "ngoài khoảng" in (await an.say("15/03/2020"))[-1].text
    assert "trường THPT nào" in (await an.say("15-3-2009"))[-1].text
    assert "Không tìm thấy trường" in (await an.say("truong xyz qwerty"))[-1].text
    options = (await an.say("phan dinh phug"))[-1].options  # a typo
    assert next(o.label for o in options) == "THPT Phan Đình Phùng"
    await an.press(options[0].payload)
    assert "khối 10, 11 hoặc 12" in (await an.say("9A"))[-1].text
    assert "điện thoại" in (await an.say("lop 11 toan"))[-1].text.lower()
    assert "10 chữ số" in (await an.say("12345"))[-1].text
    summary = (await an.say("+84 912 345 678"))[-1].text
    assert "Nguyen Van An" in summary
    assert "11TOAN" in summary
    assert "0912 345 678" in summary
    assert await _entries(sessions) == []  # nothing stored before the confirmation
    await an.press(an.option("Xác nhận"))
    [entry] = await _entries(sessions)
    assert (entry.full_name, entry.child, entry.guardian_name) == ("Nguyen Van An", False, None)


async def test_under_16_needs_a_guardian_who_may_refuse(
    chat: Callable[..., Chat], sessions: Sessions
) -> None:
    await open_round(sessions)
    binh = chat("2002", "Bình")
    await binh.say("/thi")
    await binh.press(binh.option("Đồng ý"))
    for typed in ("Trần Thị Bình", "01/12/2010", "ha huy tap"):
        await binh.say(typed)
    await binh.press(binh.reply_option_payload(0))
    await binh.say("10A2")
    replies = await binh.press(binh.option("Bỏ qua"))
    assert "chưa đủ 16 tuổi" in replies[0].text
    assert "Điều 24 khoản 2" in replies[0].text
    await binh.press(binh.option("không đồng ý"))
    assert "không lưu thông tin nào" in binh.text
    assert await _entries(sessions) == []
    await binh.say("/thi")
    await binh.press(binh.option("Đồng ý"))
    for typed in ("Trần Thị Bình", "01/12/2010", "ha huy tap"):
        await binh.say(typed)
    await binh.press(binh.reply_option_payload(0))
    await binh.say("10A2")
    await binh.press(binh.option("Bỏ qua"))
    await binh.say("bo me khong dong y")  # typed, not pressed: still a refusal, not a name
    assert "không lưu thông tin nào" in binh.text
    await register(binh, name="Trần Thị Bình", birth="01/12/2010", guardian="Trần Văn Cha")
    [entry] = await _entries(sessions)
    assert (entry.child, entry.guardian_name) == (True, "Trần Văn Cha")
    assert entry.guardian_consented_at is not None


async def test_the_same_person_registers_once_per_round(
    chat: Callable[..., Chat], sessions: Sessions
) -> None:
    await open_round(sessions)
    await register(chat("2003"))
    other_account = chat("2004", channel="zalo")
    await other_account.say("/thi")
    await other_account.press(other_account.option("Đồng ý"))
    for typed in ("nguyen van an", "15/3/2009", "phan dinh phung"):
        await other_account.say(typed)
    await other_account.press(other_account.reply_option_payload(0))
    await other_account.say("10a1")
    await other_account.press(other_account.option("Bỏ qua"))
    replies = await other_account.press(other_account.option("Xác nhận"))
    assert "chỉ đăng ký một lần" in replies[0].text
    assert len(await _entries(sessions)) == 1


async def test_a_full_attempt_with_buttons_on_telegram(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await open_round(sessions, questions=5)
    an = chat("2010")
    await register(an)
    final = await _take_attempt(an, sessions, clock, typed=False)
    assert "5/5 câu đúng" in final
    assert "thời gian làm bài 0 phút 25 giây" in final
    [attempt] = await attempts_of(sessions)
    assert (attempt.status, attempt.score, attempt.prediction) == ("finished", 5, 12)
    assert attempt.charged_ms == 25_000
    assert attempt.queue_ms == 0


@pytest.mark.parametrize("channel", ["zalo", "console"])
async def test_a_full_attempt_typed_on_channels_without_buttons(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock, channel: str
) -> None:
    await open_round(sessions, questions=4)
    student = chat("2011", channel=channel)
    await register(student)
    final = await _take_attempt(student, sessions, clock, typed=True)
    assert "4/4 câu đúng" in final


async def test_the_send_queue_is_not_charged_and_answers_wait_for_delivery(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await single_answer_bank(sessions)
    await open_round(sessions, questions=2)
    an = chat("2012", channel="zalo")
    await register(an)
    await an.press(an.option("Làm bài"))
    replies = await an.say("a")  # typed before the question arrived
    assert "đang được gửi" in replies[0].text
    clock.now += timedelta(seconds=40)  # 40 s in the bot's queue
    [question] = await deliver(sessions, "2012", at=clock.now)
    assert "còn 5 phút 00 giây" in question.text
    clock.now += timedelta(seconds=7)
    await an.say((await correct_letters(sessions, question))[0])
    [attempt] = await attempts_of(sessions)
    assert (attempt.charged_ms, attempt.queue_ms) == (7_000, 40_000)


async def test_an_attempt_resumes_after_cancel_and_restart_with_its_clock_running(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock, engine: Engine
) -> None:
    await single_answer_bank(sessions)
    await open_round(sessions, questions=3)
    an = chat("2013")
    await register(an)
    await an.press(an.option("Làm bài"))
    [first] = await deliver(sessions, "2013", at=clock.now)
    clock.now += timedelta(seconds=30)
    await an.say("/huy")
    restarted = Chat(
        Engine(
            sessions=engine.sessions,
            texts=engine.texts,
            router=engine.router,
            config=engine.config,
            clock=clock,
        ),
        "2013",
    )
    assert await restarted.say("/thi") == []
    [again] = await deliver(sessions, "2013", at=clock.now)
    assert "Câu 1/3 · còn 4 phút 30 giây" in again.text
    # The first message's buttons still answer the same question, once.
    [button] = [
        o for o in answer_buttons(first) if o.label == (await correct_letters(sessions, first))[0]
    ]
    await restarted.press(button.payload)
    assert "còn 4 phút 30 giây" in (await deliver(sessions, "2013", at=clock.now))[0].text
    replies = await restarted.press(button.payload)
    assert "câu trả lời đầu tiên được tính" in replies[0].text
    [attempt] = await attempts_of(sessions)
    assert (attempt.score, attempt.answered, attempt.charged_ms) == (1, 1, 30_000)


async def test_a_late_answer_scores_nothing_and_ends_the_questions(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await single_answer_bank(sessions)
    await open_round(sessions, questions=3, minutes=1)
    an = chat("2014")
    await register(an)
    await an.press(an.option("Làm bài"))
    [question] = await deliver(sessions, "2014", at=clock.now)
    clock.now += timedelta(seconds=61)
    right = (await correct_letters(sessions, question))[0]
    [button] = [o for o in answer_buttons(question) if o.label == right]
    await an.press(button.payload)
    [prompt] = await deliver(sessions, "2014", at=clock.now)
    assert "hết thời gian" in prompt.text
    await an.say("3")
    [attempt] = await attempts_of(sessions)
    assert (attempt.score, attempt.timed_out, attempt.charged_ms) == (0, True, 60_000)


async def test_forged_and_foreign_answers_are_refused(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await single_answer_bank(sessions)
    await open_round(sessions, questions=3)
    an, binh = chat("2015"), chat("2016")
    await register(an)
    await register(binh, name="Lê Văn Bình")
    await an.press(an.option("Làm bài"))
    await binh.press(binh.option("Làm bài"))
    [an_question] = await deliver(sessions, "2015", at=clock.now)
    await deliver(sessions, "2016", at=clock.now)
    stolen = answer_buttons(an_question)[0].payload
    for payload in (stolen, "thi:a:AAAAAAAAAAAA.0", "thi:a:../../etc", "thi:a:" + "x" * 40):
        replies = await binh.press(payload)
        assert "không còn hiệu lực" in replies[0].text
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ContestAnswer)) == 0
    # A question of the attempt that is not the current one: refused too.
    async with sessions() as session:
        later = await session.scalar(
            select(ContestItem.token).where(ContestItem.position == 2).limit(1)
        )
    assert "không còn hiệu lực" in (await an.press(f"thi:a:{later}.0"))[0].text


async def test_answers_after_the_round_closed_are_refused(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await single_answer_bank(sessions)
    await open_round(sessions, questions=3, days=1)
    an = chat("2017")
    await register(an)
    await an.press(an.option("Làm bài"))
    [question] = await deliver(sessions, "2017", at=clock.now)
    clock.now += timedelta(days=1, minutes=1)
    replies = await an.press(answer_buttons(question)[0].payload)
    assert "Đợt thi đã kết thúc" in replies[0].text
    closed = await an.say("/thi")
    assert "đã kết thúc" in closed[0].text
    assert "Xem đáp án" in next(o.label for o in closed[0].options)
    review = await an.press(closed[0].options[0].payload)
    assert "ĐÁP ÁN" in review[0].text


async def test_answering_faster_than_a_person_reads_is_flagged(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await open_round(sessions, questions=4)
    bot_like, human = chat("2018"), chat("2019")
    await register(bot_like)
    await register(human, name="Lê Thị Hoa")
    await _take_attempt(bot_like, sessions, clock, typed=False, seconds=0.4)
    await _take_attempt(human, sessions, clock, typed=False, seconds=9)
    flags = [a.flagged for a in await attempts_of(sessions)]
    assert flags == [True, False]


async def test_the_coordinator_closes_publishes_and_exports(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock, tmp_path: Path
) -> None:
    round_id = await open_round(sessions, questions=3)
    an = chat("2020")
    await register(an)
    await _take_attempt(an, sessions, clock, typed=False)
    citizen_try = await an.say("/ketquathi")
    assert "chỉ dành cho cán bộ điều phối" in citizen_try[0].text
    admin = chat("9000", "Điều phối viên")
    summary = (await admin.say("ket qua thi"))[0].text
    assert "ĐỢT THI 1 (đang diễn ra)" in summary
    assert "1. Nguyễn Văn An – THPT Phan Đình Phùng, lớp 10A1: 3 câu" in summary
    assert "Trường có thí sinh: 1/45 (danh sách trường tạm, chưa xác minh)" in summary
    assert "Chưa có thí sinh (44)" in summary
    await admin.press(admin.option("Đóng đợt thi"))
    await admin.press(admin.option("Đồng ý"))
    assert "Đã đóng đợt thi 1" in admin.text
    await admin.say("/ketquathi")
    await admin.press(admin.option("Công bố kết quả"))
    await admin.press(admin.option("Đồng ý"))
    assert "1 thí sinh sẽ nhận" in admin.text
    [announcement] = [m for _i, m in await pending_messages(sessions, "2020")]
    assert "xếp hạng 1/1" in announcement.text
    await admin.say("/ketquathi")
    replies = await admin.press(admin.option("Tệp Excel kết quả"))
    attachment = replies[0].attachment
    assert attachment is not None
    book = load_workbook(attachment.ref)
    assert book.sheetnames == ["Xếp hạng cá nhân", "Theo trường", "Câu hỏi"]
    row = [c.value for c in book["Xếp hạng cá nhân"][2]]
    assert row[:3] == [1, "Nguyễn Văn An", "15/03/2009"]
    assert (row[5], row[9]) == (3, 15)  # numbers as numbers: 3 answers of 5 s
    assert round_id


async def test_a_coordinator_creates_and_opens_a_round_in_chat(
    chat: Callable[..., Chat], sessions: Sessions
) -> None:
    admin = chat("9000", "Điều phối viên")
    await admin.say("/ketquathi")
    await admin.press(admin.option("Tạo đợt thi"))
    assert "dạng: 1/12/2026 - 15/12/2026" in (await admin.say("1/12/2026 den 15/12"))[-1].text
    assert "sau thời gian bắt đầu" in (await admin.say("15/12/2026 - 1/12/2026"))[-1].text
    created = (await admin.say("1/12/2026 - 15/12/2026"))[-1]
    assert "Đã tạo đợt thi 1 (chưa mở)" in created.text
    await admin.press(admin.option("Mở đợt thi"))
    assert "Đã mở đợt thi 1" in admin.text
    student = chat("2030")
    assert "bắt đầu lúc 00:00 01/12/2026" in (await student.say("/thi"))[0].text


async def test_erasure_waits_for_the_results_then_empties_the_entry(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await open_round(sessions, questions=3)
    an = chat("2021")
    await register(an)
    await _take_attempt(an, sessions, clock, typed=False)
    await an.say("/xoadulieu")
    await an.press(an.option("Xóa dữ liệu"))
    [entry] = await _entries(sessions)
    assert (entry.user_id, entry.full_name, entry.erase_requested) == (None, "Nguyễn Văn An", True)
    admin = chat("9000", "Điều phối viên")
    await admin.say("/ketquathi")
    await admin.press(admin.option("Đóng đợt thi"))
    await admin.press(admin.option("Đồng ý"))
    await admin.say("/ketquathi")
    await admin.press(admin.option("Công bố kết quả"))
    await admin.press(admin.option("Đồng ý"))
    [entry] = await _entries(sessions)
    assert (entry.full_name, entry.birth_date, entry.class_name) == (None, None, None)
    assert entry.erased_at is not None
    async with sessions() as session:  # the erased student is not told: no chat left
        assert (
            await session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.chat_id == "2021")
            )
            == 0
        )


async def test_menu_mid_attempt_then_a_number_picks_the_menu_not_an_answer(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    await single_answer_bank(sessions)
    await open_round(sessions, questions=2)
    an = chat("2022", channel="zalo")
    await register(an)
    await an.press(an.option("Làm bài"))
    [question] = await deliver(sessions, "2022", at=clock.now)
    await an.say("/menu")
    replies = await an.say("1")  # the menu's first item, as shown
    assert "Lựa chọn này" not in replies[0].text
    assert [a.answered for a in await attempts_of(sessions)] == [0]
    await an.say("thi")
    [again] = await deliver(sessions, "2022", at=clock.now)
    assert again.text.startswith("Câu 1/2")
    await an.say("2")  # no menu on screen now: the second option answers the question
    assert [a.answered for a in await attempts_of(sessions)] == [1]
    assert question.text.split("\n")[1] == again.text.split("\n")[1]


async def test_a_toggle_after_the_time_limit_ends_the_questions(
    chat: Callable[..., Chat], sessions: Sessions, clock: Clock
) -> None:
    async with sessions.begin() as session:
        for row in await session.scalars(select(ContestQuestion)):
            row.active = len(row.correct) > 1  # the five with several right options
    await open_round(sessions, questions=2, minutes=1)
    an = chat("2023")
    await register(an)
    await an.press(an.option("Làm bài"))
    [question] = await deliver(sessions, "2023", at=clock.now)
    toggle = answer_buttons(question)[0].payload
    assert toggle.startswith("thi:t:")
    await an.press(toggle)
    [again] = await deliver(sessions, "2023", at=clock.now)
    assert "đang chọn: A" in again.text
    clock.now += timedelta(seconds=70)
    await an.press(toggle)
    [prompt] = await deliver(sessions, "2023", at=clock.now)
    assert "hết thời gian" in prompt.text
