"""The inbound benchmark's moving parts: bot processes, simulated users, figures and the table.

A bot under test runs in its own process, webhook mode, against `FastBotApi`. Simulated users
POST Telegram-shaped updates to its webhook (with the secret header) and await the bot's reply in
the fake's per-chat queue; the latency of an update is from just before the POST to the moment
the fake received the sendMessage for that chat. The bot's CPU time is read from /proc.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import aiohttp

from tests.bench.fast_api import FastBotApi, JsonDict, Sent
from tests.databases import PROJECT_DIR

ECHO_SCRIPT = Path(__file__).with_name("echo_bot.py")
WEBHOOK_PATH = "telegram-hook"
WEBHOOK_SECRET = "bench-secret_123"
ADMIN_ID = 9000
START_TIMEOUT = 90.0
REPLY_TIMEOUT = 30.0
# Telegram opens at most this many connections to a webhook unless told otherwise.
WEBHOOK_CONNECTIONS = 40


def env_int(name: str, default: int) -> int:
    """A positive integer knob from the environment (BENCH_USERS, BENCH_ROUNDS, ...)."""
    raw = os.environ.get(name, "")
    return int(raw) if raw.strip() else default


@dataclass(frozen=True)
class Load:
    """How much to send: each user does `rounds` times a command then a button press."""

    users: int = 50
    rounds: int = 10
    command: str = "/menu"
    button: str = "cmd:toi"
    probes: int = 30
    warmup: int = 1

    @property
    def updates(self) -> int:
        """Updates in the concurrent part."""
        return self.users * self.rounds * 2

    @classmethod
    def from_env(cls) -> Load:
        """The defaults, overridden by BENCH_USERS, BENCH_ROUNDS, BENCH_PROBES, BENCH_WARMUP."""
        return cls(
            users=env_int("BENCH_USERS", cls.users),
            rounds=env_int("BENCH_ROUNDS", cls.rounds),
            probes=env_int("BENCH_PROBES", cls.probes),
            warmup=env_int("BENCH_WARMUP", cls.warmup),
        )


# ----------------------------------------------------------------------- processes


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


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
        """User + system CPU time of the process so far, all threads (from /proc)."""
        stat = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
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


def base_env() -> dict[str, str]:
    """The test runner's environment without any bot configuration."""
    prefixes = ("TELEGRAM_", "ZALO_", "BENCH_", "DATABASE_URL")
    return {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}


def start_ours(fake: FastBotApi, folder: Path, database_url: str, name: str) -> BotProcess:
    """`python -m bot run` in webhook mode, as in production (the env of tests/e2e)."""
    port = free_port()
    env = base_env()
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
    return launch(fake, name, [sys.executable, "-m", "bot", "run"], env, folder, port)


def start_echo(fake: FastBotApi, folder: Path, name: str) -> BotProcess:
    """The bare python-telegram-bot echo bot (tests/bench/echo_bot.py)."""
    port = free_port()
    env = base_env()
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
def profiled(bot: BotProcess, folder: Path) -> Iterator[None]:
    """With BENCH_PROFILE=1 and py-spy installed, sample the bot during the load.

    The output is py-spy's collapsed stacks (one "frame;frame;... count" line per stack),
    written next to the bot's log; its path is printed.
    """
    py_spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
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


# ----------------------------------------------------------------------- simulated users


