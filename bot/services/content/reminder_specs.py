"""When units are reminded to report, as written in content/plan.yaml.

`reminder_schedules:` names the calendars; each task's `reminders:` says who is reminded on which.
The seed stores every task's rules resolved (schedule included) in the task's spec.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from bot.services.content.periods import KINDS
from bot.services.core.work_calendar import EARLIEST, LATEST

MAX_NUDGES = 5
MAX_DAYS_BEFORE = 28


@dataclass(frozen=True)
class Schedule:
    """A reminder calendar: which reporting period, how many days before its cut-off, at what
    time, how many nudges and how far apart."""

    name: str
    period: str
    days_before: int
    at: time
    nudges: int
    days_apart: int


@dataclass(frozen=True)
class ReminderRule:
    """Who (leads, partners, unit kinds) is reminded to report a task, on which schedule."""

    who: tuple[str, ...]
    schedule: Schedule


def parse_schedules(raw: object) -> dict[str, Schedule]:
    """Check and read `reminder_schedules:`; ValueError says what is wrong."""
    if not isinstance(raw, Mapping):
        msg = "'reminder_schedules' must map names to schedules"
        raise ValueError(msg)
    return {str(name): _schedule(str(name), item) for name, item in raw.items()}


def parse_rules(
    raw: object, schedules: Mapping[str, Schedule], reporters: Sequence[str]
) -> tuple[ReminderRule, ...]:
    """Check and read a task's `reminders:` list against the schedules and `reporting.who`."""
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        msg = "'reminders' must be a list of {who, schedule}"
        raise ValueError(msg)
    rules = []
    for item in raw:
        who = item.get("who")
        if not isinstance(who, list) or not who or not all(isinstance(w, str) for w in who):
            msg = "reminders.who must list leads, partners or unit kinds"
            raise ValueError(msg)
        if stray := [w for w in who if w not in reporters]:
            msg = f"reminders.who {stray} do not report this task (see reporting.who)"
            raise ValueError(msg)
        schedule = schedules.get(str(item.get("schedule")))
        if schedule is None:
            msg = f"reminders.schedule {item.get('schedule')!r} is not in reminder_schedules"
            raise ValueError(msg)
        rules.append(ReminderRule(tuple(who), schedule))
    return tuple(rules)


def rules_to_spec(rules: Sequence[ReminderRule]) -> list[dict[str, Any]]:
    """The rules as JSON for the task's stored spec."""
    return [
        {
            "who": list(rule.who),
            "schedule": {
                "name": rule.schedule.name,
                "period": rule.schedule.period,
                "days_before": rule.schedule.days_before,
                "time": rule.schedule.at.strftime("%H:%M"),
                "nudges": rule.schedule.nudges,
                "days_apart": rule.schedule.days_apart,
            },
        }
        for rule in rules
    ]


def rules_from_spec(spec: Mapping[str, Any]) -> tuple[ReminderRule, ...]:
    """The rules back from a task's stored spec (none when the task has no reminders)."""
    return tuple(
        ReminderRule(tuple(item["who"]), _schedule(item["schedule"]["name"], item["schedule"]))
        for item in spec.get("reminders", ())
    )


def _schedule(name: str, raw: object) -> Schedule:
    if not isinstance(raw, Mapping):
        msg = f"schedule {name!r} must be a mapping"
        raise ValueError(msg)
    period = raw.get("period")
    if period not in KINDS:
        msg = f"schedule {name!r}: period must be one of {', '.join(KINDS)}"
        raise ValueError(msg)
    return Schedule(
        name=name,
        period=str(period),
        days_before=_whole(name, raw, "days_before", 0, MAX_DAYS_BEFORE),
        at=_time(name, raw.get("time")),
        nudges=_whole(name, raw, "nudges", 0, MAX_NUDGES),
        days_apart=_whole(name, raw, "days_apart", 1, 14),
    )


def _whole(name: str, raw: Mapping[str, Any], key: str, low: int, high: int) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        msg = f"schedule {name!r}: {key} must be a whole number from {low} to {high}"
        raise ValueError(msg)
    return value


def _time(name: str, raw: object) -> time:
    try:
        at = time.fromisoformat(str(raw))
    except ValueError:
        at = None
    if at is None or not EARLIEST <= at < LATEST:
        msg = f"schedule {name!r}: time must be HH:MM between 07:00 and 20:59"
        raise ValueError(msg)
    return at
