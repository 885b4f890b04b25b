"""A seeded fuzz of the whole dialog: every role, command, typed word, number and button.

Thousands of steps through the real engine and database, mixing what people do (commands,
words without diacritics, numbers, the buttons the bot showed them, photos, stickers) with
what they should not be able to do (old, replayed and forged payloads, other people's
buttons, huge and foreign digits, control characters). Asserted after every step: no internal
error (no `errors/internal` reply, nothing logged at ERROR) and no report saved except by a
confirmation; now and then, and for everyone at the end: `/huy` then `/menu` gives the menu
(no state is a trap); at the end: every report belongs to its reporter's unit.

FUZZ_STEPS and FUZZ_SEED override the defaults (10,000 steps on SQLite, 2,000 on PostgreSQL).
"""

import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.engine import Engine
from bot.messages import InputKind, Outgoing
from db.models import Conversation, Report, User
from tests.dialog.conftest import Chat
from tests.factories import make_user

SEED = int(os.environ.get("FUZZ_SEED", "20261125"))
STEPS = {"sqlite": 10_000, "postgres": 2_000}
ARGS = [
    "",
    "0",
    "1",
    "2",
    "3",
    "7",
    "999999999",
    "9" * 20,
    "\u0663",
    "\uff12",
    "-1",
    "IV.9",
    "I.1",
    "II.3",
    "q:participants",
    "q:nothing",
    "date",
    "desc",
    "photos",
    "today",
    "yesterday",
    "official",
    "coordinator",
    "everyone",
    "units",
    "topic",
    "rac",
    "rac.1",
    "rac.\u00b2",
    "x" * 70,
    "\x00",
]
WORDS = [
    "hôm qua",
    "hom nay",
    "20/11",
    "32/13",
    "1/1/2025",
    "2",
    "45",
    "2,5",
    "2.5",
    "-3",
    "\u22122",
    "– 1",
    "+1",
    "0",
    "hai mươi",
    "một trăm",
    "9" * 30,
    "9" * 5000,
    "\u0663",
    "\uff12",
    "Họp dân tại nhà văn hóa thôn",
    "x" * 1001,
    "Họp\x00 dân",
    "\x00",
    "🌱" * 12,
    "🌱" * 2100,
    "cảm ơn",
    "xin chào",
    "Chào bạn",
    "Thạch Hà",
    "thach ha",
    "tran phu",
    "ABCD-EFGH",
    "quay lai",
    "xac minh",
    "xác minh số 1",
    "tu choi",
    "gui",
    "xong",
    "bo qua",
    "xac nhan",
    "van gui",
    "loa",
    "bao cao IV.9 3 buoi",
    "bao cao iv.9 -2 buoi",
    "hôm qua họp dân 2 buổi",
    "tai lieu rac",
    "tong quan thach ha",
    "tong quan I.1",
    "tiep tuc",
    " ",
    "ok",
    "?",
]


@dataclass
class Actor:
    """One person of the fuzz: their chat and every payload the bot ever showed them."""

    chat: Chat
    role: str
    shown: list[str] = field(default_factory=list)

    @property
    def last(self) -> list[str]:
        return [o.payload for reply in self.chat.replies for o in reply.options]


