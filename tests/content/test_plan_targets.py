"""Every target shows its threshold in the plan's own words, as content/plan.yaml quotes them."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.services.core.texts import Texts
from bot.services.insights.kpis import TargetFigure

CONTENT = Path(__file__).resolve().parents[2] / "content"
PLAN: dict[str, Any] = yaml.safe_load((CONTENT / "plan.yaml").read_text(encoding="utf-8"))
TARGETS: list[dict[str, Any]] = PLAN["targets"]
NUMBER = re.compile(r"\d+")


def figure(target: dict[str, Any], current: int | None, registry: str | None) -> TargetFigure:
    """A figure of the target as the digest and the plan command receive it."""
    share = target["kind"] == "registry_share"
    return TargetFigure(
        code=target["code"],
        label=target["label"],
        kind=target["kind"],
        target=target["value"],
        comparison=target["comparison"],
        unit_label=target["unit_label"],
        current=current,
        denominator=69 if share and registry != "empty" else (0 if share else None),
        registry=registry,
        year=2026 if target["kind"] == "count_per_year" else None,
        threshold_text=target["threshold_text"],
        others=None,
    )


@pytest.fixture(scope="module")
def texts() -> Texts:
    return Texts(CONTENT / "templates")


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t["code"])
def test_the_threshold_is_quoted_from_the_source(target: dict[str, Any]) -> None:
    threshold = target["threshold_text"]
    assert threshold.strip() == threshold
    assert threshold.casefold() in " ".join(target["source"].split()).casefold()


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t["code"])
def test_the_threshold_figure_is_the_target_value(target: dict[str, Any]) -> None:
    numbers = [int(n) for n in NUMBER.findall(target["threshold_text"])]
    assert numbers in ([target["value"]], []), target["threshold_text"]
    if not numbers:  # "đặt hàng ... đánh giá": the plan gives no number, one meets it
        assert target["value"] == 1


# A share of a registry is shown measured, unmeasured over a partial list, or over an empty one.
STATES = [
    pytest.param(t, current, registry, id=f"{t['code']}-{registry or 'count'}")
    for t in TARGETS
    for current, registry in (
        [(12, "complete"), (None, "partial"), (None, "empty")]
        if t["kind"] == "registry_share"
        else [(12, None)]
    )
]


@pytest.mark.parametrize(("target", "current", "registry"), STATES)
def test_the_rendered_goal_is_the_threshold_text(
    texts: Texts, target: dict[str, Any], current: int | None, registry: str | None
) -> None:
    shown = texts.render("kpi/target", f=figure(target, current, registry))
    assert shown.endswith(f"(mục tiêu: {target['threshold_text']})")
    assert "≥" not in shown


def test_the_plan_quotes_its_own_thresholds() -> None:
    words = {t["code"]: t["threshold_text"] for t in TARGETS}
    assert words["schools_reached"] == "phấn đấu trên 85%"
    assert words["schools_contest_registered"] == "phấn đấu 85%"
    assert words["plastic_commitments"] == "phấn đấu khoảng 85%"
    assert words["retail_plastic_commitments"] == words["lodging_plastic_commitments"] == "trên 85%"
    assert words["news_items"] == "hằng năm khoảng 50 tin bài"
    assert words["communes_reached"] == "100%"


def test_the_lead_only_counts_are_declared_in_the_rules() -> None:
    rules = {t["code"]: t.get("sum") or {} for t in TARGETS}
    assert rules["news_items"].get("by") == "leads"
    assert rules["plastic_media_pieces"].get("by") == "leads"
