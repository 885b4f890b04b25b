"""Outreach materials and the log of who received which."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue, UtcDateTime, utcnow


class Material(Base):
    """One outreach material of the digital set (task I.2)."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(Text)
    topics: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    audiences: Mapped[list[str]] = mapped_column(JsonValue, default=list)
    format: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    published_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Delivery(Base):
    """A material delivered to someone, on request or by broadcast."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_at", "delivered_at"),
        Index("ix_deliveries_unit_at", "unit_id", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    material_id: Mapped[int] = mapped_column(
        ForeignKey("materials.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    via: Mapped[str] = mapped_column(String(16))
    delivered_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
