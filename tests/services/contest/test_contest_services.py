"""Contest services: the draw, concurrent starts, ranking ties, the Excel bank, school targets."""

import asyncio
import random
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.content.contest_files import read_bank_file
from bot.services.contest import attempts, bank, ranking, registration, results
from bot.services.core.errors import ContentError, InvalidInput
from bot.services.core.texts import Texts
from bot.services.insights.kpis import list_target_figures
from db.models import ContestAttempt, ContestEntry, ContestItem, ContestQuestion, Material, Topic
from tests.contest_helpers import open_round
from tests.databases import CONTENT_DIR
from tests.dialog.conftest import NOW
from tests.factories import make_user, unit_by_code

Sessions = async_sessionmaker[AsyncSession]


async def _student(
    sessions: Sessions, round_id: int, chat_id: str, *, name: str, school: str
) -> int:
    async with sessions.begin() as session:
        user = await make_user(session, chat_id=chat_id)
        await registration.register(
            session,
            user_id=user.id,
            round_id=round_id,
            full_name=name,
            birth_date=date(2009, 3, 15),
            school_id=(await unit_by_code(session, school)).id,
            class_name="10A1",
            phone=None,
            guardian_name=None,
            now=NOW,
            today=NOW.date(),
        )
        return user.id


async def test_questions_and_options_are_shuffled_per_attempt(sessions: Sessions) -> None:
    round_id = await open_round(sessions, questions=10)
    orders = []
    for number in range(4):
        user_id = await _student(
            sessions, round_id, f"30{number}", name=f"Học Sinh {'ABCD'[number]}",
            school="thpt-phan-dinh-phung",
        )  # fmt: skip
        async with sessions.begin() as session:
            await attempts.start_attempt(
                session, user_id=user_id, round_id=round_id, channel="telegram", now=NOW
            )
    async with sessions() as session:
        for attempt in await session.scalars(select(ContestAttempt)):
            items = list(
                await session.scalars(
                    select(ContestItem)
                    .where(ContestItem.attempt_id == attempt.id)
                    .order_by(ContestItem.position)
                )
            )
            orders.append([(item.question_id, tuple(item.order)) for item in items])
    assert len({tuple(o) for o in orders}) == 4
    shuffled = [order for attempt in orders for _q, order in attempt]
    assert any(list(order) != sorted(order) for order in shuffled)


async def test_two_concurrent_starts_make_one_attempt(sessions: Sessions) -> None:
    round_id = await open_round(sessions)
    user_id = await _student(sessions, round_id, "310", name="Lê Văn Cường", school="thpt-nghen")

    async def start() -> object:
        try:
            async with sessions.begin() as session:
                return await attempts.start_attempt(
                    session, user_id=user_id, round_id=round_id, channel="telegram", now=NOW
                )
        except InvalidInput as error:
            return error.template

    first, second = await asyncio.gather(start(), start())
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(ContestAttempt))
    assert count == 1
    # Either both saw the same attempt (serialised), or the second was refused by the key.
    outcomes = [o for o in (first, second) if isinstance(o, str)]
    assert outcomes in ([], ["contest/already_started"])


async def test_the_database_refuses_a_second_attempt_number(sessions: Sessions) -> None:
    round_id = await open_round(sessions)
    user_id = await _student(sessions, round_id, "311", name="Lê Văn Dũng", school="thpt-nghen")
    async with sessions.begin() as session:
        await attempts.start_attempt(
            session, user_id=user_id, round_id=round_id, channel="zalo", now=NOW
        )
    async with sessions() as session:
        entry = await session.scalar(select(ContestEntry))
        assert entry is not None
        session.add(
            ContestAttempt(
                entry_id=entry.id, round_id=round_id, number=1, channel="web", started_at=NOW
            )
        )
        with pytest.raises(Exception, match=r"UNIQUE|unique|duplicate"):
            await session.flush()


async def _finished(
    sessions: Sessions,
    round_id: int,
    chat_id: str,
    *,
    name: str,
    score: int,
    seconds: int,
    prediction: int | None,
    minute: int,
) -> None:
    user_id = await _student(sessions, round_id, chat_id, name=name, school="thpt-can-loc")
    async with sessions.begin() as session:
        view = await attempts.start_attempt(
            session, user_id=user_id, round_id=round_id, channel="telegram", now=NOW
        )
        row = await session.get(ContestAttempt, view.id)
        assert row is not None
        row.status, row.score, row.charged_ms = "finished", score, seconds * 1000
        row.prediction, row.finished_at = prediction, NOW + timedelta(minutes=minute)


async def test_ties_are_settled_by_the_prediction_then_time_then_submission(
    sessions: Sessions,
) -> None:
    round_id = await open_round(sessions, questions=3)
    # Two have every answer right, so the real number is 2.
    await _finished(
        sessions, round_id, "401", name="Ba Bốn", score=3, seconds=90, prediction=9, minute=1
    )
    await _finished(
        sessions, round_id, "402", name="Ba Hai", score=3, seconds=95, prediction=2, minute=2
    )
    await _finished(
        sessions, round_id, "403", name="Hai Nhanh", score=2, seconds=40, prediction=2, minute=3
    )
    await _finished(
        sessions, round_id, "404", name="Hai Chậm", score=2, seconds=50, prediction=2, minute=4
    )
    await _finished(
        sessions, round_id, "405", name="Hai Muộn", score=2, seconds=50, prediction=2, minute=5
    )
    await _finished(
        sessions, round_id, "406", name="Hai Không", score=2, seconds=10, prediction=None, minute=0
    )
    async with sessions() as session:
        ranked = await ranking.rank_round(session, round_id=round_id)
    assert ranked.all_correct == 2
    assert [r.full_name for r in ranked.rows] == [
        "Ba Hai",  # prediction 2 is exact
        "Ba Bốn",
        "Hai Nhanh",  # same score and prediction: less time
        "Hai Chậm",  # same time: submitted earlier
        "Hai Muộn",
        "Hai Không",  # no prediction ranks after every prediction
    ]
    assert [r.rank for r in ranked.rows] == [1, 2, 3, 4, 5, 6]


