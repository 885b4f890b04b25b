"""A channel that cannot start stops `python -m bot run` with one line naming the setting."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.databases import PROJECT_DIR
from tests.fakes.zalo_api import FakeZalo


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(tmp_path: Path, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", **settings})
    return subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_an_unreachable_telegram_api_is_one_line(tmp_path: Path) -> None:
    result = run(
        tmp_path,
        TELEGRAM_BOT_TOKEN="123456:FAKE-token",
        TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{closed_port()}",
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: TELEGRAM_API_BASE_URL:")
    assert "Traceback" not in result.stderr
    assert "FAKE-token" not in result.stderr


@pytest.mark.parametrize("token_ok", [False, True], ids=["refused-token", "unreachable"])
def test_a_zalo_start_up_failure_is_one_line(tmp_path: Path, token_ok: bool) -> None:
    with FakeZalo() as fake:
        settings = {"ZALO_BOT_TOKEN": fake.token if token_ok else "999:wrong"}
        settings["ZALO_API_BASE_URL"] = (
            fake.root_url if not token_ok else f"http://127.0.0.1:{closed_port()}"
        )
        result = run(tmp_path, **settings)
    variable = "ZALO_API_BASE_URL" if token_ok else "ZALO_BOT_TOKEN"
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: {variable}:")
    assert "Traceback" not in result.stderr
