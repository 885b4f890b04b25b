"""How a target's figure is computed, as content/plan.yaml declares it (`reached:` / `sum:`)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.services.content.report_specs import parse_reporting

PERIODS = ("year", "plan")
# Whose reports a sum counts: everyone's, or only the tasks' lead units' (the rest shown beside).
SUM_BY = ("all", "leads")


class _Task(Protocol):
    @property
    def extra(self) -> dict[str, Any]: ...


class _Target(Protocol):
    @property
    def extra(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class ReachedRule:
    """A registry unit is reached when it has a counted report on one of these tasks, or
    (with `deliveries`) when one of its users (officials, an establishment's representatives)
    received a material in the period (of these `topics`, when given), or (with `commitments`)
    when it has a verified plastic-reduction commitment."""

    tasks: tuple[str, ...]
    period: str
    deliveries: bool = False
    topics: tuple[str, ...] = ()
    commitments: bool = False


@dataclass(frozen=True)
class SumRule:
    """A count target is the sum of one figure over counted reports of these tasks.

    With `by` 'leads' only the reports of the tasks' lead units are summed; what the other
    reporters gave is shown beside, so one article reported twice is not counted twice.
    """

    figure: str
    tasks: tuple[str, ...]
    by: str = "all"

    @property
    def leads_only(self) -> bool:
        """Whether only the lead units' reports are summed."""
        return self.by == "leads"


def reached_rule(spec: Mapping[str, Any]) -> ReachedRule | None:
    """The `reached:` rule of a target's spec, if it has one."""
    raw = spec.get("reached")
    if not isinstance(raw, Mapping):
        return None
    return ReachedRule(
        tuple(raw.get("tasks") or ()),
        str(raw.get("period") or "year"),
        bool(raw.get("deliveries")),
        tuple(raw.get("topics") or ()),
        bool(raw.get("commitments")),
    )


def sum_rule(spec: Mapping[str, Any]) -> SumRule | None:
    """The `sum:` rule of a target's spec, if it has one."""
    raw = spec.get("sum")
    if not isinstance(raw, Mapping):
        return None
    return SumRule(
        str(raw.get("figure") or ""), tuple(raw.get("tasks") or ()), str(raw.get("by") or "all")
    )


def threshold_text(spec: Mapping[str, Any]) -> str:
    """The target's threshold in the plan's words, as plan.yaml's `threshold_text` gives it."""
    return str(spec.get("threshold_text") or "")


def check_rule(target: _Target, tasks: Mapping[str, _Task]) -> None:
    """Refuse rules naming unknown tasks, periods or figures (ValueError says which)."""
    reached, summed = reached_rule(target.extra), sum_rule(target.extra)
    if reached is not None:
        if reached.period not in PERIODS:
            msg = f"reached.period must be year or plan, not {reached.period!r}"
            raise ValueError(msg)
        if reached.tasks or not (reached.deliveries or reached.commitments):
            _known(reached.tasks, tasks, "reached")
        if reached.topics and not reached.deliveries:
            msg = "reached.topics needs deliveries: true"
            raise ValueError(msg)
    if summed is not None:
        _known(summed.tasks, tasks, "sum")
        if summed.by not in SUM_BY:
            msg = f"sum.by must be all or leads, not {summed.by!r}"
            raise ValueError(msg)
        figures = {
            q.key
            for code in summed.tasks
            if "reporting" in tasks[code].extra
            for q in parse_reporting(tasks[code].extra["reporting"]).questions
        }
        if summed.figure not in figures:
            msg = f"sum.figure {summed.figure!r} is not asked by {', '.join(summed.tasks)}"
            raise ValueError(msg)


def _known(codes: tuple[str, ...], tasks: Mapping[str, _Task], rule: str) -> None:
    unknown = [code for code in codes if code not in tasks]
    if not codes or unknown:
        msg = f"{rule}.tasks must list known tasks (unknown: {', '.join(unknown) or 'none given'})"
        raise ValueError(msg)
