"""Excel export of a contest round: the ranking, the schools, the questions (numbers as numbers)."""

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.contest.ranking import Ranking, SchoolTally
from bot.services.contest.results import round_results, school_registry_state
from bot.services.core.access import Role, require_role
from bot.services.insights.exports import save_file
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


@dataclass(frozen=True)
class RoundSheets:
    """The rows of a round's workbook, read from the database."""

    ranking: list[list[Any]]
    schools: list[list[Any]]
    questions: list[list[Any]]


async def round_sheets(
    session: AsyncSession, *, actor_role: str, round_id: int, now: datetime, tz: tzinfo
) -> RoundSheets:
    """What the round's workbook shows: the ranking, the schools, the questions."""
    require_role(actor_role, Role.COORDINATOR)
    ranking, schools = await round_results(session, round_id=round_id, now=now)
    registry = await school_registry_state(session)
    note = "Danh sách trường tạm, chưa xác minh" if registry == "provisional" else ""
    return RoundSheets(
        _ranking_rows(ranking, tz),
        _school_rows(schools, note),
        await _question_rows(session, round_id),
    )


def build_round_workbook(sheets: RoundSheets) -> bytes:
    """Lay the rows out as an .xlsx file (blocking: call it in a worker thread)."""
    from bot.services.insights import workbooks  # noqa: PLC0415 (openpyxl: at the first export)

    return workbooks.build(
        [
            workbooks.Page("Xếp hạng cá nhân", RANKING_HEADERS, sheets.ranking),
            workbooks.Page("Theo trường", SCHOOL_HEADERS, sheets.schools),
            workbooks.Page("Câu hỏi", QUESTION_HEADERS, sheets.questions),
        ]
    )


async def write_round(sheets: RoundSheets, *, directory: Path, now: datetime, tz: tzinfo) -> Path:
    """The workbook as a file for a coordinator to receive in chat (kept an hour at most),
    laid out and written in worker threads."""
    data = await asyncio.to_thread(build_round_workbook, sheets)
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
