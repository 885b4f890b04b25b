"""Matching of typed text: case and diacritics ignored (đ folds to d), typos tolerated."""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from anyascii import anyascii
from rapidfuzz import fuzz, process

_NON_WORD = re.compile(r"[^a-z0-9./]+")
_DROPPED = {"So", "Sk", "Cf", "Mn"}
K = TypeVar("K")


def fold(text: str) -> str:
    """Lower-case ASCII form of a text with single spaces: 'Đồng  Lộc!' -> 'dong loc'.

    Emoji and other symbols are dropped first, so '⬅️ Quay lại' answers to 'quay lai'.
    """
    plain = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED)
    return _NON_WORD.sub(" ", anyascii(plain).lower()).strip()


@dataclass(frozen=True)
class Candidate(Generic[K]):
    """Something that can be chosen by name, with every name it answers to."""

    key: K
    names: tuple[str, ...]
    # Names matched only after every current name (e.g. pre-2025 communes merged into this one).
    older_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match(Generic[K]):
    """A candidate and how well the typed text matched it (0–100)."""

    key: K
    score: float


def best_matches(
    query: str, candidates: Iterable[Candidate[K]], *, limit: int = 5, cutoff: float = 70
) -> list[Match[K]]:
    """Candidates whose names resemble the query, best first; exact folded names win."""
    folded = fold(query)
    if not folded:
        return []
    keys: list[K] = []
    names: list[str] = []
    current: list[bool] = []
    for candidate in candidates:
        for name, is_current in [(n, True) for n in candidate.names] + [
            (n, False) for n in candidate.older_names
        ]:
            keys.append(candidate.key)
            names.append(fold(name))
            current.append(is_current)
    exact = [i for i, name in enumerate(names) if name == folded]
    if exact:
        exact.sort(key=lambda i: not current[i])
        return _unique([Match(keys[i], 100.0) for i in exact])[:limit]
    found = process.extract(folded, names, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=cutoff)
    return _unique([Match(keys[index], score) for _, score, index in found])[:limit]


def _unique(matches: Sequence[Match[K]]) -> list[Match[K]]:
    seen: set[K] = set()
    result: list[Match[K]] = []
    for match in matches:
        if match.key not in seen:
            seen.add(match.key)
            result.append(match)
    return result