class ErrorLog(logging.Handler):
    """Records every ERROR (an exception the engine caught is logged so)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    yield handler
    logging.getLogger().removeHandler(handler)


async def _actors(
    sessions: async_sessionmaker[AsyncSession], chat: Callable[..., Chat]
) -> list[Actor]:
    people = [
        ("f-c1", "telegram", "citizen", None),
        ("f-c2", "zalo", "citizen", None),
        ("f-o1", "telegram", "official", "18562"),
        ("f-o2", "console", "official", "18100"),
        ("f-o3", "zalo", "official", "SCT"),
        ("f-k1", "console", "coordinator", None),
    ]
    async with sessions.begin() as session:
        for chat_id, channel, role, unit in people:
            await make_user(session, chat_id=chat_id, channel=channel, role=role, unit_code=unit)
    actors = [
        Actor(chat(chat_id, f"Người {chat_id}", channel), role)
        for chat_id, channel, role, _ in people
    ]
    actors.append(Actor(chat("9000", "Điều phối", "telegram"), "coordinator"))  # an admin id
    actors.append(Actor(chat("f-new", "Người mới", "zalo"), "citizen"))  # first contact mid-fuzz
    return actors


def _forged(rng: random.Random, engine: Engine) -> str:
    router = engine.router
    kind = rng.random()
    if kind < 0.15:
        return f"cmd:{rng.choice(list(router.commands))}:{rng.choice(ARGS)}"
    if kind < 0.3:
        return f"do:{rng.choice([*router.actions, 'nothing'])}:{rng.choice(ARGS)}"
    if kind < 0.35:
        return rng.choice(["", ":", "::", "report", "report:", "x" * 200, "cmd:", "do:"])
    flow = rng.choice(list(router.buttons))
    actions = list(router.buttons[flow]) or ["none"]
    return f"{flow}:{rng.choice(actions)}:{rng.choice(ARGS)}"


def _typed(rng: random.Random, engine: Engine) -> str:
    kind = rng.random()
    if kind < 0.25:
        return (
            "/"
            + rng.choice(list(engine.router.commands))
            + rng.choice(["", " ", " IV.9 3 buổi", " rac", " I.1", " -2"])
        )
    if kind < 0.4:
        return rng.choice(list(engine.router.aliases))
    if kind < 0.6:
        return str(rng.randint(-3, 14))
    return rng.choice(WORDS)


def _choose(
    rng: random.Random, actor: Actor, everyone: list[Actor], engine: Engine
) -> tuple[str, str]:
    """What the actor does next: (press | replay | forge | say | photo | sticker, value)."""
    kind = rng.random()
    asked_number = any(r.options and not r.numbered for r in actor.chat.replies)
    reporting = any(p.startswith("report:") for p in actor.last)
    pool = [p for other in everyone for p in other.shown[-30:]]
    if asked_number and kind < 0.75:  # a figure asked: mostly a figure
        choice = ("say", str(rng.randint(0, 60)))
    elif actor.last and kind < (0.8 if reporting else 0.5):  # mostly what was offered
        onward = [p for p in actor.last if not p.endswith(("back:", "huy"))]
        choice = ("press", rng.choice(onward if onward and rng.random() < 0.85 else actor.last))
    elif kind < 0.6 and pool:  # an old button, perhaps someone else's
        choice = ("replay", rng.choice(pool))
    elif kind < 0.7:
        choice = ("forge", _forged(rng, engine))
    elif kind < 0.75:
        choice = ("photo", f"photo-{rng.randint(1, 99)}")
    elif kind < 0.78:
        choice = ("sticker", "")
    else:
        choice = ("say", _typed(rng, engine))
    return choice


async def _step(rng: random.Random, actor: Actor, everyone: list[Actor], engine: Engine) -> str:
    """One thing the actor does; returns what it was, for messages."""
    kind, value = _choose(rng, actor, everyone, engine)
    if kind == "say":
        await actor.chat.say(value)
    elif kind == "photo":
        await actor.chat.send(InputKind.PHOTO, photo_ref=value)
    elif kind == "sticker":
        await actor.chat.send(InputKind.OTHER)
    else:
        await actor.chat.press(value)
    return f"{kind} {value[:40]!r}"


def _internal(replies: list[Outgoing], internal: str) -> bool:
    return any(internal in reply.text for reply in replies)


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Report)) or 0)


async def _unstuck(actor: Actor, sessions: async_sessionmaker[AsyncSession], internal: str) -> None:
    """From wherever the actor is, /huy then /menu gets the menu."""
    assert not _internal(await actor.chat.say("/huy"), internal)
    replies = await actor.chat.say("/menu")
    assert not _internal(replies, internal)
    assert any(o.payload.startswith("cmd:") for r in replies for o in r.options), replies
    async with sessions() as session:
        state = await session.scalar(
            select(Conversation.state).where(Conversation.chat_id == actor.chat.chat_id)
        )
    assert state is None


@pytest.mark.timeout(900)
async def test_fuzz_every_role_command_word_and_button(
    sessions: async_sessionmaker[AsyncSession],
    chat: Callable[..., Chat],
    engine: Engine,
    errors: ErrorLog,
    db_url: object,
) -> None:
    backend = "postgres" if "postgres" in str(db_url) else "sqlite"
    steps = int(os.environ.get("FUZZ_STEPS", STEPS[backend]))
    rng = random.Random(SEED)
    internal = engine.texts.render("errors/internal")
    actors = await _actors(sessions, chat)
    reports = 0
    started = time.perf_counter()
    actor = actors[0]
    for number in range(steps):
        if rng.random() < 0.2:  # people talk in runs: the same one goes on most of the time
            actor = rng.choice(actors)
        could_confirm = "report:save:" in actor.last
        did = await _step(rng, actor, actors, engine)
        where = f"step {number} (seed {SEED}), {actor.chat.chat_id}: {did}"
        if os.environ.get("FUZZ_TRACE") == actor.chat.chat_id:
            print(where, "->", actor.chat.text[:100].replace("\n", " | "), actor.last)
        assert not _internal(actor.chat.replies, internal), where
        assert not errors.records, f"{where}: {errors.records[0].getMessage()}"
        actor.shown.extend(actor.last)
        now = await _count(sessions)
        if now != reports:
            confirmed = "'report:save:" in did or (could_confirm and did.startswith("say"))
            assert confirmed, f"{where}: {reports} -> {now} reports without a confirmation"
            assert now == reports + 1, f"{where}: {reports} -> {now} reports"
            reports = now
        if rng.random() < 0.02:
            await _unstuck(actor, sessions, internal)
    for actor in actors:
        await _unstuck(actor, sessions, internal)
    async with sessions() as session:
        rows = (
            await session.execute(
                select(Report.id, Report.unit_id, User.unit_id).join(
                    User, User.id == Report.reporter_id
                )
            )
        ).all()
    assert all(unit == reporter_unit for _, unit, reporter_unit in rows), rows
    assert reports > 0  # the fuzz reached the end of the report flow
    elapsed = time.perf_counter() - started
    print(f"fuzz {backend}: {steps} steps, {reports} reports, {elapsed:.0f} s")
