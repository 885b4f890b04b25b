"""The digest's picture and the communes × periods heatmap: figures read here, drawn elsewhere.

The database is read first (the caller's session); drawing happens in a worker thread after
that, so neither the event loop nor a transaction waits for matplotlib. A picture is kept under
a name made of its period and a hash of its values: the same figures are drawn once.
"""

import asyncio
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.texts import Texts
from bot.services.documents.charts import (
    DigestChart,
    Heatmap,
    ProgressBar,
    ShareBar,
    render_digest_chart,
    render_heatmap,
)
from bot.services.insights.completeness import Completeness, Standing, measure
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.plan.tasks import get_plan_info
from bot.services.plan.units import COMMUNE_KINDS

# The share of due reports a commune should send: the product's choice (the plan sets none),
# drawn as the threshold line of the digest's picture.
COMPLETENESS_GOAL = 80
KEEP_PICTURES = timedelta(days=14)


@dataclass(frozen=True)
class ChartFiles:
    """Where pictures are kept and the font they are drawn with."""

    directory: Path
    font: Path


async def digest_chart_values(
    session: AsyncSession, *, texts: Texts, now: datetime, tz: tzinfo
) -> DigestChart:
    """The digest picture's values: every measured target, communes' completeness last due."""
    plan = await get_plan_info(session)
    today = now.astimezone(tz).date()
    year = plan.reporting_year(today)
    figures = await list_target_figures(
        session, year=year, plan_start=plan.start, plan_end=plan.end, tz=tz
    )
    period = plan.periods.last_due("month", today)
    completeness = await measure(session, period=period, now=now, tz=tz)
    shares = [
        ShareBar(unit.name, unit.tally.completeness or 0.0)
        for unit in completeness.units
        if unit.kind in COMMUNE_KINDS and unit.tally.due
    ]
    label = texts.render(
        "reminders/period", kind=period.kind, number=period.number, year=period.year
    )
    return DigestChart(
        title=texts.render("charts/digest_title", day=today),
        progress_title=texts.render("charts/progress_title", year=year),
        progress=[_progress(texts, f) for f in figures if f.current is not None],
        legend_verified=texts.render("charts/verified"),
        legend_pending=texts.render("charts/pending"),
        shares_title=texts.render("charts/shares_title", period=label),
        shares=shares,
        threshold=COMPLETENESS_GOAL,
        threshold_label=texts.render("charts/threshold", threshold=COMPLETENESS_GOAL),
        empty_label=texts.render("charts/empty"),
    )


def _progress(texts: Texts, figure: TargetFigure) -> ProgressBar:
    whole = figure.denominator if figure.kind == "registry_share" else figure.target
    verified = figure.verified if figure.verified is not None else figure.current or 0
    pending = figure.pending or 0
    # A share's goal is a percent of the registry: progress is reached / (goal % of the whole).
    goal = (whole or 0) * figure.target / 100 if figure.kind == "registry_share" else whole
    scale = 100.0 / goal if goal else 0.0
    note = texts.render(
        "charts/note",
        kind=figure.kind,
        verified=verified,
        pending=pending,
        denominator=figure.denominator,
        target=figure.target,
    )
    return ProgressBar(figure.label, verified * scale, pending * scale, note)


async def heatmap_values(
    session: AsyncSession, *, texts: Texts, now: datetime, tz: tzinfo
) -> Heatmap:
    """Communes × months of this reporting year: on time, late, missing or not due."""
    plan = await get_plan_info(session)
    today = now.astimezone(tz).date()
    year = plan.periods.period("year", plan.reporting_year(today))
    completeness = await measure(session, period=year, now=now, tz=tz)
    return _heatmap(texts, completeness, year.year)


def _heatmap(texts: Texts, completeness: Completeness, year: int) -> Heatmap:
    communes = [u for u in completeness.units if u.kind in COMMUNE_KINDS]
    columns = [s for s in completeness.sub_periods if s.kind == "month"]
    cells = [
        [str(completeness.cells.get((unit.unit_id, sub.key), "")) for sub in columns]
        for unit in communes
    ]
    return Heatmap(
        title=texts.render("charts/heatmap_title", year=year),
        rows=[unit.name for unit in communes],
        columns=[texts.render("charts/month", number=sub.number) for sub in columns],
        cells=cells,
        legend=[(s.value, texts.render("charts/standing", standing=s.value)) for s in Standing],
    )


async def draw(values: DigestChart | Heatmap, *, files: ChartFiles, stem: str) -> Path:
    """The picture of these values as a PNG file, drawn in a worker thread unless kept."""
    digest = hashlib.sha256(repr(values).encode()).hexdigest()[:16]
    path = files.directory / f"{stem}-{digest}.png"
    if path.is_file():
        return path
    render: Callable[..., bytes] = (
        render_digest_chart if isinstance(values, DigestChart) else render_heatmap
    )
    data = await asyncio.to_thread(render, values, font=files.font)
    await asyncio.to_thread(_save, path, data)
    return path


def _save(path: Path, data: bytes) -> None:
    """Write atomically (two processes may draw the same picture) for the bot's user only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    oldest = datetime.now(UTC) - KEEP_PICTURES
    for old in path.parent.glob("*.png"):
        if datetime.fromtimestamp(old.stat().st_mtime, UTC) < oldest:
            old.unlink(missing_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    partial.touch(mode=0o600)
    partial.write_bytes(data)
    partial.replace(path)


def chart_stem(kind: str, day: date) -> str:
    """A file name's start for a picture of some day: digest-2026-11-25."""
    return f"{kind}-{day.isoformat()}"
