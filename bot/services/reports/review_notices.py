"""The coordinators hear about reports waiting for verification: one message a day at most,
with the count and a button to /xacminh; each coordinator can turn it off."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Action, Option, Outgoing, action_payload
from bot.services.core.texts import Texts
from bot.services.messaging import outbox
from bot.services.people.users import list_coordinators
from db.models import AppState, Report, ReportStatus, User
from db.queries.upserts import insert_ignore

KEY = "review_notice.{day}"


async def count_waiting(session: AsyncSession) -> tuple[int, datetime | None]:
    """Reports waiting for verification, and when the oldest of them came."""
    count, oldest = (
        await session.execute(
            select(func.count(), func.min(Report.created_at)).where(
                Report.status == ReportStatus.SUBMITTED
            )
        )
    ).one()
    return int(count), oldest


async def queue_review_notices(
    session: AsyncSession, *, texts: Texts, now: datetime, tz: ZoneInfo
) -> int:
    """Tell the coordinators who want it how many reports wait, once per local day whoever
    calls it; nothing (and nothing marked) while none wait, so a report later that day is
    still told. Returns the messages queued."""
    count, oldest = await count_waiting(session)
    if not count:
        return 0
    day = now.astimezone(tz).date()
    if not await insert_ignore(
        session, AppState, {"key": KEY.format(day=day), "value": str(count)}
    ):
        return 0
    text = texts.render(
        "history/waiting_notice", count=count, oldest=oldest.astimezone(tz) if oldest else None
    )
    options = (
        Option(texts.render("history/waiting_open"), action_payload(Action.REVIEW_REPORTS)),
        Option(texts.render("history/waiting_stop"), action_payload(Action.REVIEW_NOTICES, "off")),
    )
    queued = 0
    for coordinator in await list_coordinators(session):
        user = await session.get(User, coordinator.id)
        if user is None or not user.review_notices:
            continue
        message = Outgoing(text, options)
        queued += await outbox.enqueue(session, user_id=coordinator.id, message=message, now=now)
    return queued
