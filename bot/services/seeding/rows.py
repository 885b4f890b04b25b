"""Helpers shared by the seeders: change counting and write-only-what-differs."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass
class SeedSummary:
    """How many rows of each kind a seed created or changed."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        """Whether the seed changed anything at all."""
        return bool(+self.created or +self.updated)


def assign(row: object, values: Mapping[str, object]) -> bool:
    """Set only the attributes that differ, so an unchanged seed writes nothing."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
