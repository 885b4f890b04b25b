"""A transcript harness: users chat with the real engine over a real database."""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.context import DialogConfig
from bot.dialog.engine import Engine
from bot.dialog.router import Router
from bot.messages import Incoming, InputKind, Option, Outgoing
from bot.services.core.texts import Texts
from db.models import OutboxMessage
from tests.databases import CONTENT_DIR

NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
UPDATE_IDS = itertools.count(1)


@dataclass
class Clock:
    now: datetime = NOW

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Chat:
    """One person talking to the engine; keeps what the bot answered."""

    engine: Engine
    chat_id: str
    name: str = "Nguyễn Văn A"
    channel: str = "telegram"
    replies: list[Outgoing] = field(default_factory=list)
    _update: int = 0

    async def send(self, kind: InputKind, **values: Any) -> list[Outgoing]:
        self._update += 1
        incoming = Incoming(
            channel=self.channel,
            chat_id=self.chat_id,
            user_id=self.chat_id,
            display_name=self.name,
            kind=kind,
            update_key=f"{self.chat_id}-{next(UPDATE_IDS)}",
            **values,
        )
        self.replies = await self.engine.handle(incoming)
        return self.replies

    async def say(self, text: str) -> list[Outgoing]:
        return await self.send(InputKind.TEXT, text=text)

    async def press(self, payload: str) -> list[Outgoing]:
        return await self.send(InputKind.BUTTON, payload=payload)

    @property
    def text(self) -> str:
        return "\n---\n".join(reply.text for reply in self.replies)

    def option(self, label_part: str) -> str:
        """The payload of the shown option whose label contains the text."""
        for option in reply_options(self.replies):
            if label_part.lower() in option.label.lower():
                return option.payload
        msg = f"no option {label_part!r} in {[o.label for o in reply_options(self.replies)]}"
        raise AssertionError(msg)

    def reply_option_payload(self, index: int) -> str:
        """The payload of the n-th option shown in the last replies."""
        return reply_options(self.replies)[index].payload


def reply_options(replies: list[Outgoing]) -> list[Option]:
    return [option for reply in replies for option in reply.options]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(
    sessions: async_sessionmaker[AsyncSession], texts: Texts, clock: Clock, tmp_path: Path
) -> Engine:
    config = DialogConfig(
        admin_chat_ids=frozenset({"9000"}),
        timezone=ZoneInfo("Asia/Ho_Chi_Minh"),
        invite_days=7,
        export_dir=tmp_path / "exports",
        content_dir=CONTENT_DIR,
        chart_dir=tmp_path / "charts",
        media_dir=tmp_path / "media",
    )
    return Engine(
        sessions=sessions, texts=texts, router=Router.discover(), config=config, clock=clock
    )


@pytest.fixture
def chat(engine: Engine) -> Callable[..., Chat]:
    def make(chat_id: str = "1001", name: str = "Nguyễn Văn A", channel: str = "telegram") -> Chat:
        return Chat(engine, chat_id, name, channel)

    return make


async def outbox_texts(sessions: async_sessionmaker[AsyncSession], chat_id: str) -> list[dict]:  # type: ignore[type-arg]
    async with sessions() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(OutboxMessage.chat_id == chat_id).order_by(OutboxMessage.id)
        )
        return [row.payload for row in rows]


async def start_join(person: Chat, *, command: str = "/dangky") -> list[Outgoing]:
    """/dangky up to its last question (the commune): full name, position, phone."""
    await person.say(command)
    await person.say(person.name)
    await person.say("công chức văn hóa – xã hội")
    return await person.say("0912 345 678")
