"""Conversation state per chat and the platform updates already processed."""

from datetime import datetime

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue, UtcDateTime, utcnow


class Conversation(Base):
    """Where one chat stands: the flow step, its collected data, the options last shown."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    state: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JsonValue, default=dict)
    options: Mapped[list[list[str]]] = mapped_column(JsonValue, default=list)
    # A flow interrupted by another command: {"state", "data", "until"} (ISO time), or None.
    parked: Mapped[dict[str, object] | None] = mapped_column(JsonValue)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ProcessedUpdate(Base):
    """A platform update id seen once; a re-delivery of the same id is ignored."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
