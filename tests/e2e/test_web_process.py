"""`python -m bot web`: the web server alone, as several processes behind a proxy would run."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.databases import PROJECT_DIR
from tests.e2e.conftest import port_open, wait_until
from tests.fakes.http import PortTaken, on_a_free_port, port_taken

pytestmark = pytest.mark.e2e


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_web_server_alone_reports_health_and_metrics(tmp_path: Path) -> None:
    log = tmp_path / "web.log"

    def start(port: int) -> tuple[int, subprocess.Popen[bytes]]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
        env.update(
            {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", "WEB_LISTEN": f"127.0.0.1:{port}"}
        )
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "web"],
                cwd=PROJECT_DIR,
                env=env,
                stdout=out,
                stderr=out,
            )
        wait_until(lambda: port_open(port) or process.poll() is not None, 60, what="the port")
        if process.poll() is not None and port_taken(log.read_text()):
            raise PortTaken(port)
        return port, process

    port, process = on_a_free_port(start)
    try:
        assert process.poll() is None, log.read_text()
        base = f"http://127.0.0.1:{port}"

        def leads() -> bool:
            status, body = get(f"{base}/healthz")
            return status == 200 and json.loads(body)["scheduler_leader"] is not None

        wait_until(leads, 30, what="a scheduler leader in /healthz")
        report = json.loads(get(f"{base}/healthz")[1])
        assert report["database"] == "ok"
        assert report["outbox_backlog"] == {}
        status, metrics = get(f"{base}/metrics")
        assert status == 200
        assert "bot_updates_total" in metrics
        assert "bot_webhook_refused_total" in metrics
        assert get(f"{base}/nothing-here")[0] == 404
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    assert process.returncode == 0, log.read_text()
