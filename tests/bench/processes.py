"""Bots under test as child processes: ours (`python -m bot run`) and the bare PTB echo bot.

Both run in webhook mode against `FastBotApi`; a bot is ready once it has called setWebhook with
the benchmark's secret and its port answers. CPU time and memory come from /proc.
"""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.bench.fast_api import FastBotApi
from tests.databases import PROJECT_DIR

ECHO_SCRIPT = Path(__file__).with_name("echo_bot.py")
WEBHOOK_PATH = "telegram-hook"
WEBHOOK_SECRET = "bench-secret_123"
ADMIN_ID = 9000
START_TIMEOUT = 90.0
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class BotProcess:
    """A bot under test: its process, log and webhook."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path
    port: int

    @property
    def webhook_url(self) -> str:
        """Where Telegram (here: the simulated users) POSTs updates."""
        return f"http://127.0.0.1:{self.port}/{WEBHOOK_PATH}"

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process.poll() is None

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far, all its threads (/proc/PID/stat)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()  # utime and stime are fields 14 and 15
        return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS

    def rss_mb(self) -> float:
        """Resident memory in MiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return math.nan

    def stop(self) -> None:
        """SIGTERM, then kill if it does not end."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log_problems(self) -> list[str]:
        """Log lines that say something went wrong."""
        markers = (" ERROR ", " CRITICAL ", "Traceback")
        lines = self.log.read_text(errors="replace").splitlines()
        return [line for line in lines if any(marker in line for marker in markers)]


def launch(
    fake: FastBotApi, name: str, argv: list[str], env: dict[str, str], folder: Path, port: int
) -> BotProcess:
    """Start a bot and return once it has set its webhook and its port answers."""
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "bot.log"
    before = fake.webhooks_set
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    bot = BotProcess(name, process, log, port)
    try:
        fake.run(_ready(fake, bot, before), timeout=START_TIMEOUT + 5)
    except BaseException as exc:
        bot.stop()
        raise RuntimeError(f"{name} did not start: {exc!r}\n{log.read_text()}") from exc
    return bot


async def _ready(fake: FastBotApi, bot: BotProcess, before: int) -> None:
    await fake.wait_webhook(before, bot.alive, START_TIMEOUT)
    if fake.webhook.get("secret_token") != WEBHOOK_SECRET:
        raise RuntimeError(f"unexpected webhook {fake.webhook}")
    # PTB calls setWebhook just before it starts listening: wait for the port (start-up only).
    async with asyncio.timeout(START_TIMEOUT):
        while True:
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", bot.port)
            except OSError:
                if not bot.alive():
                    raise RuntimeError("the bot exited") from None
                await asyncio.sleep(0.02)
                continue
            writer.close()
            await writer.wait_closed()
            return


def _base_env() -> dict[str, str]:
    """The test runner's environment without any bot configuration."""
    prefixes = ("TELEGRAM_", "ZALO_", "BENCH_", "DATABASE_URL")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def start_ours(
    fake: FastBotApi, folder: Path, database_url: str, name: str, *, unthrottled: bool = False
) -> BotProcess:
    """`python -m bot run` in webhook mode, configured as tests/e2e's `start_bot` does."""
    port = free_port()
    env = _base_env()
    env.update(
        {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_BASE_URL": fake.root_url,
            "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/{WEBHOOK_PATH}",
            "TELEGRAM_WEBHOOK_LISTEN": f"127.0.0.1:{port}",
            "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "ADMIN_CHAT_IDS": str(ADMIN_ID),
            "LOG_LEVEL": "INFO",
        }
    )
    if unthrottled:  # like the echo bot: the CPU per update is the bot's, not its pacing's
        env.update({"TELEGRAM_SEND_RATE": "1000", "CHAT_SEND_INTERVAL": "0"})
    return launch(fake, name, [sys.executable, "-m", "bot", "run"], env, folder, port)


def start_echo(fake: FastBotApi, folder: Path, name: str) -> BotProcess:
    """The bare python-telegram-bot echo bot (tests/bench/echo_bot.py)."""
    port = free_port()
    env = _base_env()
    env.update(
        {
            "BENCH_TOKEN": fake.token,
            "BENCH_API_ROOT": fake.root_url,
            "BENCH_PORT": str(port),
            "BENCH_WEBHOOK_URL": f"http://127.0.0.1:{port}/{WEBHOOK_PATH}",
            "BENCH_SECRET": WEBHOOK_SECRET,
            "PYTHONPATH": str(PROJECT_DIR),
        }
    )
    if os.environ.get("BENCH_ECHO_POOL"):
        env["BENCH_ECHO_POOL"] = os.environ["BENCH_ECHO_POOL"]
    return launch(fake, name, [sys.executable, str(ECHO_SCRIPT)], env, folder, port)


@contextmanager
def profiled(bot: BotProcess) -> Iterator[None]:
    """With BENCH_PROFILE=1 and py-spy installed, sample the bot while the block runs.

    The output is py-spy's collapsed stacks (one "frame;frame;... count" line per stack) in
    profile.txt next to the bot's log; its path is printed. Sampling adds to the bot's CPU time.
    """
    venv_bin = str(Path(sys.executable).parent)
    py_spy = shutil.which("py-spy", path=venv_bin) or shutil.which("py-spy")
    if os.environ.get("BENCH_PROFILE") != "1" or py_spy is None:
        yield
        return
    output = bot.log.with_name("profile.txt")
    argv = [py_spy, "record", "--pid", str(bot.process.pid), "--format", "raw", "--rate", "250"]
    recorder = subprocess.Popen(
        [*argv, "--output", str(output)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.wait(timeout=60)
        print(f"\nprofile of {bot.name}: {output}")
