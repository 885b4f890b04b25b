"""Reading what officials type: dates ('hôm qua', '5/11') and figures ('2 buổi', 'hai', '2,5')."""

import re
from collections.abc import Sequence
from datetime import date, timedelta

from bot.services.content.report_specs import Question
from bot.services.core.errors import InvalidInput
from bot.services.core.matching import fold
from bot.services.reports.recording import ReportableTask

_DATE = re.compile(r"^(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*(\d{2}|\d{4}))?$")
# "1.439" (a dot between thousands), "2,5" and, for decimals, "2.5" (a dot not before 3 digits).
# Signs: hyphen, minus, en and em dashes. Digits: ASCII only (a foreign digit is no figure).
_NUMBER = re.compile(
    r"^([-\u2212\u2013\u2014]?)\s*(\d{1,3}(?:\.\d{3})+(?!\d)|\d+)(?:([.,])(\d+))?\s*(.*)$",
    re.ASCII,
)
_DIGITS = {
    "khong": 0,
    "mot": 1,
    "mo": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "tu": 4,
    "nam": 5,
    "lam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
}
_JOINERS = ("le", "linh")
MAX_TEXT = 1000
MAX_DIGITS = 15  # more is no figure


def parse_date(text: str, *, today: date, earliest: date) -> date:
    """A report's activity date: not in the future, not before the plan started."""
    folded = fold(text)
    if folded in ("hom nay", "nay"):
        return today
    if folded in ("hom qua", "qua"):
        return today - timedelta(days=1)
    match = _DATE.match(text.strip())
    if not match:
        raise InvalidInput("report/date_format")
    day, month, year = int(match[1]), int(match[2]), match[3]
    full_year = today.year if year is None else int(year) + (2000 if len(year) == 2 else 0)
    try:
        typed = date(full_year, month, day)
    except ValueError:
        raise InvalidInput("report/date_format") from None
    if typed > today:
        raise InvalidInput("report/date_future", {"today": today})
    if typed < earliest:
        raise InvalidInput("report/date_too_early", {"earliest": earliest})
    return typed


def parse_count(text: str, question: Question) -> float:
    """A figure within the question's range, typed as digits or Vietnamese words.

    Whole numbers for counts; money and areas (`decimals`) also take "2,5" or "2.5".
    A minus sign is refused with its own sentence, never dropped.
    """
    value = _digits(text, question) if re.search(r"[0-9]", text) else _words(fold(text), question)
    if value is None:
        raise InvalidInput("report/number_expected", {"q": question})
    if value < 0:
        raise InvalidInput("report/number_negative", {"q": question})
    if not question.min <= value <= question.max:
        raise InvalidInput("report/number_range", {"q": question})
    return value


def _digits(text: str, question: Question) -> float | None:
    match = _NUMBER.match(text.strip())
    if not match or re.search(r"\d", match[5]):
        return None
    if len(match[2]) + len(match[4] or "") > MAX_DIGITS:
        return float(10**MAX_DIGITS)  # out of any range, refused as such (int() stops at 4,300)
    whole = int(match[2].replace(".", ""))
    if match[3] and not question.decimals:  # "2,5 buổi": a count is whole
        return None
    value = float(f"{whole}.{match[4]}") if match[3] else whole
    return -value if match[1] else value


def _words(folded: str, question: Question) -> int | None:
    unit = fold(question.unit or "")
    words = folded.removesuffix(unit).split() if unit else folded.split()
    total, group, seen = 0, 0, False
    for word in words:
        if word in _DIGITS:
            group += _DIGITS[word]
        elif word == "muoi":
            group = (group or 1) * 10
        elif word == "tram":
            total, group = total + (group or 1) * 100, 0
        elif word in ("nghin", "ngan"):
            total, group = (total + (group or 1)) * 1000, 0
        elif word not in _JOINERS:
            return None
        seen = True
    return total + group if seen else None


def find_task_in(text: str, tasks: Sequence[ReportableTask]) -> tuple[ReportableTask | None, str]:
    """The task a message names by code (I.1) or by one of its keywords, if only one fits."""
    first, _, rest = text.strip().partition(" ")
    for task in tasks:
        if fold(first) == fold(task.code):
            return task, rest
    folded = fold(text)
    named = [t for t in tasks if any(k in folded for k in t.reporting.keywords)]
    if len(named) == 1:
        return named[0], text
    if len(tasks) == 1 and first[:1].isdigit():
        return tasks[0], text
    return None, text


def check_description(text: str) -> str:
    """A short free description, at most 1,000 characters."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput("report/description_expected")
    if len(cleaned) > MAX_TEXT:
        raise InvalidInput("report/description_too_long", {"length": len(cleaned), "max": MAX_TEXT})
    return cleaned
