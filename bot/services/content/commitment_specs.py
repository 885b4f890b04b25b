"""content/commitments/actions.yaml: who approves each kind of establishment, the roadmap's
checklist, and the legal frame the commitment letter states."""

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from bot.services.content.files import FileProblem, LineMap, read_yaml
from bot.services.content.problems import Problems

CATALOG_FILE = Path("commitments") / "actions.yaml"


@dataclass(frozen=True)
class KindRule:
    """How one kind of establishment is handled."""

    kind: str
    approvers: tuple[str, ...]
    commune_officials: bool
    commits: bool
    task: str | None


@dataclass(frozen=True)
class ActionSpec:
    """One action of the checklist and the kinds it fits."""

    key: str
    label: str
    kinds: tuple[str, ...]
    short: str = ""


@dataclass(frozen=True)
class Catalog:
    """Everything the commitment feature reads from content/."""

    legal_frame: tuple[str, ...]
    compliance_note: str
    kinds: Mapping[str, KindRule]
    actions: tuple[ActionSpec, ...]

    def actions_for(self, kind: str) -> list[ActionSpec]:
        """The checklist of a kind, in file order."""
        return [a for a in self.actions if kind in a.kinds]

    def action(self, key: str) -> ActionSpec | None:
        """One action by its key."""
        return next((a for a in self.actions if a.key == key), None)

    @property
    def committing_kinds(self) -> tuple[str, ...]:
        """The kinds that make the commitment."""
        return tuple(k for k, rule in self.kinds.items() if rule.commits)


def parse_catalog(
    path: Path, problems: Problems, *, kinds: set[str], departments: set[str]
) -> Catalog | None:
    """Read and check the file; problems name `file:line`. None when unusable."""
    try:
        document = read_yaml(path)
    except FileProblem as exc:
        problems.add(path, exc.line, str(exc))
        return None
    except OSError as exc:
        problems.add(path, 1, f"cannot read: {exc.strerror or exc}")
        return None
    if not isinstance(document, Mapping):
        problems.add(path, 1, "expected a mapping with legal_frame, kinds and actions")
        return None
    frame = document.get("legal_frame")
    if not isinstance(frame, list) or not all(isinstance(x, str) and x for x in frame):
        problems.add(path, 1, "legal_frame must be a list of sentences")
        frame = []
    rules = _kinds(path, document.get("kinds"), problems, kinds=kinds, departments=departments)
    actions = _actions(path, document.get("actions"), problems, kinds=set(rules))
    for kind in (k for k, rule in rules.items() if rule.commits):
        if not any(kind in a.kinds for a in actions):
            problems.add(path, 1, f"kind {kind!r} commits but has no action")
    return Catalog(tuple(frame), str(document.get("compliance_note") or ""), rules, actions)


def _kinds(
    path: Path, raw: Any, problems: Problems, *, kinds: set[str], departments: set[str]
) -> dict[str, KindRule]:
    if not isinstance(raw, Mapping):
        problems.add(path, 1, "kinds must map registry kinds to their rules")
        return {}
    line = raw.line if isinstance(raw, LineMap) else 1
    rules = {}
    for kind, value in raw.items():
        if kind not in kinds or not isinstance(value, Mapping):
            problems.add(path, line, f"kinds: {kind!r} is not a registry kind with rules")
            continue
        approvers = tuple(value.get("approvers") or ())
        unknown = [code for code in approvers if code not in departments]
        if not approvers or unknown:
            problems.add(path, line, f"kinds.{kind}: approvers must be departments ({unknown})")
        rules[kind] = KindRule(
            kind,
            approvers,
            bool(value.get("commune_officials")),
            bool(value.get("commits")),
            value.get("task") or None,
        )
    return rules


def _actions(
    path: Path, raw: Any, problems: Problems, *, kinds: set[str]
) -> tuple[ActionSpec, ...]:
    if not isinstance(raw, list):
        problems.add(path, 1, "actions must be a list")
        return ()
    actions: list[ActionSpec] = []
    for item in raw:
        line = item.line if isinstance(item, LineMap) else 1
        key, label = str(item.get("key") or ""), str(item.get("label") or "")
        short = str(item.get("short") or "")
        its_kinds = tuple(item.get("kinds") or ())
        if not key.isascii() or not key or len(key) > 32 or not label or not 0 < len(short) <= 40:
            problems.add(
                path, line, "an action needs an ASCII key (≤ 32), a short name (≤ 40) and a label"
            )
        elif any(a.key == key for a in actions):
            problems.add(path, line, f"duplicate action key {key!r}")
        elif not its_kinds or any(k not in kinds for k in its_kinds):
            problems.add(path, line, f"action {key}: kinds must be kinds declared above")
        else:
            actions.append(ActionSpec(key, label, its_kinds, short))
    return tuple(actions)


@cache
def _cached(path: Path, mtime: float) -> Catalog:
    problems = Problems()
    catalog = parse_catalog(path, problems, kinds=_ANY, departments=_ANY)
    problems.raise_if_any()
    assert catalog is not None  # noqa: S101 (raise_if_any said why)
    return catalog


class _Anything(set[str]):
    """At run time the file was checked by `seed`; accept any kind and department."""

    def __contains__(self, _item: object) -> bool:
        return True


_ANY = _Anything()


def load_catalog(content_dir: Path) -> Catalog:
    """The catalog under a content folder, read again only when the file changes."""
    path = content_dir / CATALOG_FILE
    return _cached(path, path.stat().st_mtime)
