"""A report sent twice: the same unit, task, activity date and figures as one already sent."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.people.users import UserView
from bot.services.reports.recording import Draft, reportable_task
from db.models import Report, ReportFigure, ReportStatus

# Reports that still stand: sent (pending review) or verified.
STANDING = (ReportStatus.SUBMITTED, ReportStatus.VERIFIED)


async def find_duplicate(session: AsyncSession, *, user: UserView, draft: Draft) -> int | None:
    """The number of a standing report of the user's unit that this draft repeats, if any."""
    task = await reportable_task(session, user, draft.task_code)
    candidates = list(
        await session.scalars(
            select(Report.id)
            .where(
                Report.unit_id == user.unit_id,
                Report.task_id == task.id,
                Report.activity_date == draft.activity_date,
                Report.status.in_(STANDING),
            )
            .order_by(Report.id)
        )
    )
    if not candidates:
        return None
    figures: dict[int, dict[str, object]] = {report_id: {} for report_id in candidates}
    for row in await session.scalars(
        select(ReportFigure).where(ReportFigure.report_id.in_(candidates))
    ):
        figures[row.report_id][row.key] = row.choice if row.choice is not None else row.number
    wanted = {
        q.key: (float(v) if q.type == "number" else str(v))
        for q in task.reporting.questions
        if (v := draft.answers.get(q.key)) is not None
    }
    return next((rid for rid, values in figures.items() if values == wanted), None)
