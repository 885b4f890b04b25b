"""Raw platform updates stored before they are processed (channels that deliver only once)."""

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue, UtcDateTime, utcnow


class InboxUpdate(Base):
    """One update as received; processed later, once, in arrival order per chat.

    Zalo hands an update over once (getUpdates pops it, a webhook posts it), so it is committed
    here before the platform is answered; the unique key makes a re-delivery a no-op.
    """

    __tablename__ = "inbox_updates"
    __table_args__ = (
        UniqueConstraint("channel", "update_key"),
        Index("ix_inbox_updates_pending", "channel", "processed_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_key: Mapped[str] = mapped_column(String(128))
    # The chat and raw body until processed; emptied then (no personal data kept longer).
    chat_id: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[dict[str, object]] = mapped_column(JsonValue, default=dict)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
