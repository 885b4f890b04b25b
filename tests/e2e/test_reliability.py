"""What the bot promises coordinators, tested on the real process under the platform's faults:
nothing acknowledged is lost, nothing is sent twice when an answer is lost, an outage is waited
out, and a conversation's reply is not queued behind a broadcast."""

import signal
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    ADMIN_ID,
    BotProcess,
    Person,
    PersonFactory,
    start_bot,
    wait_until,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e
ANNOUNCEMENT = "Đề nghị các xã gửi báo cáo quý IV trước ngày 20/12."


@pytest.fixture(params=["polling", "webhook"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def official(bot: BotProcess, person: PersonFactory, user_id: int, unit: str) -> Person:
    code = bot.cli("invite", "--unit", unit, "--role", "official").stdout.splitlines()[0]
    someone = person(user_id, f"Cán bộ {user_id}")
    someone.say(f"/start {code}", "cán bộ đầu mối")
    return someone


def count(bot: BotProcess, sql: str) -> int:
    [(value,)] = bot.query(sql)
    return int(str(value))


def test_a_report_confirmed_just_before_a_crash_is_recorded_after_the_restart(
    fake: FakeTelegram, person: PersonFactory, tmp_path: Path, mode: str
) -> None:
    bot = start_bot(fake, tmp_path, webhook=mode == "webhook")
    try:
        oanh = official(bot, person, 5101, "Thạch Hà")
        oanh.say("/baocao IV.9 3 buổi", "người")
        oanh.say("150", "kênh")
        oanh.press("Loa", "Kiểm tra báo cáo")
        # The bot stores the press and acknowledges it, then hangs answering the callback.
        fake.delay_next("answerCallbackQuery", 60)
        summary = oanh.last_with_buttons()
        update = fake.press_button(5101, summary.message_id, summary.callback_data("Xác nhận"))
        fake.wait_until_confirmed(update, timeout=15)
        assert count(bot, "select count(*) from reports") == 0
        bot.process.send_signal(signal.SIGKILL)
        bot.process.wait()
    finally:
        bot.stop()
    restarted = start_bot(fake, tmp_path, webhook=mode == "webhook")
    try:
        oanh.expect("Đã ghi nhận báo cáo số 1", timeout=30)
        assert count(restarted, "select count(*) from reports") == 1
        assert (
            count(restarted, "select count(*) from inbox_updates where processed_at is null") == 0
        )
    finally:
        restarted.stop()


@pytest.fixture
def audience(bot: BotProcess, person: PersonFactory) -> list[Person]:
    units = ["Thạch Hà", "Thành Sen", "Cẩm Xuyên", "Trần Phú", "Hương Khê"]
    return [official(bot, person, 5200 + i, unit) for i, unit in enumerate(units)]


def prepare_broadcast(admin: Person) -> None:
    """Up to the preview, with its "Gửi" button."""
    admin.say("/thongbao", "gửi gì")
    admin.press("Soạn thông báo", "nội dung")
    admin.say(ANNOUNCEMENT, "tới ai")
    admin.press("Tất cả cán bộ đầu mối", "5 người")


def copies(fake: FakeTelegram, people: list[Person], text: str) -> list[int]:
    return [sum(text in m.content for m in fake.messages(p.user_id)) for p in people]


def test_a_broadcast_waits_out_a_5xx_storm_and_loses_nothing(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory, audience: list[Person]
) -> None:
    admin = person(ADMIN_ID, "Điều phối viên")
    admin.say("/start", "Xin chào")
    prepare_broadcast(admin)
    preview = admin.last_with_buttons()
    calls = fake.call_count("sendMessage")
    fake.fail_next("sendMessage", error_code=502, times=10_000, description="Bad Gateway")
    fake.press_button(ADMIN_ID, preview.message_id, preview.callback_data("Gửi"))
    # About 20 seconds of 502s: the rows are tried again and again, none is given up.
    wait_until(lambda: fake.call_count("sendMessage") > calls + 20, 40, what="the storm")
    fake.clear_faults()
    wait_until(
        lambda: copies(fake, audience, ANNOUNCEMENT) == [1] * 5, 60, what="every copy delivered"
    )
    sent = "select count(*) from outbox where status = 'sent' and batch is not null"
    wait_until(lambda: count(bot, sent) == 5, 15, what="every row recorded as sent")
    admin.expect("Đã xếp 5 tin nhắn", timeout=30)  # the coordinator's reply, after the storm
    admin.expect("Đã gửi: 5/5", timeout=30)


def test_a_reply_during_a_5xx_storm_arrives_once_the_platform_is_back(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    hoa = person(5301, "Đỗ Hoa")
    hoa.say("/start", "Xin chào")
    fake.fail_next("sendMessage", error_code=500, times=5)
    mark = fake.mark(5301)
    fake.send_text(5301, "/toi")
    fake.wait_for_text(5301, "Vai trò", timeout=60, after=mark)
    assert sum("Vai trò" in m.content for m in fake.messages(5301)) == 1


def test_a_lost_answer_is_not_sent_again(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory, audience: list[Person]
) -> None:
    admin = person(ADMIN_ID, "Điều phối viên")
    admin.say("/start", "Xin chào")
    prepare_broadcast(admin)
    fake.drop_answer_next("sendMessage", times=2)  # done by Telegram; the answer never comes
    fake.delay_next("sendMessage", 7)  # done, answered after the bot stopped waiting
    admin.press("Gửi", "Đã xếp 5 tin nhắn")
    admin.expect("Đã gửi", timeout=60)  # the summary comes once every row is recorded
    assert copies(fake, audience, ANNOUNCEMENT) == [1] * 5
    ids = {p.user_id for p in audience}
    sends = [
        c for c in fake.calls("sendMessage") if c.chat_id in ids and ANNOUNCEMENT in str(c.params)
    ]
    assert len(sends) == 5  # none was sent twice
    waiting = "select count(*) from outbox where status in ('pending', 'sending')"
    wait_until(lambda: count(bot, waiting) == 0, 15, what="the outbox to be done")
    statuses = {str(row[0]) for row in bot.query("select distinct status from outbox")}
    assert statuses <= {"sent", "unknown"}


def test_a_reply_whose_answer_was_lost_is_not_repeated_and_the_next_one_follows(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    lan = person(5302, "Lê Lan")
    fake.drop_answer_next("sendMessage")
    lan.say("/start", "/xoadulieu")  # greeting (answer lost), then the menu
    greetings = [m for m in fake.messages(5302) if "Xin chào" in m.content]
    assert len(greetings) == 1
