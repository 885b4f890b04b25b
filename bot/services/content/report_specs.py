"""What each task asks its reporters, as written in content/plan.yaml (`reporting:`)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.services.core.matching import fold
from bot.services.core.wording import format_number

QUESTION_TYPES = ("number", "choice")


@dataclass(frozen=True)
class Choice:
    """One allowed answer of a choice question."""

    key: str
    label: str


@dataclass(frozen=True)
class Question:
    """A figure asked in a report: a number within a range, or one of a few choices."""

    key: str
    type: str
    ask: str
    label: str
    unit: str | None = None
    min: float = 0
    max: float = 0
    choices: tuple[Choice, ...] = ()
    # Money and areas take a decimal comma ("2,5 tỷ đồng"); counts are whole numbers.
    decimals: bool = False

    def choice_label(self, key: str) -> str:
        """The label of a choice key (the key itself if unknown)."""
        return next((c.label for c in self.choices if c.key == key), key)

    def shown(self, value: float | str | None) -> str:
        """An answer as users read it: '2,5 tỷ đồng', '1.439 người', or the choice's label."""
        if self.type == "choice":
            return self.choice_label(str(value or ""))
        return f"{format_number(float(value or 0))} {self.unit or ''}".strip()


@dataclass(frozen=True)
class Reporting:
    """Who reports a task and what they are asked."""

    who: tuple[str, ...]
    keywords: tuple[str, ...]
    questions: tuple[Question, ...]

    @property
    def main(self) -> Question:
        """The first number question: what a quick report fills."""
        return next(q for q in self.questions if q.type == "number")

    def question(self, key: str) -> Question | None:
        """A question by key."""
        return next((q for q in self.questions if q.key == key), None)


def parse_reporting(raw: object) -> Reporting:
    """Check and read a `reporting:` mapping; ValueError says what is wrong."""
    if not isinstance(raw, Mapping):
        msg = "'reporting' must be a mapping with who, keywords and questions"
        raise ValueError(msg)
    who = _strings(raw, "who")
    if not who:
        msg = "reporting.who must name who reports (leads, partners or unit kinds)"
        raise ValueError(msg)
    questions = tuple(_question(item) for item in raw.get("questions") or [])
    keys = [q.key for q in questions]
    if len(set(keys)) != len(keys):
        msg = "reporting.questions: duplicate key"
        raise ValueError(msg)
    if not any(q.type == "number" for q in questions):
        msg = "reporting.questions needs at least one number question"
        raise ValueError(msg)
    return Reporting(who, tuple(fold(k) for k in _strings(raw, "keywords")), questions)


def _strings(raw: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        msg = f"reporting.{key} must be a list of words"
        raise ValueError(msg)
    return tuple(value)


def _question(item: object) -> Question:
    if not isinstance(item, Mapping):
        msg = "each reporting question must be a mapping"
        raise ValueError(msg)
    key, kind = str(item.get("key") or ""), str(item.get("type") or "")
    ask, label = str(item.get("ask") or ""), str(item.get("label") or "")
    if not (key and ask and label) or kind not in QUESTION_TYPES:
        msg = f"question {key or '?'}: needs key, ask, label and type number or choice"
        raise ValueError(msg)
    if kind == "choice":
        choices = tuple(
            Choice(str(c.get("key")), str(c.get("label")))
            for c in item.get("choices") or []
            if isinstance(c, Mapping) and c.get("key") and c.get("label")
        )
        if len(choices) < 2:
            msg = f"question {key}: a choice needs at least two choices with key and label"
            raise ValueError(msg)
        return Question(key, kind, ask, label, choices=choices)
    low, high = item.get("min", 0), item.get("max")
    if not isinstance(low, int | float) or not isinstance(high, int | float) or low > high:
        msg = f"question {key}: a number needs min ≤ max"
        raise ValueError(msg)
    unit = str(item.get("unit") or "") or None
    return Question(key, kind, ask, label, unit, low, high, decimals=item.get("decimals") is True)