@dataclass
class Tally:
    """What one phase measured."""

    sent: int = 0
    answered: int = 0
    timeouts: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class Users:
    """Telegram's side of the webhook: users whose updates are POSTed to the bot."""

    def __init__(self, fake: FastBotApi, bot: BotProcess, session: aiohttp.ClientSession) -> None:
        """Post to `bot`'s webhook through `session`."""
        self.fake, self.bot, self.session = fake, bot, session
        self.headers = {
            "Content-Type": "application/json",
            "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET,
        }

    async def exchange(self, tally: Tally, user_id: int, update: JsonDict) -> Sent | None:
        """POST one update and await the bot's first message to the user; None on failure."""
        body = _dumps(update)
        tally.sent += 1
        started = time.perf_counter()
        try:
            async with self.session.post(
                self.bot.webhook_url, data=body, headers=self.headers
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            tally.errors.append(f"user {user_id}: webhook POST failed: {exc!r}")
            return None
        if status != 200:
            tally.errors.append(f"user {user_id}: webhook answered {status}")
            return None
        try:
            reply = await self.fake.next_message(user_id, REPLY_TIMEOUT)
        except TimeoutError:
            tally.timeouts += 1
            return None
        tally.answered += 1
        tally.latencies.append(reply.at - started)
        return reply

    async def converse(self, tally: Tally, user_id: int, load: Load) -> None:
        """A command, then a button of its answer, `rounds` times."""
        for _ in range(load.rounds):
            reply = await self.exchange(
                tally, user_id, text_update(self.fake, user_id, load.command)
            )
            if reply is None:
                return
            choices = reply.callback_data()
            if not choices:
                tally.errors.append(f"user {user_id}: no buttons in {reply.message.get('text')!r}")
                return
            data = load.button if load.button in choices else choices[0]
            press = button_update(self.fake, user_id, reply.message, data)
            if await self.exchange(tally, user_id, press) is None:
                return

    async def greet(self, tally: Tally, user_id: int) -> None:
        """A new user's /start; then read on until the message with the menu (not timed)."""
        reply = await self.exchange(tally, user_id, text_update(self.fake, user_id, "/start"))
        while reply is not None and not reply.callback_data():
            try:
                reply = await self.fake.next_message(user_id, REPLY_TIMEOUT)
            except TimeoutError:
                tally.errors.append(f"user {user_id}: /start showed no menu")
                return


def user_object(user_id: int) -> JsonDict:
    """A Telegram User."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": "Người dùng",
        "last_name": str(user_id),
        "language_code": "vi",
    }


def text_update(fake: FastBotApi, user_id: int, text: str) -> JsonDict:
    """An Update with a private text message, a bot_command entity for /commands."""
    user = user_object(user_id)
    message: JsonDict = {
        "message_id": fake.next_id(),
        "from": user,
        "chat": {
            "id": user_id,
            "type": "private",
            "first_name": user["first_name"],
            "last_name": user["last_name"],
        },
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text.split(maxsplit=1)[0])}
        ]
    return {"update_id": fake.next_update_id(), "message": message}


def button_update(fake: FastBotApi, user_id: int, message: JsonDict, data: str) -> JsonDict:
    """An Update with a callback_query: the user pressed a button of the bot's message."""
    return {
        "update_id": fake.next_update_id(),
        "callback_query": {
            "id": fake.new_query(),
            "from": user_object(user_id),
            "message": message,
            "chat_instance": str(-user_id),
            "data": data,
        },
    }


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS)
    return aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
    )


async def probe_start(fake: FastBotApi, bot: BotProcess, first_user: int, count: int) -> Tally:
    """`count` fresh users, one after the other, each sending /start: latency to the reply."""
    tally = Tally()
    async with _session() as session:
        users = Users(fake, bot, session)
        for user_id in range(first_user, first_user + count):
            await users.greet(tally, user_id)
    return tally


async def run_load(
    fake: FastBotApi, bot: BotProcess, first_user: int, load: Load
) -> tuple[Tally, float]:
    """All users at once; the tally and the wall-clock seconds."""
    tally = Tally()
    async with _session() as session:
        users = Users(fake, bot, session)
        started = time.perf_counter()
        await asyncio.gather(
            *(users.converse(tally, first_user + i, load) for i in range(load.users))
        )
        return tally, time.perf_counter() - started


# ----------------------------------------------------------------------- one configuration


