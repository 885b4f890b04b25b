"""Reminders to report: one row per unit, task and period, from the first message to the last."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import UtcDateTime, utcnow


class Reminder(Base):
    """A unit asked to report a task for a period; `next_due_at` is when it is asked again."""

    __tablename__ = "reminders"
    # One round per unit, task and period, whoever opens it: restarts and a second process change
    # nothing.
    __table_args__ = (
        UniqueConstraint("task_id", "unit_id", "period_key"),
        Index("ix_reminders_next_due_at", "next_due_at"),
        Index("ix_reminders_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    schedule: Mapped[str] = mapped_column(String(32))
    period_key: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # The period's sending deadline (cut-off + deadline days); nudges stop after it.
    deadline: Mapped[date | None] = mapped_column(Date)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    # From the schedule when the round opened: the local time of day it sends at (nudges and
    # snoozes keep it), how many nudges follow the first message, and how many days apart.
    send_time: Mapped[str] = mapped_column(String(5))
    nudges: Mapped[int] = mapped_column(Integer)
    days_apart: Mapped[int] = mapped_column(Integer)
    next_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Why it stopped: 'reported', 'exhausted' (nudges used up) or 'expired' (period over).
    closed: Mapped[str | None] = mapped_column(String(16))
    snoozed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
