"""Conversation state per chat, stored in the database, and the updates already processed."""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Conversation, ProcessedUpdate
from db.queries.upserts import insert_ignore


@dataclass
class ConversationState:
    """Where a chat stands: the step, its collected data and the options last shown."""

    channel: str
    chat_id: str
    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    options: list[tuple[str, str]] = field(default_factory=list)
    row_id: int | None = None
    # A flow set aside by an interruption: {"state", "data", "until"} (ISO time), or None.
    parked: dict[str, Any] | None = None
    # The chat had no stored state before this update: the person's first contact here.
    new: bool = False


async def claim_update(session: AsyncSession, *, channel: str, update_key: str) -> bool:
    """Record a platform update id; False when it was processed before."""
    return await insert_ignore(
        session, ProcessedUpdate, {"channel": channel, "update_key": update_key}
    )


async def load_conversation(
    session: AsyncSession, *, channel: str, chat_id: str
) -> ConversationState:
    """The chat's state, its row locked until commit so two updates cannot interleave."""
    query = (
        select(Conversation)
        .where(Conversation.channel == channel, Conversation.chat_id == chat_id)
        .with_for_update()
    )
    row = await session.scalar(query)
    new = row is None
    if row is None:
        await insert_ignore(
            session,
            Conversation,
            {"channel": channel, "chat_id": chat_id, "data": {}, "options": [], "version": 0},
        )
        row = await session.scalar(query)
    assert row is not None  # noqa: S101 (inserted just above)
    return ConversationState(
        channel,
        chat_id,
        row.state,
        dict(row.data),
        [(o[0], o[1]) for o in row.options],
        row.id,
        dict(row.parked) if row.parked else None,
        new,
    )


async def save_conversation(session: AsyncSession, state: ConversationState) -> None:
    """Store the chat's new state."""
    row = await session.get(Conversation, state.row_id) if state.row_id is not None else None
    if row is None:
        return
    options = [[label, payload] for label, payload in state.options]
    if (
        row.state == state.state
        and row.data == state.data
        and row.options == options
        and row.parked == state.parked
    ):
        return
    row.state = state.state
    row.data = dict(state.data)
    row.options = options
    row.parked = dict(state.parked) if state.parked else None
    row.version += 1


async def show_options(
    session: AsyncSession, *, channel: str, chat_id: str, options: list[tuple[str, str]]
) -> None:
    """A message the bot sent on its own showed these options: a typed number now picks one.

    Not in the middle of a flow: there "1" answers the step the person is in.
    """
    await session.execute(
        update(Conversation)
        .where(
            Conversation.channel == channel,
            Conversation.chat_id == chat_id,
            Conversation.state.is_(None),
        )
        .values(options=[[label, payload] for label, payload in options])
        .execution_options(synchronize_session=False)
    )
