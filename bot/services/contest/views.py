"""What a student is shown of an attempt: its questions (never the answer key) and its state."""

from dataclasses import dataclass
from datetime import datetime

from bot.services.contest.registry import RoundView
from db.models import ContestAttempt, ContestItem, ContestQuestion

LETTERS = "ABCD"


def to_ms(seconds: float) -> int:
    """Whole milliseconds, never below zero."""
    return max(0, round(seconds * 1000))


@dataclass(frozen=True)
class OptionView:
    """One option as shown: its letter, its text and the opaque id that answers it."""

    slot: int
    letter: str
    text: str
    answer_id: str


@dataclass(frozen=True)
class QuestionView:
    """The question a student has to answer now (no answer key in it)."""

    attempt_id: int
    token: str
    position: int
    total: int
    text: str
    options: tuple[OptionView, ...]
    multiple: bool
    selected: tuple[str, ...]
    remaining_seconds: int


@dataclass(frozen=True)
class AttemptView:
    """Where an attempt stands."""

    id: int
    round_id: int
    number: int
    status: str
    score: int
    answered: int
    total: int
    charged_seconds: float
    queue_seconds: float
    prediction: int | None
    timed_out: bool
    flagged: bool
    started_at: datetime
    finished_at: datetime | None
    max_attempts: int


@dataclass(frozen=True)
class AnswerOutcome:
    """What an answer did: the attempt after it and the next question (None when done)."""

    attempt: AttemptView
    next_question: QuestionView | None
    late: bool


@dataclass(frozen=True)
class PageView:
    """What a student's contest page shows now."""

    contest_round: RoundView
    registered: bool
    # The question to answer, shown now (its clock runs from this moment).
    question: QuestionView | None
    # The open attempt: the question's, or one waiting for its prediction.
    attempt: AttemptView | None
    # The attempts so far, when none waits for the student.
    done: list[AttemptView]


def question_view(
    item: ContestItem,
    question: ContestQuestion,
    attempt: ContestAttempt,
    contest_round: RoundView,
    now: datetime,
) -> QuestionView:
    """The question as the student sees it now, with the time left on the attempt's clock."""
    delivered = item.delivered_at
    running = to_ms((now - delivered).total_seconds()) if delivered else 0
    left = contest_round.time_limit_seconds * 1000 - attempt.charged_ms - running
    options = tuple(
        OptionView(slot, LETTERS[slot], question.options[index], f"{item.token}.{slot}")
        for slot, index in enumerate(item.order)
    )
    return QuestionView(
        attempt.id,
        item.token,
        item.position,
        contest_round.question_count,
        question.text,
        options,
        len(question.correct) > 1,
        tuple(LETTERS[slot] for slot in item.selection),
        max(0, left // 1000),
    )


def attempt_view(attempt: ContestAttempt, contest_round: RoundView) -> AttemptView:
    """Where the attempt stands, for the chat and the page."""
    return AttemptView(
        attempt.id,
        attempt.round_id,
        attempt.number,
        attempt.status,
        attempt.score,
        attempt.answered,
        contest_round.question_count,
        attempt.charged_ms / 1000,
        attempt.queue_ms / 1000,
        attempt.prediction,
        attempt.timed_out,
        attempt.flagged,
        attempt.started_at,
        attempt.finished_at,
        contest_round.max_attempts,
    )
