"""Changing recorded reports: corrections and withdrawals by authors, reviews by coordinators."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core import audit
from bot.services.core.access import Role, require_role
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.people.users import UserView
from bot.services.reports.recording import (
    MAX_PHOTOS,
    Draft,
    ReportView,
    can_change,
    check_answers,
    load_report,
    reportable_task,
    set_figures,
    views,
)
from db.models import Report, ReportAttachment, ReportFigure, ReportRevision, ReportStatus

MAX_REASON = 500


@dataclass(frozen=True)
class Reviewed:
    """A review's outcome, with whom to tell."""

    report: ReportView
    reporter_id: int | None


async def _own(session: AsyncSession, *, user: UserView, report_id: int, now: datetime) -> Report:
    report = await session.get(Report, report_id, with_for_update=True)
    if report is None:
        raise NotFound("report/not_found", {"id": report_id})
    if not can_change(report, user=user, now=now):
        raise InvalidInput("report/cannot_change", {"id": report_id})
    return report


async def _snapshot(session: AsyncSession, report: Report) -> dict[str, Any]:
    figures = await session.scalars(select(ReportFigure).where(ReportFigure.report_id == report.id))
    photos = await session.scalars(
        select(ReportAttachment.file_ref).where(ReportAttachment.report_id == report.id)
    )
    return {
        "status": report.status,
        "activity_date": report.activity_date.isoformat(),
        "description": report.description,
        "figures": {f.key: f.number if f.choice is None else f.choice for f in figures},
        "photos": list(photos),
    }


async def _revise(
    session: AsyncSession, report: Report, *, actor_id: int, action: str, now: datetime
) -> None:
    """Keep the report as it was before a change, and audit the change."""
    session.add(
        ReportRevision(
            report_id=report.id,
            at=now,
            actor_id=actor_id,
            action=action,
            before=await _snapshot(session, report),
        )
    )
    await audit.record(
        session, actor_id=actor_id, action=f"report.{action}", subject=f"report:{report.id}"
    )


async def correct_report(
    session: AsyncSession, *, user: UserView, report_id: int, draft: Draft, now: datetime
) -> None:
    """Replace the date, figures, description and photos of one's own recent report; history
    kept (the revision lists the photos it had)."""
    report = await _own(session, user=user, report_id=report_id, now=now)
    task = await reportable_task(session, user, draft.task_code)
    answers = check_answers(task, draft.answers)
    if len(draft.photos) > MAX_PHOTOS:
        raise InvalidInput("report/too_many_photos", {"max": MAX_PHOTOS})
    await _revise(session, report, actor_id=user.id, action="corrected", now=now)
    report.activity_date, report.description = draft.activity_date, draft.description
    report.status, report.updated_at = ReportStatus.SUBMITTED, now
    await session.execute(delete(ReportFigure).where(ReportFigure.report_id == report.id))
    set_figures(session, report.id, task, answers)
    await _replace_photos(session, report.id, draft.photos, channel=user.channel, now=now)


async def _replace_photos(
    session: AsyncSession, report_id: int, refs: tuple[str, ...], *, channel: str, now: datetime
) -> None:
    """Keep the photos still in the draft, drop the others, add the new ones."""
    kept = {
        a.file_ref: a
        for a in await session.scalars(
            select(ReportAttachment).where(ReportAttachment.report_id == report_id)
        )
    }
    for ref, attachment in kept.items():
        if ref not in refs:
            await session.delete(attachment)
    for ref in dict.fromkeys(refs):
        if ref not in kept:
            session.add(
                ReportAttachment(report_id=report_id, channel=channel, file_ref=ref, created_at=now)
            )


async def withdraw_report(
    session: AsyncSession, *, user: UserView, report_id: int, now: datetime
) -> None:
    """Withdraw one's own recent report: it stays in history but no longer counts."""
    report = await _own(session, user=user, report_id=report_id, now=now)
    await _revise(session, report, actor_id=user.id, action=ReportStatus.WITHDRAWN, now=now)
    report.status, report.updated_at = ReportStatus.WITHDRAWN, now


async def review_report(
    session: AsyncSession,
    *,
    actor: UserView,
    report_id: int,
    verified: bool,
    reason: str | None,
    now: datetime,
) -> Reviewed:
    """A coordinator verifies or rejects (with a reason) a submitted report."""
    require_role(actor.role, Role.COORDINATOR)
    report = await session.get(Report, report_id, with_for_update=True)
    if report is None:
        raise NotFound("report/not_found", {"id": report_id})
    if report.status != ReportStatus.SUBMITTED:
        raise InvalidInput("report/already_reviewed", {"id": report_id, "status": report.status})
    if not verified and not (reason and reason.strip()):
        raise InvalidInput("report/reason_expected")
    if reason and len(reason) > MAX_REASON:
        raise InvalidInput("report/reason_too_long", {"max": MAX_REASON})
    status = ReportStatus.VERIFIED if verified else ReportStatus.REJECTED
    await _revise(session, report, actor_id=actor.id, action=status, now=now)
    report.status = status
    report.review_reason = None if verified else (reason or "").strip()
    report.reviewed_by_id, report.reviewed_at = actor.id, now
    view = await load_report(session, user=actor, report_id=report.id, now=now)
    return Reviewed(view, report.reporter_id)


async def list_unreviewed(
    session: AsyncSession, *, actor: UserView, now: datetime, limit: int = 5
) -> list[ReportView]:
    """Submitted reports waiting for a coordinator, oldest first."""
    require_role(actor.role, Role.COORDINATOR)
    reports = await session.scalars(
        select(Report)
        .where(Report.status == ReportStatus.SUBMITTED)
        .order_by(Report.id)
        .limit(limit)
    )
    return await views(session, list(reports), user=actor, now=now)
