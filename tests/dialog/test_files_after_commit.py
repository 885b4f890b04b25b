"""Files are made after the update's transaction is committed, never inside it."""

from dataclasses import replace
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.context import Context
from bot.dialog.engine import Engine
from bot.dialog.router import ALL_ROLES, Command
from bot.messages import Attachment
from db.models import AppState
from tests.dialog.conftest import Chat

PROBE = "probe.written"


def _with_probe(engine: Engine, handler: Command) -> Engine:
    """The real engine with one more command."""
    router = engine.router
    router = replace(
        router,
        commands={**router.commands, handler.name: handler},
        aliases={**router.aliases, handler.name: handler},
    )
    return Engine(
        sessions=engine.sessions,
        texts=engine.texts,
        router=router,
        config=engine.config,
        clock=engine.clock,
    )


async def test_the_file_is_built_once_the_update_is_committed(
    engine: Engine, sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    seen: list[str | None] = []

    async def command(ctx: Context, _args: str) -> None:
        ctx.session.add(AppState(key=PROBE, value="in the update's transaction"))

        async def build() -> Attachment:
            # A new session sees the update's write only if it was committed before.
            async with sessions.begin() as session:
                row = await session.get(AppState, PROBE)
                seen.append(row.value if row else None)
                session.add(AppState(key="probe.after", value="the database is free"))
            path = tmp_path / "tep.txt"
            path.write_text("tệp")
            return Attachment("document", str(path), "tep.txt")

        ctx.say_with_file("status/hint", build)

    probe = _with_probe(engine, Command("teptest", command, ALL_ROLES, ()))
    chat = Chat(probe, "9000", "Điều phối viên")
    await chat.say("/start")
    replies = await chat.say("/teptest")
    assert seen == ["in the update's transaction"]
    [reply] = [r for r in replies if r.attachment is not None]
    assert reply.attachment == Attachment("document", str(tmp_path / "tep.txt"), "tep.txt")
    assert reply.text == engine.texts.render("status/hint")


async def test_a_file_that_fails_is_one_sentence_and_the_update_stays_done(
    engine: Engine, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async def command(ctx: Context, _args: str) -> None:
        ctx.session.add(AppState(key=PROBE, value="kept"))

        async def build() -> Attachment:
            msg = "the disk is full"
            raise OSError(msg)

        ctx.say("status/hint")
        ctx.say_with_file("status/hint", build)

    probe = _with_probe(engine, Command("teptest", command, ALL_ROLES, ()))
    chat = Chat(probe, "9000", "Điều phối viên")
    await chat.say("/start")
    replies = await chat.say("/teptest")
    assert [r.text for r in replies] == [
        engine.texts.render("status/hint"),
        engine.texts.render("errors/file_failed"),
    ]
    assert all(r.attachment is None for r in replies)
    async with sessions() as session:
        row = await session.get(AppState, PROBE)
    assert row is not None
    assert row.value == "kept"
