"""A student takes the contest through the real bot: on Telegram (fake Bot API) and on Zalo."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.e2e.conftest import BotProcess, PersonFactory, start_bot
from tests.e2e.zalo_bot import ZaloPerson, start_zalo_bot
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

pytestmark = pytest.mark.e2e
QUESTIONS = 3


# A bank of exactly QUESTIONS questions, one with several right answers: every attempt meets both.
BANK = [
    ["Nhựa dùng một lần nên thay bằng gì?", "Đồ dùng nhiều lần", "Túi ni lông mới", "", "A"],
    ["Rác hữu cơ dùng để làm gì?", "Đốt ngoài trời", "Ủ phân bón", "Đổ xuống sông", "B"],
    ["Chọn các đáp án đúng: việc nào tiết kiệm điện?", "Tắt đèn khi ra khỏi phòng",
     "Mở tủ lạnh lâu", "Dùng đèn LED", "A C"],
]  # fmt: skip


PUBLIC = "https://thi.example.vn"


def open_round(bot: BotProcess, bank: Path | None = None) -> None:
    """The coordinator's part, from the command line (with a bank imported from Excel)."""
    chosen: list[str] = []
    if bank is not None:
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Đáp án đúng",
                      "Chủ đề", "Độ khó", "Nguồn"])  # fmt: skip
        for row in BANK:
            sheet.append([*row, "nhua", "de", "plan:I.5"])
        book.save(bank)
        imported = bot.cli("contest", "import-questions", str(bank), "--bank", "e2e")
        assert imported.returncode == 0, imported.stderr
        chosen = ["--bank", "e2e"]
    today = datetime.now(UTC).date()
    created = bot.cli(
        "contest", "create", "--start", (today - timedelta(days=1)).isoformat(),
        "--end", (today + timedelta(days=7)).isoformat(), "--questions", str(QUESTIONS), *chosen,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert bot.cli("contest", "open", "1").returncode == 0


def right_letters(bot: BotProcess, question_text: str) -> list[str]:
    """The correct letters of the question on screen (read from the database, as a grader);
    the bank's "chọn các đáp án đúng" questions have several."""
    rows = bot.query(
        'select i."order", q.correct, q.text from contest_items i '
        "join contest_questions q on q.id = i.question_id"
    )
    for order, correct, text in rows:
        if str(text) in question_text:
            slots = json.loads(str(order))
            return sorted("ABCD"[slots.index(position)] for position in json.loads(str(correct)))
    raise AssertionError(f"no such question: {question_text}")


@pytest.fixture
def telegram_bot(fake: FakeTelegram, tmp_path: Path) -> Iterator[BotProcess]:
    # Public over https: the contest page is offered as a Mini App (Telegram opens https only).
    process = start_bot(fake, tmp_path, webhook=True, extra={"PUBLIC_BASE_URL": PUBLIC})
    yield process
    process.stop()


def test_a_student_takes_the_contest_on_telegram(
    telegram_bot: BotProcess, fake: FakeTelegram, person: PersonFactory, tmp_path: Path
) -> None:
    open_round(telegram_bot, tmp_path / "ngan-hang.xlsx")
    hoa = person(6001, "Lê Thị Hoa")
    hoa.say("/thi", "THỂ LỆ")
    hoa.press("Đồng ý", "họ và tên")
    hoa.say("Lê Thị Hoa", "Ngày sinh")
    hoa.say("02/09/2009", "trường THPT nào")
    hoa.say("nguyen du", "chọn đúng trường")
    hoa.press("THPT Nguyễn Du", "lớp nào")
    hoa.say("11A3", "Số điện thoại")
    hoa.press("Bỏ qua", "Kiểm tra thông tin")
    ready = hoa.press("Xác nhận", "Làm bài")
    assert ready.buttons()[-1] == {"text": "Mở trang thi", "web_app": {"url": PUBLIC + "/thi/app"}}
    assert "/thi/" not in ready.content  # the button opens the page: no personal link to copy
    question = hoa.press("Làm bài", "Câu 1/3")
    for number in range(2, QUESTIONS + 2):
        letters = right_letters(telegram_bot, question.content)
        expect = f"Câu {number}/{QUESTIONS}" if number <= QUESTIONS else "Câu dự đoán"
        if len(letters) > 1:  # several right: select each (the question comes back), then submit
            for count, letter in enumerate(letters, 1):
                assert question.callback_data(letter).startswith("thi:t:")
                chosen = f"đang chọn: {', '.join(letters[:count])}"
                question = hoa.press(letter, chosen, message=question)
            question = hoa.press("✔ Nộp", expect, message=question)
            continue
        data = question.callback_data(letters[0])
        assert len(data.encode()) <= 64
        assert data.startswith("thi:a:")
        question = hoa.press(letters[0], expect, message=question)
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
            question = minh.say(" ".join(right_letters(bot, question.text)).lower(), expect)
        minh.say("5", "Kết quả")
        assert bot.query("select status, score, channel from contest_attempts") == [
            ("finished", QUESTIONS, "zalo")
        ]
    finally:
        bot.stop()
