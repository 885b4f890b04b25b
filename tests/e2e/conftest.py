"""Runs the real bot (`python -m bot run`) against the fake Bot API, polling or webhook."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.databases import PROJECT_DIR
from tests.fakes.http import PortTaken, on_a_free_port, port_taken
from tests.fakes.telegram_api import BotMessage, FakeTelegram

ADMIN_ID = 9000
WEBHOOK_SECRET = "e2e-secret_123"
START_TIMEOUT = 60.0


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll a condition the fake cannot signal (a port, a database row) until true or timeout."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class BotProcess:
    """The bot running in a child process, with its log and database."""

    process: subprocess.Popen[bytes]
    log: Path
    database: Path
    env: dict[str, str]
    webhook_port: int | None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def query(self, sql: str, *params: object) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.database) as conn:
            return conn.execute(sql, params).fetchall()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args],
            cwd=PROJECT_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def start_bot(
    fake: FakeTelegram,
    tmp_path: Path,
    *,
    webhook: bool,
    public: bool = False,
    extra: dict[str, str] | None = None,
) -> BotProcess:
    """The bot on a port free a moment ago (another one if it was taken in between); with
    `public`, its web server's address is the PUBLIC_BASE_URL of the links it sends."""
    return on_a_free_port(
        lambda port: _start_bot(fake, tmp_path, port, webhook=webhook, public=public, extra=extra)
    )


def _start_bot(
    fake: FakeTelegram,
    tmp_path: Path,
    port: int,
    *,
    webhook: bool,
    public: bool = False,
    extra: dict[str, str] | None = None,
) -> BotProcess:
    database = tmp_path / "bot.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.root_url,
            "ADMIN_CHAT_IDS": str(ADMIN_ID),
            "LOG_LEVEL": "INFO",
            "WEB_LISTEN": f"127.0.0.1:{port}",
            **({"PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"} if public else {}),
            **(extra or {}),
        }
    )
    if webhook:
        env.update(
            {
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram-hook",
                "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
                "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
        )
    log = tmp_path / "bot.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    bot = BotProcess(process, log, database, env, port if webhook else None)
    started = "setWebhook" if webhook else "getUpdates"

    def ready() -> bool:
        if process.poll() is not None:
            return True
        return fake.call_count(started) > 0 and port_open(port)

    wait_until(ready, START_TIMEOUT, what=f"the bot to call {started}")
    if process.poll() is not None:
        if port_taken(log.read_text()):
            raise PortTaken(port)
        raise AssertionError(f"the bot exited early:\n{log.read_text()}")
    return bot


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        server.add_user(ADMIN_ID, "Điều phối viên", username="dieuphoi")
        yield server


@pytest.fixture(params=["polling", "webhook"])
def bot(request: pytest.FixtureRequest, fake: FakeTelegram, tmp_path: Path) -> Iterator[BotProcess]:
    process = start_bot(fake, tmp_path, webhook=request.param == "webhook")
    yield process
    process.stop()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        print(f"--- bot log ({request.param}) ---\n{process.log.read_text()}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call phase's report on the item, so fixtures can show the bot log on failure."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report


@dataclass
class Person:
    """A Telegram user played by the test."""

    fake: FakeTelegram
    user_id: int

    def say(self, text: str, expect: str, timeout: float = 15.0) -> BotMessage:
        mark = self.fake.mark(self.user_id)
        self.fake.send_text(self.user_id, text)
        return self.fake.wait_for_text(self.user_id, expect, timeout, after=mark)

    def press(self, label: str, expect: str, *, message: BotMessage | None = None) -> BotMessage:
        source = message or self.last_with_buttons()
        mark = self.fake.mark(self.user_id)
        update = self.fake.press_button(
            self.user_id, source.message_id, source.callback_data(label)
        )
        self.fake.wait_for_callback_answer(update)
        return self.fake.wait_for_text(self.user_id, expect, 15.0, after=mark)

    def last_with_buttons(self) -> BotMessage:
        messages = [m for m in self.fake.messages(self.user_id) if m.buttons()]
        assert messages, self.fake.describe(self.user_id)
        return messages[-1]

    def expect(self, contains: str, timeout: float = 15.0) -> BotMessage:
        return self.fake.wait_for_text(self.user_id, contains, timeout)


PersonFactory = Callable[[int, str], Person]


@pytest.fixture
def person(fake: FakeTelegram) -> PersonFactory:
    def make(user_id: int, name: str) -> Person:
        if user_id != ADMIN_ID:
            fake.add_user(user_id, name)
        return Person(fake, user_id)

    return make
