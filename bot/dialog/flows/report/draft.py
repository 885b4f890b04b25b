"""The report being written: a typed draft kept in the conversation, and where it stands."""

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from bot.services.reports.recording import Draft

Answer = int | float | str


@dataclass(frozen=True)
class ReportDraft:
    """What the official has told so far; nothing is stored until they confirm.

    The conversation's state says the step (`report.task`, `report.date`, `report.q`,
    `report.desc`, `report.photos`, `report.confirm`, `report.duplicate`); `question` is the
    key of the question asked at `report.q`.
    """

    task: str | None = None
    # The unit reports one task only: there is no task list to go back to.
    single: bool = False
    day: date | None = None
    answers: Mapping[str, Answer] = field(default_factory=dict)
    description: str | None = None
    photos: tuple[str, ...] = ()
    question: str | None = None
    # Only the parts still missing are asked (after a quick report or a correction).
    quick: bool = False
    fixing: bool = False
    # The number of the recorded report being corrected.
    editing: int | None = None

    def answered(self, key: str, value: Answer) -> "ReportDraft":
        """The draft with one more answer."""
        return replace(self, answers={**self.answers, key: value})

    def to_dict(self) -> dict[str, Any]:
        """As JSON for the conversation."""
        return {
            "task": self.task,
            "single": self.single,
            "day": self.day.isoformat() if self.day else None,
            "answers": dict(self.answers),
            "description": self.description,
            "photos": list(self.photos),
            "question": self.question,
            "quick": self.quick,
            "fixing": self.fixing,
            "editing": self.editing,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ReportDraft":
        """Back from the conversation (also a draft stored before it was typed)."""
        day = data.get("day") or data.get("date")
        step = str(data.get("step") or "")
        return cls(
            task=data.get("task"),
            single=bool(data.get("single")),
            day=date.fromisoformat(day) if day else None,
            answers=dict(data.get("answers") or {}),
            description=data.get("description") or data.get("desc"),
            photos=tuple(data.get("photos") or ()),
            question=data.get("question") or (step[2:] if step.startswith("q:") else None),
            quick=bool(data.get("quick")),
            fixing=bool(data.get("fixing")),
            editing=data.get("editing"),
        )

    def for_recording(self) -> Draft:
        """The checked draft the recording service takes."""
        if self.task is None or self.day is None:
            msg = "a draft at the summary has a task and a date"
            raise ValueError(msg)
        return Draft(self.task, self.day, dict(self.answers), self.description, self.photos)
