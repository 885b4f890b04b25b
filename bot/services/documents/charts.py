"""Charts as PNG bytes from plain values: matplotlib's object-oriented API on the Agg canvas.

No pyplot (its global figure registry keeps figures alive in a server) and matplotlib is
imported inside the functions, so a bot that draws nothing does not carry it (memory goal).
Text is set in DejaVu Sans from content/fonts, which has every Vietnamese glyph.
"""

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

DPI = 100
LABEL_WIDTH = 40  # characters a line of a target's name, beside its bar
VERIFIED_COLOUR = "#1b7f3b"
PENDING_COLOUR = "#9fd3a9"
BAR_COLOUR = "#2a6fb0"
BELOW_COLOUR = "#c8553d"
# Heatmap cells: on time, late, missing, not due yet, not expected.
STANDING_COLOURS = {
    "on_time": "#1b7f3b",
    "late": "#f2b134",
    "missing": "#c8553d",
    "not_due": "#d9d9d9",
    "": "#ffffff",
}


@dataclass(frozen=True)
class ProgressBar:
    """A target's progress: percent of the target reached by verified and by pending reports."""

    label: str
    verified: float
    pending: float
    note: str


@dataclass(frozen=True)
class ShareBar:
    """A unit's share (percent) of something, e.g. reports received of those due."""

    label: str
    percent: float


@dataclass(frozen=True)
class DigestChart:
    """What the digest's picture shows (all labels already in Vietnamese)."""

    title: str
    progress_title: str
    progress: Sequence[ProgressBar]
    legend_verified: str
    legend_pending: str
    shares_title: str
    shares: Sequence[ShareBar]
    threshold: float
    threshold_label: str
    empty_label: str


@dataclass(frozen=True)
class Heatmap:
    """Units × periods, each cell one of STANDING_COLOURS' keys."""

    title: str
    rows: Sequence[str]
    columns: Sequence[str]
    cells: Sequence[Sequence[str]]
    legend: Sequence[tuple[str, str]]  # (standing, label)


def _figure(width: float, height: float, font: Path) -> "Figure":
    from matplotlib import font_manager  # noqa: PLC0415 (lazy: memory at rest)
    from matplotlib.figure import Figure  # noqa: PLC0415

    known = {Path(f.fname).name for f in font_manager.fontManager.ttflist}
    if font.is_file() and font.name not in known:
        font_manager.fontManager.addfont(str(font))
    # Fixed margins rather than a layout engine: measuring every label twice doubled the time.
    return Figure(figsize=(width, height), dpi=DPI)


def _png(figure: "Figure") -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

    canvas = FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    # Fast compression: the file is a little larger, encoding takes a fifth of the time.
    canvas.print_png(buffer, pil_kwargs={"compress_level": 1})  # type: ignore[no-untyped-call]
    figure.clear()
    return buffer.getvalue()


def _style(font: Path) -> "dict[RcKeyType, Any]":
    return {
        "font.family": "DejaVu Sans" if font.is_file() else "sans-serif",
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def render_digest_chart(chart: DigestChart, *, font: Path) -> bytes:
    """Targets' progress (stacked verified + pending, 100 % line) above units' shares (sorted,
    threshold line)."""
    from matplotlib import rc_context  # noqa: PLC0415

    rows = max(len(chart.shares), 1)
    height = 1.5 + 0.32 * len(chart.progress) + 0.17 * rows + 1.6
    with rc_context(_style(font)):
        figure = _figure(10, height, font)
        top, bottom = figure.subplots(
            2, 1, height_ratios=[0.32 * len(chart.progress) + 0.8, 0.17 * rows + 0.8]
        )
        top_in, bottom_in, gap_in = 1.05, 0.35, 0.95
        plot_in = height - top_in - bottom_in
        figure.subplots_adjust(
            left=0.36,
            right=0.97,
            top=1 - top_in / height,
            bottom=bottom_in / height,
            hspace=gap_in / ((plot_in - gap_in) / 2),  # a fraction of the mean axes' height
        )
        figure.suptitle(chart.title, fontsize=14, fontweight="bold", y=1 - 0.2 / height)
        _progress(top, chart)
        _shares(bottom, chart)
        return _png(figure)


def _progress(axes: "Axes", chart: DigestChart) -> None:
    labels = [textwrap.fill(bar.label, LABEL_WIDTH) for bar in chart.progress][::-1]
    verified = [min(bar.verified, 150.0) for bar in chart.progress][::-1]
    pending = [min(bar.pending, 150.0 - min(bar.verified, 150.0)) for bar in chart.progress][::-1]
    positions = range(len(labels))
    axes.barh(positions, verified, color=VERIFIED_COLOUR, label=chart.legend_verified)
    axes.barh(positions, pending, left=verified, color=PENDING_COLOUR, label=chart.legend_pending)
    for y, bar in zip(positions, chart.progress[::-1], strict=True):
        axes.text(
            min(bar.verified + bar.pending, 150.0) + 1.5, y, bar.note, va="center", fontsize=8
        )
    axes.axvline(100, color="#333333", linestyle="--", linewidth=1)
    axes.set_yticks(list(positions), labels, fontsize=9)
    axes.set_xlim(0, 175)
    axes.set_xticks([0, 25, 50, 75, 100, 125, 150])
    axes.xaxis.set_major_formatter("{x:.0f}%")
    axes.set_title(chart.progress_title, loc="left", fontsize=11, pad=20)
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, fontsize=8, frameon=False)


