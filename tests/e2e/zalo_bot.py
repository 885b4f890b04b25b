"""Runs the real bot (`python -m bot run`) against the fake Zalo server, polling or webhook."""

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import START_TIMEOUT, BotProcess, port_open, wait_until
from tests.fakes.http import PortTaken, on_a_free_port, port_taken
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo, Sent

ZALO_SECRET = "e2e-zalo-secret_123"
QUIET = 0.8


def start_zalo_bot(
    fake: FakeZalo,
    tmp_path: Path,
    *,
    webhook: bool,
    telegram: FakeTelegram | None = None,
    extra: dict[str, str] | None = None,
) -> BotProcess:
    """Start the bot with ZALO_BOT_TOKEN (and TELEGRAM_BOT_TOKEN when `telegram` is given), on
    a port free a moment ago (another one if it was taken in between)."""
    return on_a_free_port(
        lambda port: _start(fake, tmp_path, port, webhook=webhook, telegram=telegram, extra=extra)
    )


def _start(
    fake: FakeZalo,
    tmp_path: Path,
    port: int,
    *,
    webhook: bool,
    telegram: FakeTelegram | None,
    extra: dict[str, str] | None,
) -> BotProcess:
    database = tmp_path / "bot.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{database}",
            "ZALO_BOT_TOKEN": fake.token,
            "ZALO_API_BASE_URL": fake.root_url,
            "MEDIA_DIR": str(tmp_path / "media"),
            "LOG_LEVEL": "INFO",
        }
    )
    if telegram is not None:
        env.update(
            {"TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_API_BASE_URL": telegram.root_url}
        )
    env["WEB_LISTEN"] = f"127.0.0.1:{port}"
    # The bot's own web server serves the files it links to (signed links).
    env["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{port}"
    if webhook:
        env.update(
            {
                "ZALO_WEBHOOK_URL": f"http://127.0.0.1:{port}/zalo-hook",
                "ZALO_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
                "ZALO_WEBHOOK_SECRET": ZALO_SECRET,
            }
        )
    env.update(extra or {})
    log = tmp_path / "bot.log"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    bot = BotProcess(process, log, database, env, port if webhook else None)
    started = "setWebhook" if webhook else "getUpdates"
    before = fake.call_count(started)

    def ready() -> bool:
        if process.poll() is not None:
            return True
        return fake.call_count(started) > before and port_open(port)

    wait_until(ready, START_TIMEOUT, what=f"the bot to call {started}")
    if process.poll() is not None:
        if port_taken(log.read_text()):
            raise PortTaken(port)
        raise AssertionError(f"the bot exited early:\n{log.read_text()}")
    return bot


@dataclass
class ZaloPerson:
    """A Zalo user played by a test or the simulator."""

    fake: FakeZalo
    user_id: str

    def say(self, text: str, expect: str, timeout: float = 15.0) -> Sent:
        """Type a message and wait for an answer containing `expect`."""
        mark = self.fake.mark(self.user_id)
        self.fake.send_text(self.user_id, text)
        return self.fake.wait_for_text(self.user_id, expect, timeout, after=mark)

    def photo(self, expect: str, caption: str = "") -> Sent:
        """Send a photo and wait for an answer containing `expect`."""
        mark = self.fake.mark(self.user_id)
        self.fake.send_photo(self.user_id, caption)
        return self.fake.wait_for_text(self.user_id, expect, 15.0, after=mark)

    def sticker(self, expect: str) -> Sent:
        """Send a sticker and wait for an answer containing `expect`."""
        mark = self.fake.mark(self.user_id)
        self.fake.send_sticker(self.user_id)
        return self.fake.wait_for_text(self.user_id, expect, 15.0, after=mark)

    def expect(self, contains: str, timeout: float = 15.0) -> Sent:
        """Wait for any message (since the start) containing `contains`."""
        return self.fake.wait_for_text(self.user_id, contains, timeout)

    def replies_to(self, text: str, timeout: float = 15.0) -> list[Sent]:
        """Type a message; everything the bot answers until it has been quiet for a moment."""
        mark = self.fake.mark(self.user_id)
        self.fake.send_text(self.user_id, text)
        return self.settle(mark, timeout)

    def settle(self, mark: int, timeout: float = 15.0) -> list[Sent]:
        """Messages after `mark`, once at least one came and none followed for QUIET seconds."""
        self.fake.wait_for_messages(self.user_id, 1, timeout, after=mark)
        count = self.fake.mark(self.user_id)
        while True:
            time.sleep(QUIET)  # the simulator's reading pause; tests wait on conditions
            now = self.fake.mark(self.user_id)
            if now == count:
                return self.fake.messages(self.user_id)[mark:]
            count = now
