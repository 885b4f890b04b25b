"""Which reports count towards figures: one filter, used by every target, digest and reminder.

The department decides in content/plan.yaml (`counting.pending_counts`) whether reports waiting
for verification count; figures then say which. Rejected and withdrawn reports never count.
"""

from dataclasses import dataclass

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.plan.tasks import get_plan_info
from db.models import Report, ReportStatus

__all__ = [
    "COUNTED_STATUSES",
    "RECEIVED",
    "VERIFIED_ONLY",
    "CountingPolicy",
    "ReportStatus",
    "get_counting_policy",
    "is_counted",
    "is_verified",
]

# Reports that were received and stand: neither rejected nor withdrawn.
COUNTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.VERIFIED)


@dataclass(frozen=True)
class CountingPolicy:
    """Whether reports still waiting for a coordinator's verification count."""

    pending: bool

    @property
    def statuses(self) -> tuple[ReportStatus, ...]:
        """The statuses that count under this policy."""
        return COUNTED_STATUSES if self.pending else (ReportStatus.VERIFIED,)


# Figures of record (the periodic report, and the department's default).
VERIFIED_ONLY = CountingPolicy(pending=False)
# Whether a unit sent its report at all (completeness, reminders): a report waiting counts.
RECEIVED = CountingPolicy(pending=True)


def is_counted(policy: CountingPolicy) -> ColumnElement[bool]:
    """SQL condition: the report counts towards figures under `policy`."""
    return Report.status.in_(policy.statuses)


def is_verified() -> ColumnElement[bool]:
    """SQL condition: a coordinator verified the report."""
    return Report.status == ReportStatus.VERIFIED


async def get_counting_policy(session: AsyncSession) -> CountingPolicy:
    """The department's choice in content/plan.yaml (default: verified reports only)."""
    return CountingPolicy(pending=(await get_plan_info(session)).pending_counts)
