"""The dashboard and the library in headless Chromium, against the real bot process.

A coordinator asks the bot (the fake Telegram) for a login link, opens it in the browser, filters
the communes table, verifies a report, downloads the Excel file; wrong and reused links, an
expired session, a form without its CSRF token, a citizen and a path traversal are refused.
Screenshots at phone (390×844) and desktop (1366×900) sizes go to $SCREENSHOTS_DIR (or the
test's temporary folder) for a person to look at.
"""

import hashlib
import hmac
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.e2e.conftest import (
    ADMIN_ID,
    BotProcess,
    Person,
    start_bot,
    wait_until,
)
from tests.e2e.test_contest import open_round
from tests.fakes.telegram_api import BotMessage, FakeTelegram, launch_data

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
SECRET = "browser-test-secret-0123456789abcdef"
PHONE, DESKTOP = (390, 844), (1366, 900)
CITIZEN_ID = 7007

if not (CHROMIUM and DRIVER) and os.environ.get("REQUIRE_BROWSER") != "1":
    pytest.skip(
        "browser tests skipped: install Debian's chromium and chromium-driver",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        server.add_user(ADMIN_ID, "Điều phối viên", username="dieuphoi")
        server.add_user(CITIZEN_ID, "Người dân")
        yield server


@pytest.fixture(scope="module")
def bot(fake: FakeTelegram, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BotProcess]:
    process = start_bot(
        fake,
        tmp_path_factory.mktemp("bot"),
        webhook=False,
        public=True,
        extra={"WEB_SECRET": SECRET},
    )
    yield process
    process.stop()


@pytest.fixture(scope="module")
def base(bot: BotProcess) -> str:
    return bot.env["PUBLIC_BASE_URL"]


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SCREENSHOTS_DIR") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM or ""
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--lang=vi"):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=DRIVER))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def size(driver: WebDriver, width: int, height: int) -> None:
    """The viewport of a phone (touch, 2× pixels) or of a desktop."""
    mobile = width < 600
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {
            "width": width,
            "height": height,
            "deviceScaleFactor": 2 if mobile else 1,
            "mobile": mobile,
        },
    )


def shoot(driver: WebDriver, folder: Path, name: str) -> None:
    for label, (width, height) in (("phone", PHONE), ("desktop", DESKTOP)):
        size(driver, width, height)
        driver.save_screenshot(str(folder / f"{name}-{label}.png"))
    size(driver, *DESKTOP)


def login_link(fake: FakeTelegram, user_id: int = ADMIN_ID) -> str:
    mark = fake.mark(user_id)
    fake.send_text(user_id, "/dangnhapweb")
    message = fake.wait_for_text(user_id, "dieu-phoi", 20, after=mark)
    [link] = re.findall(r"https?://\S+/dieu-phoi/dang-nhap\?t=[\w-]+", message.text or "")
    return str(link)


def follow(driver: WebDriver, element: WebElement) -> None:
    """Click what loads a new page, and wait until it has."""
    page = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def left(_driver: WebDriver) -> bool:
        # Chromium may answer mid-navigation "Node … does not belong to the document" rather
        # than "stale element": the old page is gone either way.
        try:
            return bool(expected_conditions.staleness_of(page)(_driver))
        except WebDriverException:
            return True

    WebDriverWait(driver, 15).until(left)


