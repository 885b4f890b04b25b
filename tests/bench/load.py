"""Simulated Telegram users and one measured run of a bot under test.

Users POST Telegram-shaped updates to the bot's webhook (with the secret header) and await the
bot's reply in `FastBotApi`'s per-chat queue: the latency of an update runs from just before the
POST to the moment the fake received the sendMessage for that chat. No sleeps anywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass, field, replace

import aiohttp

from tests.bench.fast_api import FastBotApi, JsonDict, Sent
from tests.bench.processes import WEBHOOK_SECRET, BotProcess, profiled
from tests.bench.report import Result

REPLY_TIMEOUT = 30.0
# Telegram opens at most this many connections to a webhook unless told otherwise.
WEBHOOK_CONNECTIONS = 40
PROBE_USERS = 7_000_000
LOAD_USERS = 8_000_000


def env_int(name: str, default: int) -> int:
    """An integer knob from the environment (BENCH_USERS, BENCH_ROUNDS, ...)."""
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
    repeat: int = 1

    @property
    def updates(self) -> int:
        """Updates in the measured, concurrent part."""
        return self.users * self.rounds * 2

    @classmethod
    def from_env(cls) -> Load:
        """Defaults, overridden by BENCH_USERS, _ROUNDS, _PROBES, _WARMUP and _REPEAT."""
        return cls(
            users=env_int("BENCH_USERS", cls.users),
            rounds=env_int("BENCH_ROUNDS", cls.rounds),
            probes=env_int("BENCH_PROBES", cls.probes),
            warmup=env_int("BENCH_WARMUP", cls.warmup),
            repeat=max(1, env_int("BENCH_REPEAT", cls.repeat)),
        )


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
        body = json.dumps(update, ensure_ascii=False).encode()
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
            # A message sent before this update (the rest of an earlier answer, such as the
            # privacy notice after the first /start) is not its reply.
            while reply.at < started:
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
    chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
    message: JsonDict = {
        "message_id": fake.next_id(),
        "from": user,
        "chat": {**chat, "last_name": user["last_name"]},
        "date": int(time.time()),
        "text": text,
    }
    if text.startswith("/"):
        length = len(text.split(maxsplit=1)[0])
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
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


def _session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=WEBHOOK_CONNECTIONS)
    timeout = aiohttp.ClientTimeout(total=REPLY_TIMEOUT)
    return aiohttp.ClientSession(connector=connector, timeout=timeout)


async def probe_start(fake: FastBotApi, bot: BotProcess, count: int) -> Tally:
    """`count` new users one after the other, each sending /start: latency to the reply."""
    tally = Tally()
    async with _session() as session:
        users = Users(fake, bot, session)
        for user_id in range(PROBE_USERS, PROBE_USERS + count):
            await users.greet(tally, user_id)
    return tally


async def greet_all(fake: FastBotApi, bot: BotProcess, count: int) -> Tally:
    """The load's users each send /start, all at once (not measured)."""
    tally = Tally()
    async with _session() as session:
        users = Users(fake, bot, session)
        await asyncio.gather(*(users.greet(tally, LOAD_USERS + i) for i in range(count)))
    return tally


async def run_load(fake: FastBotApi, bot: BotProcess, load: Load) -> tuple[Tally, float]:
    """All users at once; the tally and the wall-clock seconds."""
    tally = Tally()
    async with _session() as session:
        users = Users(fake, bot, session)
        started = time.perf_counter()
        await asyncio.gather(
            *(users.converse(tally, LOAD_USERS + i, load) for i in range(load.users))
        )
        return tally, time.perf_counter() - started


def measure(fake: FastBotApi, bot: BotProcess, load: Load) -> Result:
    """Probe /start, warm up, then the load with CPU read before and after; stop the bot."""
    try:
        probe = fake.run(probe_start(fake, bot, load.probes), timeout=600)
        # The load's users meet the bot first (welcome and privacy notice, untimed), so their
        # first measured command is answered by one message, as every later one is.
        greeted = fake.run(greet_all(fake, bot, load.users), timeout=600)
        probe.errors += greeted.errors
        if load.warmup:  # the same users, one round each: pools and caches as in steady state
            warmup, _ = fake.run(run_load(fake, bot, replace(load, rounds=load.warmup)), 600)
            probe.errors += warmup.errors
            probe.timeouts += warmup.timeouts
        cpu_before = bot.cpu_seconds()
        with profiled(bot):
            tally, seconds = fake.run(run_load(fake, bot, load), timeout=900)
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
