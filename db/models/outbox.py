"""The persistent outbox: every message the bot sends on its own initiative."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue, UtcDateTime, utcnow


class OutboxMessage(Base):
    """One message waiting to be sent, being sent, or done (sent, failed, blocked)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "not_before"),
        Index("ix_outbox_batch", "batch"),
        # claim_due reads its rows back by token; without an index that scans the history.
        Index("ix_outbox_claim_token", "claim_token"),
        # claim_due takes a channel's pending rows by priority, then in order.
        Index("ix_outbox_claim_order", "channel", "status", "priority", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The person a message to someone else is about (a join request names its sender): erasing
    # that person deletes the row. No foreign key: the row must go, not lose the link.
    subject_user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payload: Mapped[dict[str, object]] = mapped_column(JsonValue)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    # 0: a reply the platform refused at first, 1: a message to one person, 2: a broadcast row.
    priority: Mapped[int] = mapped_column(SmallInteger, default=1)
    # Parts (pieces of a long text, the attachment) already delivered: never sent again.
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    batch: Mapped[str | None] = mapped_column(String(64))
    # A material sent this way is logged as delivered once the platform accepts it.
    material_id: Mapped[int | None] = mapped_column(ForeignKey("materials.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
