"""Taking an attempt: the calls the chat flow and the web page share.

start_attempt -> current_question (options shuffled, each with an opaque answer id) ->
queue_question (chat: through the outbox) or show_page (web) -> answer / answer_typed ... ->
predict. The answer key never leaves this module: options carry `<token>.<slot>`, where the
token names one question of one attempt and the slot a place in that attempt's shuffled order.

Time charged for a question runs from its delivery (the outbox row's `sent_at`: the moment the
platform accepted it; for the web, when the page served it) to the answer, so the bot's own send
queue is never charged. An attempt's clock is the sum over its questions; past the round's time
limit an answer scores nothing and the attempt ends.
"""

import random
import re
import secrets
import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Outgoing
from bot.services.contest.bank import draw
from bot.services.contest.registry import RoundView, get_round, view_of
from bot.services.contest.views import (
    LETTERS,
    AnswerOutcome,
    AttemptView,
    PageView,
    QuestionView,
    attempt_view,
    question_view,
    to_ms,
)
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.core.matching import fold
from bot.services.messaging import outbox
from db.models import (
    Contest,
    ContestAnswer,
    ContestAttempt,
    ContestEntry,
    ContestItem,
    ContestQuestion,
    ContestRound,
)
from db.queries.upserts import insert_ignore

ANSWER_ID = re.compile(r"^([A-Za-z0-9_-]{8,16})\.([0-3])$")
MIN_FLAG_ANSWERS = 3
MAX_PREDICTION = 1_000_000


@dataclass(frozen=True)
class _Asked:
    """A question of an attempt (the item) with the bank's question it shows."""

    item: ContestItem
    question: ContestQuestion


