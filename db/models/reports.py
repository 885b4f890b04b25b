"""Progress reports from officials, their figures and photo evidence."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import JsonValue, UtcDateTime, utcnow


class ReportStatus(StrEnum):
    """Where a report stands: sent, checked by a coordinator, refused, or taken back."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Report(Base):
    """What a unit did for a task on a day, as told by one of its officials."""

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_unit_date", "unit_id", "activity_date"),
        Index("ix_reports_task_date", "task_id", "activity_date"),
        # Completeness reads who reported which task when, and when it arrived, over a period:
        # answered from this index alone (the yearly report over 300,000 reports on SQLite,
        # 7.5 s without it, 1.8 s with it).
        Index(
            "ix_reports_completeness", "task_id", "activity_date", "unit_id", "status", "created_at"
        ),
        Index("ix_reports_status_created", "status", "created_at"),
        # The dashboard's yearly counts per unit: one year's range, answered from the index
        # alone (SQLite over 300,000 reports: 480 ms through the status index, 30 ms here).
        Index("ix_reports_date_unit_status", "activity_date", "unit_id", "status"),
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in ReportStatus)), name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_tasks.id", ondelete="RESTRICT"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    activity_date: Mapped[date] = mapped_column(Date)
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ReportStatus.SUBMITTED)
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ReportFigure(Base):
    """One answer of a report: a number (sessions, participants…) or a chosen option."""

    __tablename__ = "report_figures"
    __table_args__ = (Index("ix_report_figures_key", "key", "report_id"),)

    report_id: Mapped[int] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    number: Mapped[float | None] = mapped_column(Float)
    choice: Mapped[str | None] = mapped_column(String(64))


class ReportAttachment(Base):
    """Photo evidence of a report, kept as the platform's file id or a stored file path."""

    __tablename__ = "report_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="photo")
    channel: Mapped[str] = mapped_column(String(16))
    file_ref: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReportRevision(Base):
    """One change of a report (created, corrected, withdrawn, reviewed) with what it was before."""

    __tablename__ = "report_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    before: Mapped[dict[str, object]] = mapped_column(JsonValue, default=dict)


class PeriodNote(Base):
    """What a unit says once per reporting period beside its reports: difficulties, proposals
    and, for lead departments, the funding used (million VND). Feeds the periodic report."""

    __tablename__ = "period_notes"
    __table_args__ = (UniqueConstraint("unit_id", "period_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    period_key: Mapped[str] = mapped_column(String(16))
    difficulties: Mapped[str | None] = mapped_column(Text)
    proposals: Mapped[str | None] = mapped_column(Text)
    funding_used: Mapped[float | None] = mapped_column(Float)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
