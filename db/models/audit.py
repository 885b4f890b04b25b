"""The audit log and small pieces of application state."""

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue, UtcDateTime, utcnow


class AuditEntry(Base):
    """Who did what: role changes, approvals, erasures, imports. Ids only, no names."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, object]] = mapped_column(JsonValue, default=dict)


class AppState(Base):
    """A named value the app keeps between runs (e.g. the bot's Telegram username)."""

    __tablename__ = "app_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class DataVersion(Base):
    """A counter the database itself raises (triggers, migration 0090) whenever data that
    figures are computed from changes; a process keeps what it computed while it stands still.
    """

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
