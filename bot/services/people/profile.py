"""What /toi shows: the person's place, what they follow and wait for, and what is stored."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ScalarSelect, Select, bindparam, func, select
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


async def get_profile(session: AsyncSession, user: UserView) -> ProfileView:
    """The person's subscriptions, pending requests, stored data and notice setting."""
    who = {"user_id": user.id}
    topics = await session.scalars(_TOPICS, who)
    # One round trip for the rest: /toi is among the most used screens.
    row = (await session.execute(_FACTS, who)).one()
    reports, photos, entries, joins, registrations, contact, registration, notices, waiting = row
    stored = StoredData(
        reports=reports,
        photos=photos,
        contest_entries=entries,
        join_requests=joins,
        registrations=registrations,
        has_contact=bool(contact or registrations),
    )
    pending = await find_pending(session, user.id) if waiting else None
    return ProfileView(list(topics), pending, registration, stored, bool(notices))


def _facts(user_id: BindParameter[int]) -> list[ScalarSelect[Any]]:
    """Counts of what is kept, the establishment waiting, the notice setting, whether a
    request to join waits: as columns."""
    count = select(func.count())
    own_reports = Report.reporter_id == user_id
    queries: list[Select[Any]] = [
        count.select_from(Report).where(own_reports),
        count.select_from(ReportAttachment)
        .join(Report, Report.id == ReportAttachment.report_id)
        .where(own_reports),
        count.select_from(ContestEntry).where(
            ContestEntry.user_id == user_id, ContestEntry.erased_at.is_(None)
        ),
        count.select_from(JoinRequest).where(JoinRequest.user_id == user_id),
        count.select_from(OrgRegistration).where(OrgRegistration.user_id == user_id),
        count.select_from(JoinRequest).where(
            JoinRequest.user_id == user_id, JoinRequest.full_name.is_not(None)
        ),
        select(Unit.name)
        .join(OrgRegistration, OrgRegistration.unit_id == Unit.id)
        .where(OrgRegistration.user_id == user_id, OrgRegistration.status == "pending")
        .limit(1),
        select(User.review_notices).where(User.id == user_id),
        select(func.count() > 0).where(
            JoinRequest.user_id == user_id, JoinRequest.status == "pending"
        ),
    ]
    return [query.scalar_subquery() for query in queries]


# Built once: building these statements cost more than running them.
_USER_ID: BindParameter[int] = bindparam("user_id")
_TOPICS = (
    select(Topic.label)
    .join(Subscription, Subscription.topic == Topic.key)
    .where(Subscription.user_id == _USER_ID)
    .order_by(Topic.position)
)
_FACTS = select(*_facts(_USER_ID))
