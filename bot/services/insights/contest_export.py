"""Excel export of a contest round: the ranking, the schools, the questions (numbers as numbers)."""

import asyncio
import secrets
from datetime import datetime, tzinfo
from io import BytesIO
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.contest.ranking import Ranking, SchoolTally
from bot.services.contest.results import round_results, school_registry_state
from bot.services.core.access import Role, require_role
from bot.services.insights.exports import _fill, save_file
from db.models import ContestAnswer, ContestAttempt, ContestItem, ContestQuestion

RANKING_HEADERS = (
    "Hạng",
    "Họ và tên",
    "Ngày sinh",
    "Trường",
    "Lớp",
    "Số câu đúng",
    "Số câu",
    "Dự đoán",
    "Chênh lệch dự đoán",
    "Thời gian làm bài (giây)",
    "Thời gian chờ gửi câu hỏi (giây)",
    "Nộp bài lúc",
    "Hết giờ",
    "Cần xem xét (trả lời quá nhanh)",
)
SCHOOL_HEADERS = (
    "Trường",
    "Số thí sinh",
    "Số học sinh",
    "Tỷ lệ tham gia (%)",
    "Điểm trung bình",
    "Ghi chú",
)
QUESTION_HEADERS = ("Mã", "Câu hỏi", "Chủ đề", "Độ khó", "Nguồn", "Số lượt trả lời", "Số lượt đúng")


async def round_workbook(
    session: AsyncSession, *, actor_role: str, round_id: int, now: datetime, tz: tzinfo
) -> bytes:
    """The round's workbook: one sheet for the ranking, one for schools, one for questions."""
    require_role(actor_role, Role.COORDINATOR)
    ranking, schools = await round_results(session, round_id=round_id, now=now)
    registry = await school_registry_state(session)
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 (a new workbook has one sheet)
    sheet.title = "Xếp hạng cá nhân"
    _fill(sheet, RANKING_HEADERS, _ranking_rows(ranking, tz))
    note = "Danh sách trường tạm, chưa xác minh" if registry == "provisional" else ""
    _fill(book.create_sheet("Theo trường"), SCHOOL_HEADERS, _school_rows(schools, note))
    _fill(book.create_sheet("Câu hỏi"), QUESTION_HEADERS, await _question_rows(session, round_id))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def write_round_for_chat(
    session: AsyncSession,
    *,
    actor_role: str,
    round_id: int,
    directory: Path,
    now: datetime,
    tz: tzinfo,
) -> Path:
    """The workbook as a file for a coordinator to receive in chat (kept an hour at most)."""
    data = await round_workbook(session, actor_role=actor_role, round_id=round_id, now=now, tz=tz)
    name = f"{now.astimezone(tz):%Y%m%d-%H%M}-thi-{secrets.token_hex(4)}.xlsx"
    return await asyncio.to_thread(save_file, directory / name, data, now)


def _ranking_rows(ranking: Ranking, tz: tzinfo) -> list[list[Any]]:
    return [
        [
            r.rank,
            r.full_name or "(đã xóa theo yêu cầu)",
            r.birth_date or "",
            r.school_name,
            r.class_name or "",
            r.score,
            r.total,
            r.prediction,
            r.distance,
            round(r.charged_seconds, 1),
            round(r.queue_seconds, 1),
            r.finished_at.astimezone(tz).replace(tzinfo=None),
            "Có" if r.timed_out else "",
            "Có" if r.flagged else "",
        ]
        for r in ranking.rows
    ]


def _school_rows(schools: list[SchoolTally], note: str) -> list[list[Any]]:
    return [
        [
            s.name,
            s.participants,
            s.students,
            round(s.share, 1) if s.share is not None else None,
            round(s.average_score, 2) if s.average_score is not None else None,
            note,
        ]
        for s in schools
    ]


async def _question_rows(session: AsyncSession, round_id: int) -> list[list[Any]]:
    answers = (
        select(
            ContestItem.question_id,
            func.count(ContestAnswer.id).label("answered"),
            func.count(ContestAnswer.id).filter(ContestAnswer.correct).label("right"),
        )
        .join(ContestAttempt, ContestAttempt.id == ContestItem.attempt_id)
        .outerjoin(ContestAnswer, ContestAnswer.item_id == ContestItem.id)
        .where(ContestAttempt.round_id == round_id)
        .group_by(ContestItem.question_id)
        .subquery()
    )
    rows = await session.execute(
        select(ContestQuestion, answers.c.answered, answers.c.right)
        .join(answers, answers.c.question_id == ContestQuestion.id)
        .order_by(ContestQuestion.bank, ContestQuestion.position)
    )
    return [
        [q.code, q.text, q.topic, q.difficulty, q.source, answered, right]
        for q, answered, right in rows
    ]
