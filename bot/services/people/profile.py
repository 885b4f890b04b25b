"""What /toi shows: the person's place, what they follow and wait for, and what is stored."""

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.people.join_requests import JoinRequestView, find_pending
from bot.services.people.users import UserView
from db.models import (
    ContestEntry,
    JoinRequest,
    OrgRegistration,
    Report,
    ReportAttachment,
    Subscription,
    Topic,
    Unit,
    User,
)


@dataclass(frozen=True)
class StoredData:
    """Counts of what is kept about one person, by kind."""

    reports: int
    photos: int
    contest_entries: int
    join_requests: int
    registrations: int
    has_contact: bool  # a name, position or phone typed in a request or registration


@dataclass(frozen=True)
class ProfileView:
    """Everything /toi says beside the role and unit."""

    topics: list[str]
    pending_join: JoinRequestView | None
    pending_registration: str | None  # the establishment's name
    stored: StoredData
    review_notices: bool


async def _count(session: AsyncSession, query: Select[int]) -> int:
    return int(await session.scalar(query) or 0)


async def get_profile(session: AsyncSession, user: UserView) -> ProfileView:
    """The person's subscriptions, pending requests, stored data and notice setting."""
    topics = await session.scalars(
        select(Topic.label)
        .join(Subscription, Subscription.topic == Topic.key)
        .where(Subscription.user_id == user.id)
        .order_by(Topic.position)
    )
    registration = await session.scalar(
        select(Unit.name)
        .join(OrgRegistration, OrgRegistration.unit_id == Unit.id)
        .where(OrgRegistration.user_id == user.id, OrgRegistration.status == "pending")
    )
    stored = await _stored(session, user.id)
    row = await session.get(User, user.id)
    return ProfileView(
        list(topics),
        await find_pending(session, user.id),
        registration,
        stored,
        bool(row and row.review_notices),
    )


async def _stored(session: AsyncSession, user_id: int) -> StoredData:
    count = select(func.count())
    joins = await _count(
        session, count.select_from(JoinRequest).where(JoinRequest.user_id == user_id)
    )
    registrations = await _count(
        session, count.select_from(OrgRegistration).where(OrgRegistration.user_id == user_id)
    )
    contact = await _count(
        session,
        count.select_from(JoinRequest).where(
            JoinRequest.user_id == user_id, JoinRequest.full_name.is_not(None)
        ),
    )
    return StoredData(
        reports=await _count(
            session, count.select_from(Report).where(Report.reporter_id == user_id)
        ),
        photos=await _count(
            session,
            count.select_from(ReportAttachment)
            .join(Report, Report.id == ReportAttachment.report_id)
            .where(Report.reporter_id == user_id),
        ),
        contest_entries=await _count(
            session,
            count.select_from(ContestEntry).where(
                ContestEntry.user_id == user_id, ContestEntry.erased_at.is_(None)
            ),
        ),
        join_requests=joins,
        registrations=registrations,
        has_contact=bool(contact or registrations),
    )