@dataclass
class Result:
    """The figures of one configuration."""

    name: str
    updates: int
    answered: int
    seconds: float
    cpu_seconds: float
    latencies: list[float]
    start_latencies: list[float]
    rss_mb: float
    connections: int
    timeouts: int
    errors: list[str]

    @property
    def cpu_ms_per_update(self) -> float:
        """The bot's own CPU time per update of the load."""
        return 1000 * self.cpu_seconds / max(self.updates, 1)

    @property
    def rate(self) -> float:
        """Updates per second of wall-clock time."""
        return self.answered / self.seconds if self.seconds else 0.0


def measure(fake: FastBotApi, bot: BotProcess, load: Load, folder: Path) -> Result:
    """Probe /start, then the concurrent load with CPU read before and after; stop the bot."""
    try:
        probe = fake.run(probe_start(fake, bot, 7_000_000, load.probes), timeout=600)
        if load.warmup:  # the same users, one round each: pools and caches as in steady state
            warm = replace(load, rounds=load.warmup)
            warmup, _ = fake.run(run_load(fake, bot, 8_000_000, warm), timeout=900)
            probe.errors += warmup.errors
            probe.timeouts += warmup.timeouts
        cpu_before = bot.cpu_seconds()
        with profiled(bot, folder):
            tally, seconds = fake.run(run_load(fake, bot, 8_000_000, load), timeout=900)
            cpu_after = bot.cpu_seconds()
        rss = bot.rss_mb()
    finally:
        bot.stop()
    errors = probe.errors + tally.errors + [f"bot log: {line}" for line in bot.log_problems()]
    errors += [f"chat {c}: {n} unexpected message(s)" for c, n in fake.leftovers().items()]
    if fake.unanswered_queries():
        errors.append(f"{fake.unanswered_queries()} button press(es) without answerCallbackQuery")
    errors += [f"fake Bot API: {error}" for error in fake.errors]
    connections = fake.connections
    fake.reset()
    return Result(
        name=bot.name,
        updates=tally.sent,
        answered=tally.answered,
        seconds=seconds,
        cpu_seconds=cpu_after - cpu_before,
        latencies=tally.latencies,
        start_latencies=probe.latencies,
        rss_mb=rss,
        connections=connections,
        timeouts=probe.timeouts + tally.timeouts,
        errors=errors,
    )


# ----------------------------------------------------------------------- report


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))]


def table(results: list[Result], load: Load) -> str:
    """Ours and the echo bot side by side, and the CPU ratio per database."""
    header = (
        f"{'configuration':<26}{'CPU ms/upd':>11}{'upd/s':>8}{'p50 ms':>9}{'p99 ms':>9}"
        f"{'timeouts':>9}{'errors':>8}{'/start ms':>10}{'RSS MB':>8}{'API conns':>10}"
    )
    lines = [
        "",
        f"Inbound, webhook mode: {load.users} users, {load.updates} updates per configuration "
        f"({load.command} then button {load.button!r}, x{load.rounds}); "
        f"/start = median of {load.probes} sequential new users, unloaded.",
        header,
        "-" * len(header),
    ]
    for r in results:
        p50, p99 = (1000 * percentile(r.latencies, q) for q in (0.5, 0.99))
        start = 1000 * statistics.median(r.start_latencies or [math.nan])
        lines.append(
            f"{r.name:<26}{r.cpu_ms_per_update:>11.2f}{r.rate:>8.1f}{p50:>9.1f}{p99:>9.1f}"
            f"{r.timeouts:>9}{len(r.errors):>8}{start:>10.1f}{r.rss_mb:>8.1f}{r.connections:>10}"
        )
    echo = next((r for r in results if r.name.startswith("echo")), None)
    if echo is not None and echo.cpu_ms_per_update > 0:
        for r in results:
            if r is not echo:
                ratio = r.cpu_ms_per_update / echo.cpu_ms_per_update
                verdict = "meets" if ratio <= 1.0 else "misses"
                lines.append(
                    f"CPU per update, {r.name} / {echo.name}: {ratio:.2f} ({verdict} goal <= 1.0)"
                )
    for r in results:
        lines.extend(f"  {r.name}: {error}" for error in r.errors[:10])
    return "\n".join(lines)
