"""Users play the bot through the fake Bot API, once polling and once by webhook."""

import json
import urllib.error
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import (
    ADMIN_ID,
    WEBHOOK_SECRET,
    BotProcess,
    PersonFactory,
    start_bot,
    wait_until,
)
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.e2e


def test_start_greets_and_shows_the_menu(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    an = person(5001, "Nguyễn An")
    an.say("/start", "Xin chào Nguyễn An")
    menu = an.expect("/xoadulieu")
    assert any("Đăng ký cán bộ đầu mối" in label for label in menu.button_texts())
    names = {c["command"] for c in fake.commands()}
    assert {"start", "help", "huy", "toi", "xoadulieu"} <= names


def test_official_joins_with_an_invite_code(bot: BotProcess, person: PersonFactory) -> None:
    result = bot.cli("invite", "--unit", "Thành Sen", "--role", "official")
    assert result.returncode == 0, result.stderr
    code, link = result.stdout.splitlines()[:2]
    assert link == f"https://t.me/hatinh_spc_test_bot?start={code}"
    binh = person(5002, "Trần Bình")
    binh.say(f"/start {code}", "cán bộ đầu mối của Thành Sen")
    binh.say("/toi", "Phường Thành Sen")
    assert bot.query("select role from users where chat_id = '5002'") == [("official",)]
    other = person(5003, "Lê Cường")
    other.say(f"/start {code}", "đã được sử dụng")


def test_request_and_approval(bot: BotProcess, fake: FakeTelegram, person: PersonFactory) -> None:
    admin = person(ADMIN_ID, "Điều phối viên")
    admin.say("/start", "Xin chào")
    dung = person(5004, "Phạm Dũng")
    dung.say("/dangky", "Họ và tên đầy đủ")
    dung.say("Nguyễn Văn Dũng", "Chức vụ")
    dung.say("công chức văn hóa – xã hội", "Số điện thoại")
    dung.say("0912345678", "xã, phường nào")
    dung.say("thach ha", "chọn đúng đơn vị")
    dung.press("Thạch Hà", "Đã gửi yêu cầu")
    request = admin.expect("Yêu cầu đăng ký cán bộ đầu mối")
    assert "Họ tên: Nguyễn Văn Dũng" in request.content
    assert "Tên trên ứng dụng: Phạm Dũng" in request.content
    admin.press("Duyệt", "Đã duyệt", message=request)
    dung.expect("đã được duyệt")
    assert bot.query("select role from users where chat_id = '5004'") == [("official",)]


def test_refusals_cancel_unknown_input_and_stickers(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    em = person(5005, "Hoàng Em")
    em.say("/moi", "chỉ dành cho cán bộ điều phối")
    em.say("/start", "chọn việc cần làm")
    forged = em.last_with_buttons()
    mark = fake.mark(5005)
    update = fake.press_button(5005, forged.message_id, "onboarding:approve:1")
    fake.wait_for_callback_answer(update)
    fake.wait_for_text(5005, "chỉ dành cho cán bộ điều phối", after=mark)
    em.say("/dangky", "Họ và tên đầy đủ")
    em.say("/huy", "Đã hủy")
    em.say("giá xăng hôm nay bao nhiêu", "chưa hiểu")
    mark = fake.mark(5005)
    fake.send_sticker(5005)
    fake.wait_for_text(5005, "chỉ đọc được", after=mark)
    assert bot.query("select role from users where chat_id = '5005'") == [("citizen",)]


def test_erasing_my_data(bot: BotProcess, person: PersonFactory) -> None:
    giang = person(5006, "Vũ Giang")
    giang.say("/xoadulieu", "muốn xóa dữ liệu")
    giang.press("Xóa dữ liệu", "Đã xóa dữ liệu")
    assert bot.query("select count(*) from users where chat_id = '5006'") == [(0,)]


def test_flood_control_is_retried(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    hoa = person(5007, "Đỗ Hoa")
    fake.fail_next("sendMessage", error_code=429, retry_after=1)
    hoa.say("/toi", "Vai trò: người dân")
    codes = [call.error_code for call in fake.calls("sendMessage") if call.chat_id == 5007]
    assert codes[0] == 429
    assert codes[-1] is None


def test_a_blocked_user_becomes_inactive(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    admin = person(ADMIN_ID, "Điều phối viên")
    admin.say("/start", "Xin chào")
    khanh = person(5008, "Ngô Khánh")
    khanh.say("/dangky", "Họ và tên đầy đủ")
    khanh.say("Nguyễn Văn Dũng", "Chức vụ")
    khanh.say("công chức văn hóa – xã hội", "Số điện thoại")
    khanh.say("0912345678", "xã, phường nào")
    khanh.say("cam xuyen", "chọn đúng đơn vị")
    khanh.press("Cẩm Xuyên", "Đã gửi yêu cầu")
    fake.block(5008)
    request = admin.expect("Ngô Khánh")
    admin.press("Từ chối", "lý do từ chối", message=request)
    admin.say("Không đúng cán bộ của xã", "Đã từ chối")
    wait_until(
        lambda: bot.query("select active from users where chat_id = '5008'") == [(0,)],
        15,
        what="the blocked user marked inactive",
    )


def test_the_webhook_refuses_a_wrong_secret(fake: FakeTelegram, tmp_path: Path) -> None:
    bot = start_bot(fake, tmp_path, webhook=True)
    try:
        _post_with_wrong_secret(bot)
        assert fake.webhook is not None
        assert fake.webhook.secret_token == WEBHOOK_SECRET
    finally:
        bot.stop()


def _post_with_wrong_secret(bot: BotProcess) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{bot.webhook_port}/telegram-hook",
        data=b'{"update_id": 1}',
        headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    caught.value.close()
    assert caught.value.code == 403


def test_a_restart_continues_the_conversation(
    fake: FakeTelegram, tmp_path: Path, person: PersonFactory
) -> None:
    bot = start_bot(fake, tmp_path, webhook=False)
    lan = person(5010, "Mai Lan")
    try:
        lan.say("/dangky", "Họ và tên đầy đủ")
        lan.say("Nguyễn Văn Dũng", "Chức vụ")
        lan.say("công chức văn hóa – xã hội", "Số điện thoại")
        lan.say("0912345678", "xã, phường nào")
    finally:
        bot.stop()
    bot = start_bot(fake, tmp_path, webhook=False)
    try:
        lan.say("thach ha", "chọn đúng đơn vị")
        lan.press("Thạch Hà", "Đã gửi yêu cầu")
    finally:
        bot.stop()


def test_a_redelivered_webhook_update_is_processed_once(
    fake: FakeTelegram, tmp_path: Path, person: PersonFactory
) -> None:
    bot = start_bot(fake, tmp_path, webhook=True)
    try:
        minh = person(5011, "Lý Minh")
        minh.say("/toi", "Vai trò: người dân")
        update = {
            "update_id": 424242,
            "message": {
                "message_id": 77,
                "date": 1764000000,
                "text": "/toi",
                "chat": {"id": 5011, "type": "private", "first_name": "Lý Minh"},
                "from": {"id": 5011, "is_bot": False, "first_name": "Lý Minh"},
                "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
            },
        }
        before = fake.message_count(5011)
        for _ in range(2):
            _post_update(bot, update)
        fake.wait_for_messages(5011, before + 1)
        _post_update(bot, {**update, "update_id": 424243})
        fake.wait_for_messages(5011, before + 2)
        assert fake.message_count(5011) == before + 2
    finally:
        bot.stop()


def _post_update(bot: BotProcess, update: dict[str, object]) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{bot.webhook_port}/telegram-hook",
        data=json.dumps(update).encode(),
        headers={
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        assert answer.status == 200


def test_an_official_reports_and_the_commune_counts(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    invite = bot.cli("invite", "--unit", "Thạch Hà", "--role", "official")
    code = invite.stdout.splitlines()[0]
    oanh = person(5020, "Trịnh Oanh")
    oanh.say(f"/start {code}", "cán bộ đầu mối của Thạch Hà")
    oanh.say("/baocao", "nhiệm vụ nào")
    oanh.press("IV.9", "ngày nào")
    oanh.say("31/12/2026", "không thể sau hôm nay")
    oanh.press("Hôm nay", "buổi")
    oanh.say("ba buổi", "người")
    oanh.say("-5", "không thể là số âm")
    oanh.say("150", "kênh")
    oanh.press("Loa", "mô tả")
    oanh.say("Tuyên truyền qua loa truyền thanh 3 thôn", "ảnh minh chứng")
    mark = fake.mark(5020)
    fake.send_photo(5020)
    fake.wait_for_text(5020, "Đã nhận 1 ảnh", after=mark)
    summary = oanh.press("Xong", "Kiểm tra báo cáo")
    assert "3 buổi" in summary.content
    assert "150 người" in summary.content
    oanh.press("Xác nhận", "khó khăn, vướng mắc")  # once per period: then proposals
    oanh.say("Loa ở 2 thôn hỏng", "đề xuất, kiến nghị")
    oanh.press("Bỏ qua", "Đã ghi nhận ý kiến")
    assert bot.query("select difficulties, proposals from period_notes") == [
        ("Loa ở 2 thôn hỏng", None)
    ]
    plan = bot.cli("plan")
    # Pending verification: beside the verified figure, not in it.
    assert (
        "communes_reached\tXã, phường được tuyên truyền, phổ biến kiến thức\t"
        "0/69 (0%) đã xác minh (+1 chờ xác minh)"
    ) in plan.stdout
    assert bot.query("select count(*) from report_attachments") == [(1,)]


def test_a_citizen_fetches_a_material_with_its_leaflet(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    phuong = person(5030, "Cao Phượng")
    phuong.say("/tailieu", "Anh/chị chọn chủ đề")
    phuong.press("Phân loại rác tại nguồn", "Phân loại rác")
    mark = fake.mark(5030)
    phuong.press("Phân loại rác", "Nguồn:")
    [document] = [m for m in fake.wait_for_messages(5030, 3, after=mark) if m.kind == "document"]
    assert document.file_name == "phan-loai-rac-tai-nguon.pdf"
    content = fake.file_content(str(document.file_id))
    assert content is not None
    assert content.startswith(b"%PDF")
    assert bot.query("select via from deliveries") == [("request",)]


def test_a_failing_command_menu_registration_does_not_stop_the_bot(
    fake: FakeTelegram, tmp_path: Path, person: PersonFactory
) -> None:
    fake.fail_next("setMyCommands", error_code=500)
    bot = start_bot(fake, tmp_path, webhook=False)
    try:
        person(5040, "Tạ Quang").say("/start", "Xin chào Tạ Quang")
        assert "setMyCommands failed" in bot.log.read_text()
    finally:
        bot.stop()


def test_a_coordinator_reads_the_digest_and_receives_the_excel_file(
    bot: BotProcess, fake: FakeTelegram, person: PersonFactory
) -> None:
    admin = person(ADMIN_ID, "Điều phối viên")
    admin.say("/start", "Xin chào")
    before = fake.mark(ADMIN_ID)
    summary = admin.say("/tongquan", "Tình hình thực hiện Kế hoạch")  # one screen first
    digest = admin.press("Bản tin đầy đủ", "BẢN TIN TỔNG HỢP", message=summary)
    assert "Xã, phường được tuyên truyền, phổ biến kiến thức" in digest.content
    admin.expect("Chọn mã nhiệm vụ")  # the hint after the digest
    # The communes x months heatmap comes as a photo between the digest and the hint.
    sent = fake.wait_for_messages(ADMIN_ID, 4, after=before)
    assert [m.kind for m in sent].count("photo") == 1
    mark = fake.mark(ADMIN_ID)
    admin.press("Xuất Excel", "Tệp Excel lập lúc", message=digest)
    messages = fake.wait_for_messages(ADMIN_ID, 2, after=mark)
    [document] = [m for m in messages if m.kind == "document"]
    assert str(document.file_name).startswith("SXTDBV-")
    content = fake.file_content(str(document.file_id))
    assert content is not None
    sheets = load_workbook(BytesIO(content)).sheetnames
    assert sheets[:2] == ["Báo cáo", "Chỉ tiêu"]  # no report yet: no sheet per task
    assert "Quý IV-2026" in sheets
    assert sheets[-2:] == ["Đơn vị", "Cơ sở"]
