"""The figures of a run and the side-by-side table printed at the end of `make bench`."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Result:
    """The figures of one run of one configuration."""

    name: str
    updates: int
    answered: int
    seconds: float
    cpu_seconds: float
    latencies: list[float]
    start_latencies: list[float]
    rss_mb: float
    connections: int
    timeouts: int
    errors: list[str]

    @property
    def cpu_ms_per_update(self) -> float:
        """The bot's own CPU time per update of the load."""
        return 1000 * self.cpu_seconds / max(self.updates, 1)

    @property
    def rate(self) -> float:
        """Updates answered per second of wall-clock time."""
        return self.answered / self.seconds if self.seconds else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1))]


def _median(runs: list[Result], figure: Callable[[Result], float]) -> float:
    return statistics.median(figure(r) for r in runs)


def _span(runs: list[Result], figure: Callable[[Result], float], fmt: str) -> str:
    values = [figure(r) for r in runs]
    middle = format(statistics.median(values), fmt)
    if len(values) == 1:
        return middle
    return f"{middle} ({format(min(values), fmt)}-{format(max(values), fmt)})"


_COLUMNS = (
    ("configuration", 22),
    ("CPU ms/update", 20),
    ("updates/s", 20),
    ("p50 ms", 8),
    ("p99 ms", 8),
    ("/start ms", 10),
    ("timeouts", 9),
    ("errors", 7),
    ("RSS MB", 8),
    ("API conns", 14),
)


def _row(runs: list[Result]) -> str:
    cells = [
        runs[0].name,
        _span(runs, lambda r: r.cpu_ms_per_update, ".2f"),
        _span(runs, lambda r: r.rate, ".0f"),
        format(_median(runs, lambda r: 1000 * percentile(r.latencies, 0.5)), ".0f"),
        format(_median(runs, lambda r: 1000 * percentile(r.latencies, 0.99)), ".0f"),
        format(1000 * statistics.median(x for r in runs for x in r.start_latencies or [0]), ".1f"),
        str(sum(r.timeouts for r in runs)),
        str(sum(len(r.errors) for r in runs)),
        format(max(r.rss_mb for r in runs), ".0f"),
        _span(runs, lambda r: r.connections, ".0f"),
    ]
    return "".join(
        cell.ljust(width) if i == 0 else cell.rjust(width)
        for i, (cell, (_, width)) in enumerate(zip(cells, _COLUMNS, strict=True))
    )


def table(results: list[Result], *, users: int, updates: int, probes: int) -> str:
    """Ours and the echo bot side by side (medians over repeats), then the CPU ratio."""
    groups: dict[str, list[Result]] = {}
    for result in results:
        groups.setdefault(result.name, []).append(result)
    header = "".join(
        title.ljust(width) if i == 0 else title.rjust(width)
        for i, (title, width) in enumerate(_COLUMNS)
    )
    lines = [
        "",
        f"Inbound, webhook mode: {users} concurrent users, {updates} updates per run; "
        "median (min-max) over a configuration's runs. Latency: webhook POST to sendMessage. "
        f"/start: median over {probes} new users one at a time, unloaded. "
        "API conns: connections the bot opened to the Bot API.",
        header,
        "-" * len(header),
        *(_row(runs) for runs in groups.values()),
    ]
    echo = next((runs for name, runs in groups.items() if name.startswith("echo")), None)
    if echo is not None:
        baseline = _median(echo, lambda r: r.cpu_ms_per_update)
        for name, runs in groups.items():
            if runs is not echo and baseline > 0:
                ratio = _median(runs, lambda r: r.cpu_ms_per_update) / baseline
                verdict = "meets" if ratio <= 1.0 else "misses"
                lines.append(f"CPU per update, {name} / echo: {ratio:.2f} ({verdict} goal <= 1.0)")
    for runs in groups.values():
        lines.extend(f"  {r.name}: {error}" for r in runs for error in r.errors[:10])
    return "\n".join(lines)
