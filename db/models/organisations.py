"""Establishments as users: their representatives' registrations, commitments and follow-up."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base
from db.types import UtcDateTime, utcnow


class CommitmentStatus(StrEnum):
    """Where a commitment stands: letter sent to be signed, signed copy in, checked, refused."""

    AWAITING_SIGNATURE = "awaiting_signature"
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    REJECTED = "rejected"


class ActionStatus(StrEnum):
    """An action of a commitment's roadmap: still ahead, done, or behind its date."""

    PLANNED = "planned"
    DONE = "done"
    LATE = "late"


class OrgRegistration(Base):
    """A representative's request to speak for an establishment, waiting for its department.

    The representative's name, position and phone live here only (erased with the user).
    """

    __tablename__ = "org_registrations"
    __table_args__ = (Index("ix_org_registrations_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    # The establishment was not in the registry: its unit was created inactive with this request.
    new_unit: Mapped[bool] = mapped_column(Boolean, default=False)
    # The commune as the representative gave it (set on the unit when approved, if it had none).
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    rep_name: Mapped[str | None] = mapped_column(String(255))
    rep_position: Mapped[str | None] = mapped_column(String(255))
    phone: Mapped[str | None] = mapped_column(String(32))
    tax_code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class Commitment(Base):
    """An establishment's plastic-reduction commitment and its roadmap; counts once verified."""

    __tablename__ = "commitments"
    __table_args__ = (
        Index("ix_commitments_unit_status", "unit_id", "status"),
        Index("ix_commitments_status", "status"),
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in CommitmentStatus)), name="status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(24), default=CommitmentStatus.AWAITING_SIGNATURE)
    # The signed letter sent back: a platform file id or a stored file path, and its kind.
    signed_ref: Mapped[str | None] = mapped_column(Text)
    signed_kind: Mapped[str | None] = mapped_column(String(16))
    signed_channel: Mapped[str | None] = mapped_column(String(16))
    review_reason: Mapped[str | None] = mapped_column(Text)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Set once when every action has been late for six months; coordinators are told then.
    flagged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CommitmentAction(Base):
    """One action of a roadmap, chosen from the checklist of the establishment's kind."""

    __tablename__ = "commitment_actions"
    __table_args__ = (
        UniqueConstraint("commitment_id", "key"),
        Index("ix_commitment_actions_due", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(
        ForeignKey("commitments.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(String(64))
    # The checklist's wording when the roadmap was made (the letter shows this).
    label: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=ActionStatus.PLANNED)
    status_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ActionReminder(Base):
    """One follow-up message about an action; unique per action and round, so sent once."""

    __tablename__ = "action_reminders"
    __table_args__ = (UniqueConstraint("action_id", "round_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("commitment_actions.id", ondelete="CASCADE"))
    # 'due' on the action's date, then 'late-YYYY-MM' once a month while it is late.
    round_key: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