def body(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def log_in(driver: WebDriver, link: str) -> None:
    driver.delete_all_cookies()
    driver.get(link)
    follow(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def add_report(bot: BotProcess, unit_code: str, task_code: str) -> int:
    """A report waiting for review, as an official's would be stored."""
    before = bot.query("select count(*) from reports")[0][0]
    bot.query(
        "insert into reports (unit_id, task_id, activity_date, description, status, channel,"
        " created_at, updated_at) select u.id, t.id, '2026-10-20', 'Tuyên truyền tại chợ',"
        " 'submitted', 'telegram', '2026-10-21 08:00:00', '2026-10-21 08:00:00'"
        " from units u, plan_tasks t where u.code = ? and t.code = ?",
        unit_code,
        task_code,
    )
    assert bot.query("select count(*) from reports")[0][0] == before + 1  # type: ignore[operator]
    return int(str(bot.query("select max(id) from reports")[0][0]))


def test_a_coordinator_logs_in_by_the_bots_link_and_filters_the_communes(
    bot: BotProcess, fake: FakeTelegram, browser: WebDriver, base: str, shots: Path
) -> None:
    fake.send_text(ADMIN_ID, "/start")
    link = login_link(fake)
    assert link.startswith(base)
    browser.get(link)
    assert "Đăng nhập" in body(browser)
    shoot(browser, shots, "01-login")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    wait_until(lambda: "Mục tiêu của Kế hoạch" in body(browser), 15, what="the overview")
    assert browser.current_url == f"{base}/dieu-phoi"
    shoot(browser, shots, "02-overview")
    follow(browser, browser.find_element(By.PARTIAL_LINK_TEXT, "I.1"))
    assert "báo cáo của" in body(browser)
    shoot(browser, shots, "02b-task")

    follow(browser, browser.find_element(By.LINK_TEXT, "Xã, phường"))
    rows = browser.find_elements(By.CSS_SELECTOR, "table.communes tbody tr")
    assert len(rows) == 69
    shoot(browser, shots, "03-communes")
    field = browser.find_element(By.ID, "q")
    field.send_keys("cam")
    Select(browser.find_element(By.ID, "trang-thai")).select_by_visible_text("Tất cả")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.filters button"))
    names = [r.text for r in browser.find_elements(By.CSS_SELECTOR, "table.communes tbody td a")]
    assert "Cẩm Xuyên" in names
    assert "Thiên Cầm" in names  # typed without diacritics
    assert "Thạch Hà" not in names
    assert len(names) < 12
    follow(browser, browser.find_element(By.LINK_TEXT, "Số báo cáo"))
    assert "sap-xep=reports" in browser.current_url
    shoot(browser, shots, "04-communes-filtered")
    follow(browser, browser.find_elements(By.CSS_SELECTOR, "table.communes tbody td a")[0])
    assert "Lịch sử báo cáo" in body(browser)
    shoot(browser, shots, "05-commune")

    # The same link a second time: refused.
    log_in(browser, link)
    assert "Không đăng nhập được" in body(browser)


def test_a_coordinator_verifies_and_rejects_reports_and_downloads(
    bot: BotProcess, fake: FakeTelegram, browser: WebDriver, base: str, shots: Path, downloads: Path
) -> None:
    first, second = add_report(bot, "18073", "I.1"), add_report(bot, "18100", "I.1")
    log_in(browser, login_link(fake))
    browser.get(f"{base}/dieu-phoi/xac-minh")
    assert f"Báo cáo số {first}" in body(browser)
    shoot(browser, shots, "06-review")
    follow(browser, browser.find_element(By.CSS_SELECTOR, f"#bao-cao-{first} button[value=verify]"))
    wait_until(lambda: f"Đã xác minh báo cáo số {first}" in body(browser), 15, what="verified")
    assert bot.query("select status from reports where id = ?", first) == [("verified",)]

    follow(
        browser, browser.find_element(By.CSS_SELECTOR, f"#bao-cao-{second} button[value=reject]")
    )
    assert "lý do" in body(browser).lower()
    assert bot.query("select status from reports where id = ?", second) == [("submitted",)]
    shoot(browser, shots, "07-review-no-reason")
    browser.find_element(By.ID, f"reason-{second}").send_keys("Thiếu ảnh minh chứng")
    follow(
        browser, browser.find_element(By.CSS_SELECTOR, f"#bao-cao-{second} button[value=reject]")
    )
    wait_until(lambda: f"Đã từ chối báo cáo số {second}" in body(browser), 15, what="rejected")
    assert bot.query("select status, review_reason from reports where id = ?", second) == [
        ("rejected", "Thiếu ảnh minh chứng")
    ]

    browser.get(f"{base}/dieu-phoi/xa?q=thanh+sen")
    follow(browser, browser.find_element(By.LINK_TEXT, "Thành Sen"))
    assert f"Báo cáo số {first}" in body(browser)
    assert "Đã xác minh" in body(browser)
    shoot(browser, shots, "12-commune-with-reports")

    browser.get(f"{base}/dieu-phoi")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Tải tệp Excel").click()

    def downloaded() -> bool:
        return any(p.suffix == ".xlsx" for p in downloads.iterdir())

    wait_until(downloaded, 30, what="the Excel download")
    [excel] = [p for p in downloads.iterdir() if p.suffix == ".xlsx"]
    assert excel.name.startswith("SXTDBV-")
    assert excel.read_bytes().startswith(b"PK")


def test_refusals(
    bot: BotProcess, fake: FakeTelegram, browser: WebDriver, base: str, shots: Path
) -> None:
    # A wrong link.
    log_in(browser, f"{base}/dieu-phoi/dang-nhap?t={'A' * 43}")
    assert "Không đăng nhập được" in body(browser)
    shoot(browser, shots, "08-refused-link")
    # A citizen gets no link at all.
    mark = fake.mark(CITIZEN_ID)
    fake.send_text(CITIZEN_ID, "/dangnhapweb")
    refusal = fake.wait_for_text(CITIZEN_ID, "điều phối", 20, after=mark)
    assert "dieu-phoi" not in (refusal.text or "")
    # A page without a session.
    browser.delete_all_cookies()
    browser.get(f"{base}/dieu-phoi/xa")
    assert "cần đăng nhập" in body(browser)
    # A session past its 8 hours, signed with the right key: refused all the same.
    browser.add_cookie({"name": "dieu_phoi", "value": expired_cookie(), "path": "/dieu-phoi"})
    browser.get(f"{base}/dieu-phoi/xa")
    assert "cần đăng nhập" in body(browser)
    # A form sent without its CSRF token.
    report = add_report(bot, "18115", "I.1")
    log_in(browser, login_link(fake))
    browser.get(f"{base}/dieu-phoi/xac-minh")
    browser.execute_script("document.querySelectorAll('input[name=csrf]').forEach(e => e.remove())")
    follow(
        browser, browser.find_element(By.CSS_SELECTOR, f"#bao-cao-{report} button[value=verify]")
    )
    assert "Không thực hiện được" in body(browser)
    assert bot.query("select status from reports where id = ?", report) == [("submitted",)]
    # A path traversal out of the signed files and the stylesheet folder.
    for path in (
        "/tep/c/9999999999/" + "0" * 40 + "/../../bot.db",
        "/tep/c/9999999999/" + "0" * 40 + "/%2E%2E/plan.yaml",
        "/static/..%2F..%2Fplan.yaml",
        "/static/",
    ):
        browser.get(base + path)
        text = body(browser)
        assert "Không" in text or "404" in text or "403" in text, (path, text)
        assert "SQLite" not in text
        assert "tasks:" not in text


def expired_cookie() -> str:
    expires = int(time.time()) - 60
    payload = f"1.{expires}.abcdefgh"
    signature = hmac.new(SECRET.encode(), f"session\n{payload}".encode(), hashlib.sha256)
    return f"{payload}.{signature.hexdigest()[:40]}"


def register_student(fake: FakeTelegram, user_id: int, name: str) -> BotMessage:
    """A student registers for the open round in the chat; the bot's answer with the link."""
    fake.add_user(user_id, name)
    student = Person(fake, user_id)
    student.say("/thi", "THỂ LỆ")
    student.press("Đồng ý", "họ và tên")
    student.say(name, "Ngày sinh")
    student.say("02/09/2008", "trường THPT nào")
    student.say("nguyen du", "chọn đúng trường")
    student.press("THPT Nguyễn Du", "lớp nào")
    student.say("12A1", "Số điện thoại")
    student.press("Bỏ qua", "Kiểm tra thông tin")
    return student.press("Xác nhận", "/thi/")


def test_the_library_on_a_phone(browser: WebDriver, base: str, shots: Path) -> None:
    size(browser, *PHONE)
    browser.get(f"{base}/tai-lieu")
    shoot(browser, shots, "09-library")
    browser.find_element(By.ID, "q").send_keys("tui ni long")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form.search button"))
    results = browser.find_elements(By.CSS_SELECTOR, ".cards a")
    assert results
    shoot(browser, shots, "10-library-search")
    follow(browser, results[0])
    assert "Nguồn:" in body(browser)
    shoot(browser, shots, "11-material")


def test_a_student_takes_the_contest_on_the_page(
    bot: BotProcess, fake: FakeTelegram, browser: WebDriver, base: str, shots: Path
) -> None:
    open_round(bot)
    ready = register_student(fake, 6002, "Trần Văn Bình")
    [link] = re.findall(r"https?://\S+/thi/[\w.]+", ready.content)
    size(browser, *PHONE)
    browser.get(link)
    shoot(browser, shots, "13-contest-start")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    for number in (1, 2, 3):
        assert f"Câu {number}/3" in body(browser)
        if number == 1:
            shoot(browser, shots, "14-contest-question")
        browser.find_elements(By.CSS_SELECTOR, "input[name=a]")[0].click()
        follow(browser, browser.find_element(By.CSS_SELECTOR, "form.question button"))
    assert "Câu hỏi dự đoán" in body(browser)
    browser.find_element(By.ID, "n").send_keys("40")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert "dự đoán 40 người" in body(browser)
    shoot(browser, shots, "15-contest-done")
    assert bot.query("select channel, status, answered from contest_attempts") == [
        ("web", "finished", 3)
    ]


def mini_app_address(base: str, init_data: str) -> str:
    """The entry page as a Telegram client opens it: launch data in the fragment."""
    fragment = urlencode(
        {"tgWebAppData": init_data, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "android"},
        quote_via=quote,
    )
    return f"{base}/thi/app#{fragment}"


def test_a_student_opens_the_contest_as_a_telegram_mini_app(
    bot: BotProcess, fake: FakeTelegram, browser: WebDriver, base: str, shots: Path
) -> None:
    if not bot.query("select count(*) from contest_rounds")[0][0]:
        open_round(bot)
    ready = register_student(fake, 6003, "Phạm Thị Cúc")
    [link] = re.findall(r"https?://\S+(/thi/[\w.]+)", ready.content)
    size(browser, *PHONE)
    signed = launch_data(fake.token, user_id=6003, first_name="Cúc", auth_date=int(time.time()))
    browser.get(mini_app_address(base, signed))
    WebDriverWait(browser, 15).until(lambda driver: driver.current_url == base + link)
    shoot(browser, shots, "16-mini-app-start")
    follow(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert "Câu 1/3" in body(browser)
    shoot(browser, shots, "17-mini-app-question")
    assert bot.query(
        "select a.channel, a.status from contest_attempts a"
        " join contest_entries e on e.id = a.entry_id join users u on u.id = e.user_id"
        " where u.chat_id = '6003'"
    ) == [("web", "active")]


def test_a_forged_mini_app_launch_is_refused_in_vietnamese(
    fake: FakeTelegram, browser: WebDriver, base: str, shots: Path
) -> None:
    size(browser, *PHONE)
    forged = launch_data("123456:NOT-THE-BOTS", user_id=6003, first_name="Cúc", auth_date=0)
    browser.get(mini_app_address(base, forged))
    WebDriverWait(browser, 15).until(lambda driver: "xác nhận" in body(driver))
    assert "Không xác nhận được tài khoản Telegram" in body(browser)
    assert browser.current_url == f"{base}/thi/app"  # posted back to the entry, refused there
    shoot(browser, shots, "18-mini-app-refused")
    browser.get(f"{base}/thi/app")  # opened outside Telegram: nothing to post
    WebDriverWait(browser, 15).until(lambda driver: "Trang này mở bằng nút" in body(driver))
