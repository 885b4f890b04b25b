"""Period arithmetic of Decree 09/2019/NĐ-CP Art. 12 at every edge, across years and time zones."""

import itertools
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.services.content.periods import (
    KINDS,
    KindRule,
    PeriodError,
    ReportingCalendar,
    decree_calendar,
    local_day,
    parse_reporting_periods,
)

D = date
CAL = decree_calendar(deadline_days=5)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.mark.parametrize(
    ("key", "start", "end", "deadline"),
    [
        ("2026-01", D(2025, 12, 15), D(2026, 1, 14), D(2026, 1, 19)),
        ("2026-02", D(2026, 1, 15), D(2026, 2, 14), D(2026, 2, 19)),
        ("2026-03", D(2026, 2, 15), D(2026, 3, 14), D(2026, 3, 19)),
        ("2026-12", D(2026, 11, 15), D(2026, 12, 14), D(2026, 12, 19)),
        ("2026-Q1", D(2025, 12, 15), D(2026, 3, 14), D(2026, 3, 19)),
        ("2026-Q2", D(2026, 3, 15), D(2026, 6, 14), D(2026, 6, 19)),
        ("2026-Q3", D(2026, 6, 15), D(2026, 9, 14), D(2026, 9, 19)),
        ("2026-Q4", D(2026, 9, 15), D(2026, 12, 14), D(2026, 12, 19)),
        ("2026-H1", D(2025, 12, 15), D(2026, 6, 14), D(2026, 6, 19)),
        ("2026-H2", D(2026, 6, 15), D(2026, 12, 14), D(2026, 12, 19)),
        ("2026", D(2025, 12, 15), D(2026, 12, 14), D(2026, 12, 19)),
        ("2030", D(2029, 12, 15), D(2030, 12, 14), D(2030, 12, 19)),
    ],
)
def test_each_period_runs_from_the_15th_to_the_14th(
    key: str, start: date, end: date, deadline: date
) -> None:
    period = CAL.parse(key)
    assert (period.start, period.end, period.deadline, period.key) == (start, end, deadline, key)


@pytest.mark.parametrize(
    ("kind", "day", "key"),
    [
        ("month", D(2026, 11, 14), "2026-11"),
        ("month", D(2026, 11, 15), "2026-12"),
        ("month", D(2026, 12, 14), "2026-12"),
        ("month", D(2026, 12, 15), "2027-01"),  # across the year
        ("month", D(2026, 12, 31), "2027-01"),
        ("month", D(2027, 1, 1), "2027-01"),
        ("month", D(2028, 2, 29), "2028-03"),  # leap day after the 14th
        ("quarter", D(2026, 3, 14), "2026-Q1"),
        ("quarter", D(2026, 3, 15), "2026-Q2"),
        ("quarter", D(2026, 9, 14), "2026-Q3"),
        ("quarter", D(2026, 9, 15), "2026-Q4"),
        ("quarter", D(2026, 12, 15), "2027-Q1"),
        ("quarter", D(2027, 1, 2), "2027-Q1"),
        ("half", D(2026, 6, 14), "2026-H1"),
        ("half", D(2026, 6, 15), "2026-H2"),
        ("half", D(2026, 12, 14), "2026-H2"),
        ("half", D(2026, 12, 15), "2027-H1"),
        ("year", D(2026, 1, 1), "2026"),
        ("year", D(2026, 12, 14), "2026"),
        ("year", D(2026, 12, 15), "2027"),
        ("year", D(2025, 12, 15), "2026"),
        ("year", D(2025, 12, 14), "2025"),
    ],
)
def test_the_period_containing_a_day(kind: str, day: date, key: str) -> None:
    period = CAL.containing(kind, day)
    assert period.key == key
    assert period.contains(day)


@pytest.mark.parametrize("kind", KINDS)
def test_periods_follow_each_other_without_gap_or_overlap(kind: str) -> None:
    periods = list(CAL.between(kind, D(2025, 12, 1), D(2031, 1, 31)))
    for before, after in itertools.pairwise(periods):
        assert (after.start - before.end).days == 1
        assert CAL.following(before) == after
        assert CAL.preceding(after) == before
    assert periods[0].contains(D(2025, 12, 1))
    assert periods[-1].contains(D(2031, 1, 31))


def test_the_last_closed_period_is_the_one_before_today() -> None:
    assert CAL.last_closed("month", D(2026, 11, 25)).key == "2026-11"
    assert CAL.last_closed("month", D(2026, 11, 14)).key == "2026-10"
    assert CAL.last_closed("quarter", D(2026, 11, 25)).key == "2026-Q3"
    assert CAL.last_closed("year", D(2026, 12, 15)).key == "2026"
    # Deadlines are 5 days after the cut-off here: on the 19th the month is not due yet.
    assert CAL.last_due("month", D(2026, 11, 19)).key == "2026-10"
    assert CAL.last_due("month", D(2026, 11, 20)).key == "2026-11"
    assert CAL.last_due("quarter", D(2026, 11, 25)).key == "2026-Q3"


def test_local_days_are_in_ho_chi_minh_time() -> None:
    # 17:30 UTC on the 14th is 00:30 on the 15th in Hà Tĩnh: the next month's data.
    moment = datetime(2026, 11, 14, 17, 30, tzinfo=UTC)
    assert CAL.containing("month", local_day(moment, TZ)).key == "2026-12"
    assert CAL.containing("month", moment.date()).key == "2026-11"


def test_calendar_months_when_the_province_says_last() -> None:
    periods = parse_reporting_periods(
        {kind: {"cutoff_day": "last", "deadline_days": 0} for kind in KINDS}
    )
    february = periods.parse("2028-02")
    assert (february.start, february.end) == (D(2028, 2, 1), D(2028, 2, 29))
    assert periods.parse("2026-Q1").start == D(2026, 1, 1)
    assert periods.containing("year", D(2026, 12, 31)).key == "2026"


@pytest.mark.parametrize(
    "raw",
    [
        None,
        {"month": {"cutoff_day": 14, "deadline_days": 3}},
        {kind: {"cutoff_day": 29, "deadline_days": 3} for kind in KINDS},
        {kind: {"cutoff_day": 14, "deadline_days": -1} for kind in KINDS},
        {kind: {"cutoff_day": True, "deadline_days": 3} for kind in KINDS},
        {**{kind: {"cutoff_day": 14, "deadline_days": 3} for kind in KINDS}, "week": {}},
    ],
)
def test_bad_rules_are_refused(raw: object) -> None:
    with pytest.raises(PeriodError):
        parse_reporting_periods(raw)


@pytest.mark.parametrize("key", ["2026-13", "2026-Q5", "2026-H3", "26", "2026-00", "năm 2026"])
def test_bad_keys_are_refused(key: str) -> None:
    with pytest.raises(PeriodError):
        CAL.parse(key)


def test_each_kind_keeps_its_own_deadline() -> None:
    periods = ReportingCalendar(
        {kind: KindRule(kind, 14, days) for kind, days in zip(KINDS, (3, 5, 7, 10), strict=True)}
    )
    assert periods.parse("2026-11").deadline == D(2026, 11, 17)
    assert periods.parse("2026-Q4").deadline == D(2026, 12, 19)
    assert periods.parse("2026-H2").deadline == D(2026, 12, 21)
    assert periods.parse("2026").deadline == D(2026, 12, 24)
