"""Collects `file:line: problem` lines while content is checked, before anything is stored."""

from dataclasses import dataclass, field
from pathlib import Path

from bot.services.core.errors import ContentError


@dataclass
class Problems:
    """Every problem found in a set of files; raise them all at once."""

    base: Path | None = None
    lines: list[str] = field(default_factory=list)

    def add(self, path: Path, line: int, problem: str) -> None:
        """Record one problem at a place in a file."""
        shown = (
            path.relative_to(self.base) if self.base and path.is_relative_to(self.base) else path
        )
        self.lines.append(f"{shown}:{line}: {problem}")

    def raise_if_any(self) -> None:
        """Stop with every problem found, so nothing half-checked is loaded."""
        if self.lines:
            raise ContentError(self.lines)
