"""The reminder rules of plan.yaml are checked when the plan is read."""

import pytest

from bot.services.content.reminder_specs import (
    parse_rules,
    parse_schedules,
    rules_from_spec,
    rules_to_spec,
)

GOOD = {"period": "month", "days_before": 4, "time": "08:00"} | {
    "nudges": 2,
    "days_apart": 3,
}


def test_rules_round_trip_through_the_stored_spec() -> None:
    schedules = parse_schedules({"monthly": GOOD})
    rules = parse_rules([{"who": ["commune"], "schedule": "monthly"}], schedules, ["commune"])
    assert rules_from_spec({"reminders": rules_to_spec(rules)}) == rules
    assert rules[0].schedule.days_before == 4


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"time": "22:00"}, "between 07:00 and 20:59"),
        ({"time": "6:30"}, "between 07:00 and 20:59"),
        ({"days_before": 29}, "days_before must be a whole number from 0 to 28"),
        ({"days_before": None}, "days_before must be"),
        ({"period": "week"}, "period must be one of"),
        ({"nudges": 9}, "nudges must be"),
    ],
)
def test_bad_schedules_are_refused(change: dict[str, object], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_schedules({"monthly": {**GOOD, **change}})


def test_rules_must_name_a_schedule_and_reporters_of_the_task() -> None:
    schedules = parse_schedules({"monthly": GOOD})
    with pytest.raises(ValueError, match="do not report this task"):
        parse_rules([{"who": ["school"], "schedule": "monthly"}], schedules, ["commune"])
    with pytest.raises(ValueError, match="is not in reminder_schedules"):
        parse_rules([{"who": ["commune"], "schedule": "weekly"}], schedules, ["commune"])
