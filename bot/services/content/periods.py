"""Reporting periods of the state reporting regime: data cut-offs and sending deadlines.

Decree 09/2019/NĐ-CP (Nghị định quy định về chế độ báo cáo của cơ quan hành chính nhà nước),
Article 12 "Thời gian chốt số liệu báo cáo định kỳ": monthly reports from the 15th of the
previous month to the 14th of the month; quarterly from the 15th of the month before the quarter
to the 14th of its last month; 6-monthly from 15/12 of the previous year to 14/6 (first half) and
from 15/6 to 14/12 (second half); yearly from 15/12 of the previous year to 14/12. The cut-off day
and the sending deadline (days after the cut-off) are data in content/plan.yaml
(`reporting_periods:`); this module is the arithmetic, pure and tested at every edge.

Keys: "2026-11" (month), "2026-Q3", "2026-H1", "2026" (year).
"""

import calendar
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, TypeGuard

KINDS = ("month", "quarter", "half", "year")
MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
# The Decree's cut-off: the 14th; "last" means calendar periods (the last day of the month).
DECREE_CUTOFF = 14
LAST_DAY = "last"
MAX_DEADLINE_DAYS = 60
KEY = re.compile(r"^(\d{4})(?:-(?:(0[1-9]|1[0-2])|Q([1-4])|H([12])))?$", re.IGNORECASE)


@dataclass(frozen=True)
class KindRule:
    """How one kind of period is cut: the last day of data in its last month, and the deadline."""

    kind: str
    cutoff_day: int | None  # None: the last day of the month (calendar periods)
    deadline_days: int


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period: its data run from `start` to `end` (the cut-off, inclusive)."""

    start: date
    end: date
    kind: str
    year: int
    number: int  # month 1-12, quarter 1-4, half 1-2; 1 for a year
    deadline: date  # the report is on time when received by the end of this day

    @property
    def key(self) -> str:
        """The period's short name: 2026-11, 2026-Q3, 2026-H1 or 2026."""
        if self.kind == "month":
            return f"{self.year}-{self.number:02d}"
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        if self.kind == "half":
            return f"{self.year}-H{self.number}"
        return str(self.year)

    def contains(self, day: date) -> bool:
        """Whether a day's data belong to this period."""
        return self.start <= day <= self.end


class PeriodError(ValueError):
    """A period key or a `reporting_periods:` entry that cannot be read."""


