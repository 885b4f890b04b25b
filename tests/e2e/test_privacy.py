"""The running bot at LOG_LEVEL=DEBUG: no token, secret or message text in its log; its files
are for its own user only."""

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import WEBHOOK_SECRET, PersonFactory, start_bot
from tests.e2e.zalo_bot import ZALO_SECRET, ZaloPerson, start_zalo_bot
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_api import FakeZalo

pytestmark = pytest.mark.e2e

SAID = "Nội dung riêng tư 4711 của tôi"
NAME = "Lò Thị Kín"


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_debug_log_holds_no_token_secret_or_text(
    fake: FakeTelegram, person: PersonFactory, tmp_path: Path, webhook: bool
) -> None:
    bot = start_bot(fake, tmp_path, webhook=webhook, extra={"LOG_LEVEL": "DEBUG"})
    try:
        kin = person(5301, NAME)
        kin.say("/start", "Xin chào")
        kin.say(SAID, "")  # whatever the answer, the text went through every layer
        kin.say("/tailieu", "")
    finally:
        bot.stop()
    log = bot.log.read_text()
    assert " DEBUG " in log  # the level took effect
    token_secret = fake.token.split(":", 1)[1]
    for secret in (fake.token, token_secret, WEBHOOK_SECRET, SAID, "riêng tư 4711", NAME):
        assert secret not in log, f"{secret!r} in the log"


def test_the_database_and_var_are_for_the_bot_user_only(
    fake: FakeTelegram, person: PersonFactory, tmp_path: Path
) -> None:
    """With the default DATABASE_URL (./var/bot.db) and MEDIA_DIR, in a fresh folder."""
    bot = start_bot(fake, tmp_path, webhook=False, extra={"DATABASE_URL": "sqlite:///var/bot.db"})
    bot.database = tmp_path / "var" / "bot.db"
    try:
        person(5302, "Hà").say("/start", "Xin chào")
        export = tmp_path / "out.xlsx"
        result = subprocess.run(
            [sys.executable, "-m", "bot", "export", "--xlsx", str(export)],
            cwd=tmp_path,
            env=bot.env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    finally:
        bot.stop()
    created = [tmp_path / "var", *(tmp_path / "var").rglob("*"), export]
    assert len(created) > 2
    for path in created:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, f"{path.relative_to(tmp_path)} is {mode:o}"


@pytest.mark.parametrize("webhook", [False, True], ids=["polling", "webhook"])
def test_zalo_debug_log_holds_no_token_secret_or_text(tmp_path: Path, webhook: bool) -> None:
    with FakeZalo(max_poll_wait=5) as zalo:
        bot = start_zalo_bot(zalo, tmp_path, webhook=webhook, extra={"LOG_LEVEL": "DEBUG"})
        try:
            zalo.add_user("z-5301", NAME)
            kin = ZaloPerson(zalo, "z-5301")
            kin.say("xin chào", "Xin chào")
            kin.say(SAID, "")
        finally:
            bot.stop()
    log = bot.log.read_text()
    assert " DEBUG " in log
    for secret in (zalo.token, ZALO_SECRET, SAID, "riêng tư 4711", NAME):
        assert secret not in log, f"{secret!r} in the log"
