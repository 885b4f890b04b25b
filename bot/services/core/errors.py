"""Domain errors. Each carries the template of the one sentence the user is shown."""

from collections.abc import Mapping


class DomainError(Exception):
    """A rule said no; `template` names the Vietnamese sentence explaining it."""

    def __init__(self, template: str, values: Mapping[str, object] | None = None) -> None:
        """Remember the sentence to show and the values it needs."""
        super().__init__(template)
        self.template = template
        self.values: dict[str, object] = dict(values or {})


class PermissionDenied(DomainError):
    """The user's role does not allow this."""


class InvalidInput(DomainError):
    """What the user typed is not what the step expects."""


class NotFound(DomainError):
    """The thing asked for does not exist (or no longer)."""


class ContentError(Exception):
    """A content file is malformed; `problems` are `file:line: what is wrong` lines."""

    def __init__(self, problems: list[str]) -> None:
        """Keep every problem found, so the operator can fix them in one go."""
        super().__init__("\n".join(problems))
        self.problems = problems