@dataclass(frozen=True)
class ReportingCalendar:
    """The periods of every kind, as the rules of content/plan.yaml cut them."""

    rules: Mapping[str, KindRule]

    def period(self, kind: str, year: int, number: int = 1) -> Period:
        """The `number`th period of `kind` named after `year` (quarter 3, half 1…)."""
        rule = self._rule(kind)
        length = MONTHS[kind]
        if not 1 <= number <= 12 // length:
            msg = f"{kind} {number} does not exist"
            raise PeriodError(msg)
        last_month = number * length
        end = _cutoff(rule, year, last_month)
        start = _cutoff(rule, year, last_month - length) + timedelta(days=1)
        deadline = end + timedelta(days=rule.deadline_days)
        return Period(start, end, kind, year, number, deadline)

    def containing(self, kind: str, day: date) -> Period:
        """The period of `kind` whose data include `day`."""
        length = MONTHS[kind]
        candidate = self.period(kind, day.year, (day.month - 1) // length + 1)
        if day > candidate.end:
            return self.following(candidate)
        return candidate

    def following(self, period: Period) -> Period:
        """The next period of the same kind."""
        last = 12 // MONTHS[period.kind]
        if period.number == last:
            return self.period(period.kind, period.year + 1, 1)
        return self.period(period.kind, period.year, period.number + 1)

    def preceding(self, period: Period) -> Period:
        """The previous period of the same kind."""
        if period.number == 1:
            return self.period(period.kind, period.year - 1, 12 // MONTHS[period.kind])
        return self.period(period.kind, period.year, period.number - 1)

    def parse(self, key: str) -> Period:
        """A period from its key (2026, 2026-Q3, 2026-H1, 2026-11); PeriodError if unreadable."""
        found = KEY.match(key.strip())
        if found is None:
            msg = f"{key!r} is not a period (2026, 2026-Q3, 2026-H1 or 2026-11)"
            raise PeriodError(msg)
        year, month, quarter, half = found.groups()
        if month:
            return self.period("month", int(year), int(month))
        if quarter:
            return self.period("quarter", int(year), int(quarter))
        if half:
            return self.period("half", int(year), int(half))
        return self.period("year", int(year))

    def between(self, kind: str, first: date, last: date) -> Iterator[Period]:
        """The periods of `kind` that hold any day from `first` to `last`, in order."""
        period = self.containing(kind, first)
        while period.start <= last:
            yield period
            period = self.following(period)

    def last_closed(self, kind: str, day: date) -> Period:
        """The latest period of `kind` whose cut-off is before `day`."""
        return self.preceding(self.containing(kind, day))

    def last_due(self, kind: str, day: date) -> Period:
        """The latest period of `kind` whose sending deadline is before `day`."""
        period = self.last_closed(kind, day)
        while period.deadline >= day:
            period = self.preceding(period)
        return period

    def _rule(self, kind: str) -> KindRule:
        try:
            return self.rules[kind]
        except KeyError:
            msg = f"unknown kind of period {kind!r}"
            raise PeriodError(msg) from None


def _cutoff(rule: KindRule, year: int, month: int) -> date:
    """The cut-off day of a month counted from January of `year` (0 is December before)."""
    year, month = (year - 1, month + 12) if month <= 0 else (year, month)
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(rule.cutoff_day or last, last))


def decree_calendar(deadline_days: int = 0) -> ReportingCalendar:
    """Decree 09/2019's cut-offs (the 14th) for every kind, with one deadline."""
    return ReportingCalendar({kind: KindRule(kind, DECREE_CUTOFF, deadline_days) for kind in KINDS})


def local_day(moment: datetime, tz: tzinfo) -> date:
    """The local date of a moment (periods are local dates in Asia/Ho_Chi_Minh)."""
    return moment.astimezone(tz).date()


def parse_reporting_periods(raw: object) -> ReportingCalendar:
    """Check and read `reporting_periods:` (every kind, cutoff_day and deadline_days)."""
    if not isinstance(raw, Mapping):
        msg = "'reporting_periods' must map month, quarter, half and year to their rules"
        raise PeriodError(msg)
    if missing := [kind for kind in KINDS if kind not in raw]:
        msg = f"reporting_periods: missing {', '.join(missing)}"
        raise PeriodError(msg)
    if stray := [str(kind) for kind in raw if kind not in KINDS]:
        msg = f"reporting_periods: unknown kind {', '.join(stray)}"
        raise PeriodError(msg)
    return ReportingCalendar({kind: _kind_rule(kind, raw[kind]) for kind in KINDS})


def _kind_rule(kind: str, raw: object) -> KindRule:
    if not isinstance(raw, Mapping):
        msg = f"reporting_periods.{kind} must be a mapping with cutoff_day and deadline_days"
        raise PeriodError(msg)
    cutoff, days = raw.get("cutoff_day"), raw.get("deadline_days")
    if cutoff != LAST_DAY and (not _whole(cutoff) or not 1 <= cutoff <= 28):
        msg = f"reporting_periods.{kind}.cutoff_day must be 1-28 or 'last'"
        raise PeriodError(msg)
    if not _whole(days) or not 0 <= days <= MAX_DEADLINE_DAYS:
        msg = f"reporting_periods.{kind}.deadline_days must be 0-{MAX_DEADLINE_DAYS}"
        raise PeriodError(msg)
    return KindRule(kind, None if cutoff == LAST_DAY else int(cutoff), int(days))


def _whole(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def calendar_to_spec(periods: ReportingCalendar) -> dict[str, dict[str, Any]]:
    """The rules as JSON (kept with the seeded plan)."""
    return {
        kind: {"cutoff_day": rule.cutoff_day or LAST_DAY, "deadline_days": rule.deadline_days}
        for kind, rule in periods.rules.items()
    }
