import io
import os
import subprocess
import sys
from pathlib import Path

from bot.channels.console import ConsoleChannel
from bot.channels.numbered import render_numbered
from bot.dialog.engine import Engine
from bot.messages import Option, Outgoing
from tests.databases import PROJECT_DIR


def test_options_are_numbered() -> None:
    message = Outgoing("Chọn:", (Option("Một", "a:b:1"), Option("Hai", "a:b:2")))
    assert render_numbered(message) == "Chọn:\n1. Một\n2. Hai"


async def test_the_console_greets_answers_and_stops_at_end_of_input(engine: Engine) -> None:
    stdin = io.StringIO("/menu\n\nthong tin cua toi\n")
    stdout = io.StringIO()
    console = ConsoleChannel(
        engine.handle, chat_id="local", display_name="Thử", stdin=stdin, stdout=stdout
    )
    await console.run()
    text = stdout.getvalue()
    assert "Xin chào Thử" in text
    assert "📝 Đăng ký cán bộ đầu mối" in text
    assert "\n1. " in text
    assert "Vai trò: người dân" in text


def _console(tmp_path: Path, identity: str, typed: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path}/console.db"
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--as", identity],
        input=typed,
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_console_as_an_official_from_the_command_line(tmp_path: Path) -> None:
    result = _console(tmp_path, "official:thanh sen", "/toi\nxin chao ban\n/huy\n")
    assert result.returncode == 0, result.stderr
    assert "Vai trò: cán bộ đầu mối" in result.stdout
    assert "Đơn vị: Phường Thành Sen" in result.stdout
    assert "Traceback" not in result.stderr


def test_console_refuses_an_unknown_identity(tmp_path: Path) -> None:
    result = _console(tmp_path, "emperor", "")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: --as 'emperor'")
