"""A student takes the contest through the real bot: on Telegram (fake Bot API) and on Zalo."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.conftest import BotProcess, PersonFactory, start_bot
from tests.e2e.zalo_bot import ZaloPerson, start_zalo_bot
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

pytestmark = pytest.mark.e2e
QUESTIONS = 3


def open_round(bot: BotProcess) -> None:
    """The coordinator's part, from the command line."""
    today = datetime.now(UTC).date()
    created = bot.cli(
        "contest", "create", "--start", (today - timedelta(days=1)).isoformat(),
        "--end", (today + timedelta(days=7)).isoformat(), "--questions", str(QUESTIONS),
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert bot.cli("contest", "open", "1").returncode == 0


def right_letter(bot: BotProcess, question_text: str) -> str:
    """The correct letter of the question on screen (read from the database, as a grader)."""
    rows = bot.query(
        'select i."order", q.correct, q.text from contest_items i '
        "join contest_questions q on q.id = i.question_id"
    )
    for order, correct, text in rows:
        if str(text) in question_text:
            slots = json.loads(str(order))
            return "ABCD"[slots.index(json.loads(str(correct))[0])]
    raise AssertionError(f"no such question: {question_text}")


@pytest.fixture
def telegram_bot(fake: FakeTelegram, tmp_path: Path) -> Iterator[BotProcess]:
    process = start_bot(fake, tmp_path, webhook=True)
    yield process
    process.stop()


def test_a_student_takes_the_contest_on_telegram(
    telegram_bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    open_round(telegram_bot)
    hoa = person(6001, "Lê Thị Hoa")
    hoa.say("/thi", "THỂ LỆ")
    hoa.press("Đồng ý", "họ và tên")
    hoa.say("Lê Thị Hoa", "Ngày sinh")
    hoa.say("02/09/2009", "trường THPT nào")
    hoa.say("nguyen du", "chọn đúng trường")
    hoa.press("THPT Nguyễn Du", "lớp nào")
    hoa.say("11A3", "Số điện thoại")
    hoa.press("Bỏ qua", "Kiểm tra thông tin")
    hoa.press("Xác nhận", "Làm bài")
    question = hoa.press("Làm bài", "Câu 1/3")
    for number in range(2, QUESTIONS + 2):
        letter = right_letter(telegram_bot, question.content)
        data = question.callback_data(letter)
        assert len(data.encode()) <= 64
        assert data.startswith("thi:a:")
        expect = f"Câu {number}/{QUESTIONS}" if number <= QUESTIONS else "Câu dự đoán"
        question = hoa.press(letter, expect, message=question)
    result = hoa.say("7", "Kết quả")
    assert f"{QUESTIONS}/{QUESTIONS} câu đúng" in result.content
    assert telegram_bot.query("select status, score, prediction from contest_attempts") == [
        ("finished", QUESTIONS, 7)
    ]
    # The first button pressed again: replayed, refused, nothing counted twice.
    first = next(m for m in fake.messages(6001) if "Câu 1/3" in m.content)
    mark = fake.mark(6001)
    update = fake.press_button(6001, first.message_id, first.callback_data("A"))
    fake.wait_for_callback_answer(update)
    fake.wait_for_text(6001, "không còn hiệu lực", after=mark)
    assert telegram_bot.query("select count(*) from contest_answers") == [(QUESTIONS,)]


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    with FakeZalo(max_poll_wait=5) as server:
        yield server


def test_a_student_takes_the_contest_on_zalo_by_typing(zalo: FakeZalo, tmp_path: Path) -> None:
    bot = start_zalo_bot(zalo, tmp_path, webhook=True)
    try:
        open_round(bot)
        zalo.add_user("c0c1c2c3c4c5c6c7c8c9", "Phạm Minh")
        minh = ZaloPerson(zalo, "c0c1c2c3c4c5c6c7c8c9")
        minh.say("thi", "THỂ LỆ")
        minh.say("1", "họ và tên")
        minh.say("pham van minh", "Ngày sinh")
        minh.say("2/9/2008", "trường THPT nào")
        minh.say("thpt can loc", "chọn đúng trường")
        minh.say("1", "lớp nào")
        minh.say("12a1", "Số điện thoại")
        minh.say("bo qua", "Kiểm tra thông tin")
        minh.say("xac nhan", "Làm bài")
        question = minh.say("lam bai", "Câu 1/3")
        for number in range(2, QUESTIONS + 2):
            assert len(question.text) <= 2000
            expect = f"Câu {number}/{QUESTIONS}" if number <= QUESTIONS else "Câu dự đoán"
            question = minh.say(right_letter(bot, question.text).lower(), expect)
        minh.say("5", "Kết quả")
        assert bot.query("select status, score, channel from contest_attempts") == [
            ("finished", QUESTIONS, "zalo")
        ]
    finally:
        bot.stop()