def _shares(axes: "Axes", chart: DigestChart) -> None:
    axes.set_title(chart.shares_title, loc="left", fontsize=11, pad=16)
    if not chart.shares:
        axes.text(0.5, 0.5, chart.empty_label, ha="center", va="center", transform=axes.transAxes)
        axes.set_axis_off()
        return
    ordered = sorted(chart.shares, key=lambda bar: (bar.percent, bar.label))
    colours = [BAR_COLOUR if s.percent >= chart.threshold else BELOW_COLOUR for s in ordered]
    positions = range(len(ordered))
    axes.barh(positions, [s.percent for s in ordered], color=colours, height=0.75)
    axes.axvline(chart.threshold, color="#333333", linestyle="--", linewidth=1)
    axes.text(
        chart.threshold,
        1.0,
        f" {chart.threshold_label}",
        transform=axes.get_xaxis_transform(),
        fontsize=8,
        va="bottom",
    )
    axes.set_yticks(list(positions), [s.label for s in ordered], fontsize=6.5)
    axes.set_ylim(-0.6, len(ordered) - 0.4)
    axes.set_xlim(0, 100)
    axes.xaxis.set_major_formatter("{x:.0f}%")


def render_heatmap(heatmap: Heatmap, *, font: Path) -> bytes:
    """A grid of coloured cells, one row per unit, one column per period, with a legend."""
    from matplotlib import rc_context  # noqa: PLC0415
    from matplotlib.colors import ListedColormap  # noqa: PLC0415
    from matplotlib.patches import Patch  # noqa: PLC0415

    keys = list(STANDING_COLOURS)
    values = [[keys.index(cell) for cell in row] for row in heatmap.cells] or [[len(keys) - 1]]
    height = 1.6 + 0.16 * max(len(heatmap.rows), 1)
    width = 3.2 + 0.55 * max(len(heatmap.columns), 1)
    with rc_context(_style(font)):
        figure = _figure(width, height, font)
        axes = figure.subplots()
        figure.subplots_adjust(
            left=2.0 / width, right=0.98, top=1 - 1.0 / height, bottom=0.6 / height
        )
        colours = ListedColormap([STANDING_COLOURS[key] for key in keys])
        axes.pcolormesh(
            values, cmap=colours, vmin=-0.5, vmax=len(keys) - 0.5, edgecolors="white", linewidth=0.5
        )
        axes.set_xticks([i + 0.5 for i in range(len(heatmap.columns))], heatmap.columns, fontsize=8)
        axes.set_yticks([i + 0.5 for i in range(len(heatmap.rows))], heatmap.rows, fontsize=6.5)
        axes.invert_yaxis()
        axes.xaxis.tick_top()
        axes.tick_params(length=0)
        for spine in axes.spines.values():
            spine.set_visible(False)
        figure.suptitle(heatmap.title, fontsize=12, fontweight="bold", y=1 - 0.15 / height)
        handles = [Patch(color=STANDING_COLOURS[key], label=label) for key, label in heatmap.legend]
        figure.legend(
            handles=handles, loc="lower center", ncols=len(handles), fontsize=8, frameon=False
        )
        return _png(figure)
