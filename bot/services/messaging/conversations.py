"""Conversation state per chat, stored in the database, and the updates already processed."""

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import table_of
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
    # The stored columns as loaded: saving writes only when they changed.
    loaded: tuple[object, ...] | None = field(default=None, repr=False, compare=False)

    def columns(self) -> tuple[object, ...]:
        """The state as the row stores it."""
        options = [[label, payload] for label, payload in self.options]
        return (self.state, self.data, options, self.parked or None)


_CONVERSATIONS = table_of(Conversation)
_STORED = (_CONVERSATIONS.c.state, _CONVERSATIONS.c.data, _CONVERSATIONS.c.options)
# Built once, on the table rather than the class: these run for every update.
_LOAD = (
    select(_CONVERSATIONS.c.id, *_STORED, _CONVERSATIONS.c.parked)
    .where(
        _CONVERSATIONS.c.channel == bindparam("channel"),
        _CONVERSATIONS.c.chat_id == bindparam("chat_id"),
    )
    .with_for_update()
)
_SAVE = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("row_id"))
    .values(
        state=bindparam("new_state"),
        data=bindparam("new_data", type_=_CONVERSATIONS.c.data.type),
        options=bindparam("new_options", type_=_CONVERSATIONS.c.options.type),
        parked=bindparam("new_parked", type_=_CONVERSATIONS.c.parked.type),
        version=_CONVERSATIONS.c.version + 1,
        updated_at=bindparam("now"),
    )
)


async def claim_update(session: AsyncSession, *, channel: str, update_key: str) -> bool:
    """Record a platform update id; False when it was processed before."""
    return await insert_ignore(
        session, ProcessedUpdate, {"channel": channel, "update_key": update_key}
    )


async def load_conversation(
    session: AsyncSession, *, channel: str, chat_id: str
) -> ConversationState:
    """The chat's state, its row locked until commit so two updates cannot interleave."""
    where = {"channel": channel, "chat_id": chat_id}
    row = (await session.execute(_LOAD, where)).first()
    new = row is None
    if row is None:
        await insert_ignore(
            session,
            Conversation,
            {"channel": channel, "chat_id": chat_id, "data": {}, "options": [], "version": 0},
        )
        row = (await session.execute(_LOAD, where)).one()
    row_id, state, data, options, parked = row
    conversation = ConversationState(
        channel,
        chat_id,
        state,
        copy.deepcopy(data),
        [(o[0], o[1]) for o in options],
        row_id,
        copy.deepcopy(parked) if parked else None,
        new,
    )
    # Flows change the state's values in place, so the snapshot keeps the row's own copies.
    conversation.loaded = (state, data, options, parked or None)
    return conversation


async def save_conversation(
    session: AsyncSession, state: ConversationState, *, now: datetime
) -> None:
    """Store the chat's new state (nothing is written when it did not change)."""
    if state.row_id is None:
        return
    columns = state.columns()
    if columns == state.loaded:
        return
    new_state, data, options, parked = columns
    values = {"new_state": new_state, "new_data": data, "new_options": options}
    values |= {"new_parked": parked, "row_id": state.row_id, "now": now}
    await session.execute(_SAVE, values)
    state.loaded = copy.deepcopy(columns)


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
