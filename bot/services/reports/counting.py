"""Which reports count towards figures: one filter, used by every target, digest and reminder."""

from sqlalchemy import ColumnElement

from db.models import Report, ReportStatus

__all__ = ["COUNTED_STATUSES", "ReportStatus", "is_counted"]

# Sent reports count until a coordinator rejects them; withdrawn ones never do.
COUNTED_STATUSES = (ReportStatus.SUBMITTED, ReportStatus.VERIFIED)


def is_counted() -> ColumnElement[bool]:
    """SQL condition: the report counts towards figures."""
    return Report.status.in_(COUNTED_STATUSES)
