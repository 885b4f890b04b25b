"""The online contest of task I.4: contests, rounds, the question bank, entries and attempts.

Fairness lives in the keys: one entry per chat account and one per person (name, date of birth,
school) in a round; attempts numbered per entry; one answer per question of an attempt.
"""

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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


class Contest(Base):
    """A contest (content/contest/contest.yaml) and the defaults its new rounds copy."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(Text)
    organisers: Mapped[str] = mapped_column(Text)
    settings: Mapped[dict[str, object]] = mapped_column(JsonValue, default=dict)


class ContestRound(Base):
    """A round (đợt thi): its window, its bank and the rules it was opened with."""

    __tablename__ = "contest_rounds"
    __table_args__ = (UniqueConstraint("contest_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    bank: Mapped[str] = mapped_column(String(64))
    question_count: Mapped[int] = mapped_column(Integer)
    time_limit_seconds: Mapped[int] = mapped_column(Integer)
    # 'one': one attempt per person; 'best': up to max_attempts, the best one counts.
    attempts_rule: Mapped[str] = mapped_column(String(8))
    max_attempts: Mapped[int] = mapped_column(Integer)
    # Attempts whose median answer is faster than this are flagged for review.
    human_min_seconds: Mapped[float] = mapped_column(Float)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # draft -> open -> closed; results_at: the results were published (final).
    status: Mapped[str] = mapped_column(String(16), default="draft")
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    results_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ContestQuestion(Base):
    """One question of a bank; `correct` holds 0-based positions in `options`."""

    __tablename__ = "contest_questions"
    __table_args__ = (
        UniqueConstraint("bank", "code"),
        Index("ix_contest_questions_bank_active", "bank", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JsonValue)
    correct: Mapped[list[int]] = mapped_column(JsonValue)
    topic: Mapped[str] = mapped_column(String(64))
    difficulty: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(128))
    position: Mapped[int] = mapped_column(Integer, default=0)
    # A question left out of a re-import stays for the attempts that drew it, inactive.
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ContestEntry(Base):
    """A student's registration for a round; personal fields are emptied on erasure."""

    __tablename__ = "contest_entries"
    __table_args__ = (
        UniqueConstraint("round_id", "user_id"),
        UniqueConstraint("round_id", "name_key", "birth_date", "school_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    full_name: Mapped[str | None] = mapped_column(String(100))
    # The folded name (no case, no diacritics): "Nguyễn Văn A" and "nguyen van a" are one person.
    name_key: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    school_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    class_name: Mapped[str | None] = mapped_column(String(20))
    phone: Mapped[str | None] = mapped_column(String(20))
    child: Mapped[bool] = mapped_column(Boolean, default=False)
    guardian_name: Mapped[str | None] = mapped_column(String(100))
    consented_at: Mapped[datetime] = mapped_column(UtcDateTime)
    guardian_consented_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # /xoadulieu before the results are final: erased as soon as they are.
    erase_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ContestAttempt(Base):
    """One attempt: its questions, score, time charged and the prediction."""

    __tablename__ = "contest_attempts"
    __table_args__ = (
        UniqueConstraint("entry_id", "number"),
        Index("ix_contest_attempts_round_status", "round_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("contest_entries.id", ondelete="CASCADE"))
    round_id: Mapped[int] = mapped_column(ForeignKey("contest_rounds.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    # active -> predicting (questions done, waiting for the prediction) -> finished
    status: Mapped[str] = mapped_column(String(16), default="active")
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    score: Mapped[int] = mapped_column(Integer, default=0)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    charged_ms: Mapped[int] = mapped_column(Integer, default=0)
    queue_ms: Mapped[int] = mapped_column(Integer, default=0)
    prediction: Mapped[int | None] = mapped_column(Integer)
    timed_out: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)


class ContestItem(Base):
    """A question of an attempt: its place, its shuffled options and when it reached the student.

    `token` is the opaque id buttons carry; `order[slot]` is the bank position shown at `slot`.
    """

    __tablename__ = "contest_items"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("contest_attempts.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[int] = mapped_column(ForeignKey("contest_questions.id"))
    token: Mapped[str] = mapped_column(String(16), unique=True)
    order: Mapped[list[int]] = mapped_column(JsonValue)
    selection: Mapped[list[int]] = mapped_column(JsonValue, default=list)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The outbox row that carries it in chat (no foreign key: erasure deletes outbox rows).
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ContestAnswer(Base):
    """The answer to one question of an attempt: the first one counts (unique per item)."""

    __tablename__ = "contest_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("contest_items.id", ondelete="CASCADE"), unique=True
    )
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("contest_attempts.id", ondelete="CASCADE"), index=True
    )
    chosen: Mapped[list[int]] = mapped_column(JsonValue)
    correct: Mapped[bool] = mapped_column(Boolean)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)
    charged_ms: Mapped[int] = mapped_column(Integer, default=0)
    queue_ms: Mapped[int] = mapped_column(Integer, default=0)
