"""A channel that cannot start stops `python -m bot run` with one line naming the setting."""

import http.server
import os
import socket
import subprocess
import sys
import threading
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


class _RedirectLoop(http.server.BaseHTTPRequestHandler):
    """Every request is sent back to itself: a misconfigured proxy in front of the API."""

    def _loop(self) -> None:
        self.send_response(302)
        self.send_header("Location", self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = _loop  # noqa: N815 (the stdlib calls these names)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_redirect_loop_is_one_line_without_the_token(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RedirectLoop)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        result = run(
            tmp_path,
            TELEGRAM_BOT_TOKEN="123456:FAKE-token-abcdefghijklmnopqrstuvwxyz012",
            TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}",
            LOG_LEVEL="DEBUG",
        )
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: TELEGRAM_API_BASE_URL:")
    assert "Traceback" not in result.stderr
    assert "FAKE-token" not in result.stderr


def test_a_web_address_already_taken_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run(tmp_path, WEB_LISTEN=f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("error: WEB_LISTEN:")
    assert "address already in use" in result.stderr
    assert "Traceback" not in result.stderr