def _bank_file(tmp_path: Path, rows: list[list[str | None]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(
        ["Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Đáp án đúng",
         "Chủ đề", "Độ khó", "Nguồn"]
    )  # fmt: skip
    for row in rows:
        sheet.append(row)
    path = tmp_path / "ngan-hang.xlsx"
    book.save(path)
    return path


GOOD = ["Túi ni lông khó phân hủy gây hại gì?", "Ô nhiễm đất", "Làm đất tốt hơn", None, None, "A",
        "nhua", "Dễ", "plan:I.5"]  # fmt: skip


async def test_the_excel_bank_is_all_or_nothing_with_file_line_errors(
    sessions: Sessions, tmp_path: Path
) -> None:
    bad = ["Câu thiếu đáp án", "Một", "Hai", None, None, "C", "nhua", "Khó", "tai-lieu-khong-co"]
    path = _bank_file(tmp_path, [GOOD, bad])
    with pytest.raises(ContentError) as raised:
        read_bank_file(path, topics={"nhua"}, sources=set())
    assert raised.value.problems == [
        f"{path}:3: Đáp án đúng 'C': letters among the options",
    ]
    bad_source = [*GOOD[:8], "tai-lieu-khong-co"]
    bad_source[0] = "Một câu khác?"
    with pytest.raises(ContentError) as raised:
        read_bank_file(_bank_file(tmp_path, [GOOD, bad_source]), topics={"nhua"}, sources=set())
    assert "ngan-hang.xlsx:3: source 'tai-lieu-khong-co'" in raised.value.problems[0]
    async with sessions() as session:
        before = await session.scalar(select(func.count()).select_from(ContestQuestion))
    assert before == 111  # nothing was loaded


async def test_an_imported_bank_replaces_the_starter_bank_for_new_rounds(
    sessions: Sessions, tmp_path: Path
) -> None:
    async with sessions() as session:
        topics = set(await session.scalars(select(Topic.key)))
        sources = set(await session.scalars(select(Material.slug)))
    rows = [[f"Câu hỏi số {n}?", "Đúng", "Sai", "Không biết", None, "a", "nhua", "trung binh",
             "plan:I.5"] for n in range(3)]  # fmt: skip
    questions = read_bank_file(_bank_file(tmp_path, rows), topics=topics, sources=sources)
    assert [q.correct for q in questions] == [(0,), (0,), (0,)]
    async with sessions.begin() as session:
        change = await bank.import_bank(
            session, bank=bank.IMPORTED_BANK, questions=questions, now=NOW
        )
    assert (change.created, change.active) == (3, 3)
    round_id = await open_round(sessions, questions=3)
    async with sessions() as session:
        from bot.services.contest.registry import get_round

        assert (await get_round(session, round_id)).bank == bank.IMPORTED_BANK
        with pytest.raises(InvalidInput, match="bank_in_use"):
            await bank.import_bank(session, bank=bank.IMPORTED_BANK, questions=questions, now=NOW)


async def test_the_school_targets_move_as_students_take_part(sessions: Sessions) -> None:
    async def figure() -> tuple[int | None, int | None, str | None]:
        async with sessions() as session:
            figures = await list_target_figures(
                session, year=2026, plan_start=date(2026, 1, 1), plan_end=date(2030, 12, 31)
            )
        found = next(f for f in figures if f.code == "schools_contest_registered")
        return found.current, found.denominator, found.registry

    assert await figure() == (0, 45, "provisional")
    round_id = await open_round(sessions)
    first = await _student(sessions, round_id, "501", name="Võ Thị Em", school="thpt-hong-linh")
    await _student(sessions, round_id, "502", name="Võ Văn Phúc", school="thpt-hong-linh")
    assert await figure() == (0, 45, "provisional")  # registered is not taking part yet
    async with sessions.begin() as session:
        await attempts.start_attempt(
            session, user_id=first, round_id=round_id, channel="telegram", now=NOW,
            rng=random.Random(1),
        )  # fmt: skip
    assert await figure() == (1, 45, "provisional")


async def test_personal_data_is_erased_after_the_retention_period(sessions: Sessions) -> None:
    round_id = await open_round(sessions, days=1)
    await _student(sessions, round_id, "601", name="Đặng Văn Giang", school="thpt-ky-anh")
    later = NOW + timedelta(days=2)
    async with sessions.begin() as session:
        await results.publish_results(
            session, actor_role="coordinator", round_id=round_id, now=later,
            texts=Texts(CONTENT_DIR / "templates"),
        )  # fmt: skip
    async with sessions.begin() as session:
        assert await results.purge_expired(session, now=later + timedelta(days=89)) == 0
        assert await results.contest_digest(session, now=later + timedelta(days=91)) is not None
    async with sessions() as session:
        [entry] = list(await session.scalars(select(ContestEntry)))
    assert (entry.full_name, entry.birth_date, entry.user_id) == (None, None, None)
    assert entry.school_id is not None  # the school's figure stays