async def start_attempt(
    session: AsyncSession,
    *,
    user_id: int,
    round_id: int,
    channel: str,
    now: datetime,
    rng: random.Random | None = None,
) -> AttemptView:
    """Start (or resume) the user's attempt: questions drawn and shuffled for this attempt only."""
    contest_round = await get_round(session, round_id)
    if not contest_round.accepts(now):
        raise InvalidInput("contest/round_not_open")
    entry = await session.scalar(
        select(ContestEntry)
        .where(
            ContestEntry.user_id == user_id,
            ContestEntry.round_id == round_id,
            ContestEntry.erased_at.is_(None),
        )
        .with_for_update()
    )
    if entry is None:
        raise InvalidInput("contest/not_registered")
    earlier = list(
        await session.scalars(
            select(ContestAttempt)
            .where(ContestAttempt.entry_id == entry.id)
            .order_by(ContestAttempt.number)
        )
    )
    for attempt in earlier:
        await _settle(session, attempt, contest_round, now)
        if attempt.status != "finished":
            return attempt_view(attempt, contest_round)
    if len(earlier) >= contest_round.max_attempts:
        raise InvalidInput("contest/no_attempts_left")
    rng = rng or random.SystemRandom()
    questions = await draw(
        session, bank=contest_round.bank, count=contest_round.question_count, rng=rng
    )
    attempt = ContestAttempt(
        entry_id=entry.id,
        round_id=round_id,
        number=len(earlier) + 1,
        channel=channel,
        status="active",
        started_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(attempt)
            await session.flush()
    except IntegrityError:  # a second start at the same moment: the first one stands
        raise InvalidInput("contest/already_started") from None
    session.add_all(
        ContestItem(
            attempt_id=attempt.id,
            position=position,
            question_id=question.id,
            token=secrets.token_urlsafe(9),
            order=rng.sample(range(len(question.options)), len(question.options)),
            selection=[],
        )
        for position, question in enumerate(questions, start=1)
    )
    await session.flush()
    return attempt_view(attempt, contest_round)


async def open_attempt(
    session: AsyncSession, *, user_id: int, round_id: int, now: datetime
) -> AttemptView | None:
    """The user's unfinished attempt in the round (after its clock is checked), if any."""
    attempts = await _attempts_of(session, user_id=user_id, round_id=round_id)
    contest_round = await get_round(session, round_id)
    for attempt in attempts:
        await _settle(session, attempt, contest_round, now)
        if attempt.status != "finished":
            return attempt_view(attempt, contest_round)
    return None


async def list_attempts(
    session: AsyncSession, *, user_id: int, round_id: int, now: datetime
) -> list[AttemptView]:
    """The user's attempts in the round, first first."""
    contest_round = await get_round(session, round_id)
    attempts = await _attempts_of(session, user_id=user_id, round_id=round_id)
    for attempt in attempts:
        await _settle(session, attempt, contest_round, now)
    return [attempt_view(a, contest_round) for a in attempts]


async def current_question(
    session: AsyncSession, *, user_id: int, attempt_id: int, now: datetime
) -> QuestionView | None:
    """The question to answer now; None when the questions are over (or the time is)."""
    attempt, contest_round = await _own_attempt(session, user_id, attempt_id)
    await _settle(session, attempt, contest_round, now)
    if attempt.status != "active":
        return None
    asked = await _current(session, attempt)
    return (
        None
        if asked is None
        else question_view(asked.item, asked.question, attempt, contest_round, now)
    )


async def show_page(
    session: AsyncSession, *, user_id: int, round_id: int, now: datetime
) -> PageView:
    """A student's page: the question to answer (shown now, so its clock starts), else the
    attempt waiting for its prediction, else the attempts so far. The round, the entry and
    the attempts are read in one query, the current question with its options in one more."""
    rows = (
        await session.execute(
            select(ContestRound, Contest, ContestEntry.id, ContestAttempt)
            .join(Contest, Contest.id == ContestRound.contest_id)
            .outerjoin(
                ContestEntry,
                and_(
                    ContestEntry.round_id == ContestRound.id,
                    ContestEntry.user_id == user_id,
                    ContestEntry.erased_at.is_(None),
                    ContestEntry.full_name.is_not(None),
                    ContestEntry.birth_date.is_not(None),
                ),
            )
            .outerjoin(ContestAttempt, ContestAttempt.entry_id == ContestEntry.id)
            .where(ContestRound.id == round_id)
            .order_by(ContestAttempt.number)
        )
    ).all()
    if not rows:
        raise NotFound("contest/no_round_id", {"id": round_id})
    contest_round = view_of(rows[0][0], rows[0][1])
    # Outer joins: no entry (not registered, or erased), no attempt yet.
    entry_id: int | None = rows[0][2]
    if entry_id is None:
        return PageView(contest_round, registered=False, question=None, attempt=None, done=[])
    joined: list[ContestAttempt | None] = [row[3] for row in rows]
    attempts = [attempt for attempt in joined if attempt is not None]
    for attempt in attempts:
        if attempt.status == "finished":
            continue
        asked = await _locked_current(session, attempt) if attempt.status == "active" else None
        if asked is None:  # no question to show: the attempt is locked alone
            await _lock(session, attempt)
        await _settle(session, attempt, contest_round, now, asked)
        view = attempt_view(attempt, contest_round)
        if attempt.status == "active" and asked is not None:
            _deliver(asked.item, now)
            question = question_view(asked.item, asked.question, attempt, contest_round, now)
            return PageView(
                contest_round, registered=True, question=question, attempt=view, done=[]
            )
        if attempt.status == "predicting":
            return PageView(contest_round, registered=True, question=None, attempt=view, done=[])
    done = [attempt_view(attempt, contest_round) for attempt in attempts]
    return PageView(contest_round, registered=True, question=None, attempt=None, done=done)


async def queue_question(
    session: AsyncSession, *, user_id: int, question: QuestionView, message: Outgoing, now: datetime
) -> bool:
    """Send the question through the outbox; its delivery time starts the question's clock.

    Sent again (after /huy, a restart, a lost message), the first delivery still counts.
    """
    item = await session.scalar(select(ContestItem).where(ContestItem.token == question.token))
    if item is None:
        return False
    if item.outbox_id is not None and item.delivered_at is None:
        state = await outbox.delivery_state(session, item.outbox_id)
        if state is not None and state.sent_at is not None:
            item.delivered_at = state.sent_at
    queued = await outbox.enqueue_tracked(session, user_id=user_id, message=message, now=now)
    if queued is None:
        return False
    item.outbox_id = queued
    item.queued_at = item.queued_at or now
    return True


async def answer(
    session: AsyncSession, *, user_id: int, answer_id: str, now: datetime
) -> AnswerOutcome:
    """The option behind an opaque answer id is the answer to its question (first one counts)."""
    token, slot = _parse_answer_id(answer_id)
    asked, attempt, contest_round = await _own_item(session, user_id, token)
    return await _answer(session, asked, attempt, contest_round, slots=[slot], now=now)


async def toggle(
    session: AsyncSession, *, user_id: int, answer_id: str, now: datetime
) -> QuestionView | None:
    """For a question with several correct options: select or unselect one, before submitting.

    None when the time is over: the questions end, as for an answer.
    """
    token, slot = _parse_answer_id(answer_id)
    asked, attempt, contest_round = await _own_item(session, user_id, token)
    if await _timed_out(session, attempt, contest_round, now, asked) is not None:
        return None
    await _checked_current(session, asked, attempt, contest_round, now)
    if slot >= len(asked.item.order):
        raise InvalidInput("contest/answer_stale")
    chosen = set(asked.item.selection) ^ {slot}
    asked.item.selection = sorted(chosen)
    return question_view(asked.item, asked.question, attempt, contest_round, now)


async def answer_selected(
    session: AsyncSession,
    *,
    user_id: int,
    answer_ids: list[str],
    now: datetime,
    following: bool = True,
) -> AnswerOutcome:
    """Several options chosen at once (a web form's boxes) as the answer to their question.

    `following=False`: the next question is left for the page that shows it (one read less).
    """
    parsed = [_parse_answer_id(answer_id) for answer_id in answer_ids]
    tokens = {token for token, _slot in parsed}
    if len(tokens) != 1:
        raise InvalidInput("contest/choose_first")
    asked, attempt, contest_round = await _own_item(session, user_id, tokens.pop())
    slots = sorted({slot for _token, slot in parsed})
    if len(asked.question.correct) == 1 and len(slots) != 1:
        raise InvalidInput("contest/choose_first")
    return await _answer(
        session, asked, attempt, contest_round, slots=slots, now=now, following=following
    )


async def attempt_of_answer(session: AsyncSession, *, user_id: int, answer_id: str) -> int:
    """The attempt an answer id of this user belongs to."""
    token, _slot = _parse_answer_id(answer_id)
    _asked, attempt, _round = await _own_item(session, user_id, token)
    return attempt.id


async def submit_selection(
    session: AsyncSession, *, user_id: int, token: str, now: datetime
) -> AnswerOutcome:
    """Submit the options selected so far as the answer."""
    asked, attempt, contest_round = await _own_item(session, user_id, token)
    if not asked.item.selection:
        raise InvalidInput("contest/choose_first")
    return await _answer(
        session, asked, attempt, contest_round, slots=list(asked.item.selection), now=now
    )


async def answer_typed(
    session: AsyncSession, *, user_id: int, attempt_id: int, text: str, now: datetime
) -> AnswerOutcome:
    """A typed answer to the current question: 'B', 'b', '2', or 'A C' / '1,3' for several."""
    attempt, contest_round = await _own_attempt(session, user_id, attempt_id)
    timed_out = await _timed_out(session, attempt, contest_round, now)
    if timed_out is not None:
        return timed_out
    asked = await _current(session, attempt)
    if asked is None:
        raise InvalidInput("contest/answer_stale")
    count = len(asked.item.order)
    letters = LETTERS[:count]
    parts = [p for p in re.split(r"[^a-z0-9]+", fold(text)) if p]
    slots = []
    for part in parts:
        if len(part) == 1 and part.upper() in letters:
            slots.append(letters.index(part.upper()))
        elif part.isdigit() and 1 <= int(part) <= count:
            slots.append(int(part) - 1)
        else:
            raise InvalidInput("contest/answer_expected", {"letters": ", ".join(letters)})
    if not slots or (len(asked.question.correct) == 1 and len(set(slots)) != 1):
        raise InvalidInput("contest/answer_expected", {"letters": ", ".join(letters)})
    return await _answer(session, asked, attempt, contest_round, slots=sorted(set(slots)), now=now)


async def predict(
    session: AsyncSession, *, user_id: int, attempt_id: int, text: str, now: datetime
) -> AttemptView:
    """The prediction of how many will answer every question right; the attempt is submitted."""
    attempt, contest_round = await _own_attempt(session, user_id, attempt_id)
    await _settle(session, attempt, contest_round, now)
    if attempt.status != "predicting":
        raise InvalidInput("contest/answer_stale")
    digits = re.sub(r"[\s.]", "", text.strip())
    if not digits.isdigit() or int(digits) > MAX_PREDICTION:
        raise InvalidInput("contest/prediction_invalid", {"max": MAX_PREDICTION})
    attempt.prediction = int(digits)
    attempt.status, attempt.finished_at = "finished", now
    return attempt_view(attempt, contest_round)


async def settle_round(session: AsyncSession, *, round_id: int, now: datetime) -> int:
    """Bring every unfinished attempt of the round up to date (all end once the round has)."""
    contest_round = await get_round(session, round_id)
    attempts = await session.scalars(
        select(ContestAttempt).where(
            ContestAttempt.round_id == round_id, ContestAttempt.status != "finished"
        )
    )
    settled = 0
    for attempt in attempts:
        await _settle(session, attempt, contest_round, now)
        settled += attempt.status == "finished"
    return settled


async def review(
    session: AsyncSession, *, user_id: int, attempt_id: int, now: datetime
) -> list[tuple[str, str, bool]]:
    """After the round: each question, its correct options and whether the student had it right."""
    attempt, contest_round = await _own_attempt(session, user_id, attempt_id)
    if contest_round.state(now) not in ("closed", "published"):
        raise InvalidInput("contest/review_after_close")
    rows = await session.execute(
        select(ContestQuestion, ContestAnswer.correct)
        .join(ContestItem, ContestItem.question_id == ContestQuestion.id)
        .outerjoin(ContestAnswer, ContestAnswer.item_id == ContestItem.id)
        .where(ContestItem.attempt_id == attempt.id)
        .order_by(ContestItem.position)
    )
    return [
        (q.text, "; ".join(q.options[i] for i in q.correct), bool(correct)) for q, correct in rows
    ]


# ----------------------------------------------------------------------------- internals


def _parse_answer_id(answer_id: str) -> tuple[str, int]:
    found = ANSWER_ID.match(answer_id)
    if found is None:
        raise InvalidInput("contest/answer_stale")
    return found.group(1), int(found.group(2))


async def _attempts_of(
    session: AsyncSession, *, user_id: int, round_id: int
) -> list[ContestAttempt]:
    return list(
        await session.scalars(
            select(ContestAttempt)
            .join(ContestEntry, ContestEntry.id == ContestAttempt.entry_id)
            .where(ContestEntry.user_id == user_id, ContestAttempt.round_id == round_id)
            .order_by(ContestAttempt.number)
        )
    )


async def _own_attempt(
    session: AsyncSession, user_id: int, attempt_id: int
) -> tuple[ContestAttempt, RoundView]:
    """The user's attempt, locked for this transaction, read with its round in one query."""
    row = (
        await session.execute(
            select(ContestAttempt, ContestRound, Contest)
            .join(ContestEntry, ContestEntry.id == ContestAttempt.entry_id)
            .join(ContestRound, ContestRound.id == ContestAttempt.round_id)
            .join(Contest, Contest.id == ContestRound.contest_id)
            .where(ContestAttempt.id == attempt_id, ContestEntry.user_id == user_id)
            .with_for_update(of=ContestAttempt)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise InvalidInput("contest/answer_stale")
    return row[0], view_of(row[1], row[2])


async def _own_item(
    session: AsyncSession, user_id: int, token: str
) -> tuple[_Asked, ContestAttempt, RoundView]:
    """The item behind a token, only if it belongs to one of this user's attempts: with its
    question, its attempt (locked for this transaction) and its round, in one query."""
    found = (
        await session.execute(
            select(ContestItem, ContestQuestion, ContestAttempt, ContestRound, Contest)
            .join(ContestQuestion, ContestQuestion.id == ContestItem.question_id)
            .join(ContestAttempt, ContestAttempt.id == ContestItem.attempt_id)
            .join(ContestEntry, ContestEntry.id == ContestAttempt.entry_id)
            .join(ContestRound, ContestRound.id == ContestAttempt.round_id)
            .join(Contest, Contest.id == ContestRound.contest_id)
            .where(ContestItem.token == token, ContestEntry.user_id == user_id)
            .with_for_update(of=ContestAttempt)
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        raise InvalidInput("contest/answer_stale")
    item, question, attempt, round_row, contest = found
    return _Asked(item, question), attempt, view_of(round_row, contest)


async def _lock(session: AsyncSession, attempt: ContestAttempt) -> None:
    """Lock an attempt read earlier for this transaction, and read it again."""
    await session.execute(
        select(ContestAttempt)
        .where(ContestAttempt.id == attempt.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _current(
    session: AsyncSession, attempt: ContestAttempt, known: _Asked | None = None
) -> _Asked | None:
    """The question to answer now, with its bank question (`known` when it is that one).

    Only the current question can be answered, once: the answered ones are always the first
    `answered` positions, and the current one is the next.
    """
    position = attempt.answered + 1
    if known is not None and (known.item.attempt_id, known.item.position) == (attempt.id, position):
        return known
    found = (
        await session.execute(
            select(ContestItem, ContestQuestion)
            .join(ContestQuestion, ContestQuestion.id == ContestItem.question_id)
            .where(ContestItem.attempt_id == attempt.id, ContestItem.position == position)
        )
    ).first()
    return None if found is None else _Asked(found[0], found[1])


async def _locked_current(session: AsyncSession, attempt: ContestAttempt) -> _Asked | None:
    """The question to answer now with its options, its attempt locked and read again by the
    same query (answered meanwhile: the next one, read then)."""
    found = (
        await session.execute(
            select(ContestItem, ContestQuestion, ContestAttempt)
            .join(ContestQuestion, ContestQuestion.id == ContestItem.question_id)
            .join(ContestAttempt, ContestAttempt.id == ContestItem.attempt_id)
            .where(
                ContestItem.attempt_id == attempt.id,
                ContestItem.position == attempt.answered + 1,
            )
            .with_for_update(of=ContestAttempt)
            .execution_options(populate_existing=True)
        )
    ).first()
    if found is None:
        return None
    return await _current(session, attempt, _Asked(found[0], found[1]))


def _deliver(item: ContestItem, now: datetime) -> None:
    """Shown now on a page (no send queue): the question's clock starts, if it had not."""
    item.queued_at = item.queued_at or now
    item.delivered_at = item.delivered_at or now


async def _delivered_at(session: AsyncSession, item: ContestItem, now: datetime) -> datetime | None:
    """When the question reached the student; None while it waits in the bot's queue."""
    if item.delivered_at is not None or item.outbox_id is None:
        return item.delivered_at
    state = await outbox.delivery_state(session, item.outbox_id)
    if state is None:
        return None
    if state.sent_at is not None:
        item.delivered_at = state.sent_at
        return state.sent_at
    # Being handed to the platform this very moment (or perhaps delivered without an answer):
    # the clock starts now, never earlier.
    return now if state.status in ("sending", "unknown") else None


async def _timed_out(
    session: AsyncSession,
    attempt: ContestAttempt,
    contest_round: RoundView,
    now: datetime,
    known: _Asked | None = None,
) -> AnswerOutcome | None:
    """Past the time limit an answer scores nothing: the questions end, the prediction is next."""
    await _settle(session, attempt, contest_round, now, known)
    if attempt.status == "predicting" and attempt.timed_out and contest_round.accepts(now):
        return AnswerOutcome(attempt_view(attempt, contest_round), None, late=True)
    return None


async def _checked_current(
    session: AsyncSession,
    asked: _Asked,
    attempt: ContestAttempt,
    contest_round: RoundView,
    now: datetime,
) -> datetime:
    """Refuse unless the item is the attempt's current, delivered question in an open round;
    when it was delivered."""
    await _settle(session, attempt, contest_round, now, asked)
    if not contest_round.accepts(now):
        raise InvalidInput("contest/round_closed")
    if attempt.status != "active":
        raise InvalidInput("contest/time_over" if attempt.timed_out else "contest/answer_stale")
    current = await _current(session, attempt, asked)
    if current is None or current.item.id != asked.item.id:
        raise InvalidInput("contest/answer_stale")
    delivered = await _delivered_at(session, asked.item, now)
    if delivered is None:
        raise InvalidInput("contest/not_delivered")
    return delivered


async def _answer(
    session: AsyncSession,
    asked: _Asked,
    attempt: ContestAttempt,
    contest_round: RoundView,
    *,
    slots: list[int],
    now: datetime,
    following: bool = True,
) -> AnswerOutcome:
    timed_out = await _timed_out(session, attempt, contest_round, now, asked)
    if timed_out is not None:
        return timed_out
    delivered = await _checked_current(session, asked, attempt, contest_round, now)
    item, question = asked.item, asked.question
    if any(slot >= len(item.order) for slot in slots):
        raise InvalidInput("contest/answer_stale")
    chosen = sorted(item.order[slot] for slot in slots)
    limit = contest_round.time_limit_seconds * 1000
    spent = to_ms((now - delivered).total_seconds())
    late = attempt.charged_ms + spent > limit
    charged = min(spent, max(0, limit - attempt.charged_ms))
    queued = to_ms((delivered - item.queued_at).total_seconds()) if item.queued_at else 0
    correct = not late and set(chosen) == set(question.correct)
    values = {
        "item_id": item.id,
        "attempt_id": attempt.id,
        "chosen": chosen,
        "correct": correct,
        "late": late,
        "answered_at": now,
        "charged_ms": charged,
        "queue_ms": queued,
    }
    if not await insert_ignore(session, ContestAnswer, values):
        raise InvalidInput("contest/answer_stale")  # answered already: the first answer counts
    attempt.answered += 1
    attempt.score += correct
    attempt.charged_ms += charged
    attempt.queue_ms += queued
    if late:
        attempt.timed_out = True
    if late or attempt.answered >= contest_round.question_count:
        await _leave_questions(session, attempt, contest_round)
    upcoming = None
    if following and attempt.status == "active":
        upcoming = await _current(session, attempt)
    following_question = None
    if upcoming is not None:
        following_question = question_view(
            upcoming.item, upcoming.question, attempt, contest_round, now
        )
    return AnswerOutcome(attempt_view(attempt, contest_round), following_question, late)


async def _settle(
    session: AsyncSession,
    attempt: ContestAttempt,
    contest_round: RoundView,
    now: datetime,
    known: _Asked | None = None,
) -> None:
    """An attempt whose time ran out stops asking; when the round is over, it is submitted."""
    if attempt.status == "finished":
        return
    if attempt.status == "active":
        asked = await _current(session, attempt, known)
        item = asked.item if asked else None
        delivered = await _delivered_at(session, item, now) if item else None
        running = to_ms((now - delivered).total_seconds()) if delivered else 0
        limit = contest_round.time_limit_seconds * 1000
        if item is None or attempt.charged_ms + running >= limit:
            if item is not None:
                attempt.charged_ms, attempt.timed_out = limit, True
            await _leave_questions(session, attempt, contest_round)
    if contest_round.state(now) in ("closed", "published"):
        attempt.status = "finished"
        attempt.finished_at = attempt.finished_at or min(now, contest_round.ends_at)


async def _leave_questions(
    session: AsyncSession, attempt: ContestAttempt, contest_round: RoundView
) -> None:
    """No more questions: flag an attempt answered faster than a person reads, then predict."""
    attempt.status = "predicting"
    times = list(
        await session.scalars(
            select(ContestAnswer.charged_ms).where(
                ContestAnswer.attempt_id == attempt.id, ContestAnswer.late.is_(False)
            )
        )
    )
    attempt.flagged = (
        len(times) >= MIN_FLAG_ANSWERS
        and statistics.median(times) < contest_round.human_min_seconds * 1000
    )
