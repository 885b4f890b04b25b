"""The short summary /tongquan opens with: targets behind, communes silent, reports waiting.

"Behind" is a reading to confirm with Sở Công Thương: a yearly count is expected to grow
evenly over its reporting year, a share or a count over the plan evenly over 2026–2030; a
figure under that line is behind. Targets nothing measures yet are counted apart.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core.access import Role, require_role
from bot.services.insights.digests import list_silent
from bot.services.insights.kpis import TargetFigure, list_target_figures
from bot.services.plan.tasks import PlanInfo, get_plan_info
from bot.services.plan.units import COMMUNE_KINDS
from bot.services.reports.review_notices import count_waiting
from db.models import Unit


@dataclass(frozen=True)
class Behind:
    """A target under its expected line today."""

    figure: TargetFigure
    expected: float  # what the figure should be by now (same unit as `figure.current`)


@dataclass(frozen=True)
class Summary:
    """What fits on one phone screen."""

    day: date
    behind: list[Behind]
    measured: int
    not_measured: int
    silent: list[str]
    silent_total: int
    communes: int
    waiting: int


def expected_now(figure: TargetFigure, *, plan: PlanInfo, today: date) -> float | None:
    """What a measured figure should be by today, if the target grows evenly; None when
    nothing measures it."""
    if figure.current is None or (figure.kind == "registry_share" and not figure.denominator):
        return None
    if figure.kind == "count_per_year":
        period = plan.periods.containing("year", today)
        first, last = period.start, period.end
    else:
        first, last = plan.start, plan.end
    elapsed = min(max((today - first).days + 1, 0), (last - first).days + 1)
    fraction = elapsed / ((last - first).days + 1)
    goal = (
        figure.target * (figure.denominator or 0) / 100
        if figure.share is not None
        else (figure.target)
    )
    return goal * fraction


async def build_summary(
    session: AsyncSession, *, actor_role: str, now: datetime, tz: ZoneInfo
) -> Summary:
    """Targets behind, communes silent for 30 days, reports waiting: for a coordinator."""
    require_role(actor_role, Role.COORDINATOR)
    plan = await get_plan_info(session)
    today = now.astimezone(tz).date()
    figures = await list_target_figures(
        session, year=plan.reporting_year(today), plan_start=plan.start, plan_end=plan.end, tz=tz
    )
    behind, measured = [], 0
    for figure in figures:
        expected = expected_now(figure, plan=plan, today=today)
        if expected is None:
            continue
        measured += 1
        if (figure.current or 0) < expected:
            behind.append(Behind(figure, expected))
    silent = await list_silent(session, now=now, tz=tz)
    communes = await session.scalar(
        select(func.count()).select_from(Unit).where(Unit.kind.in_(COMMUNE_KINDS), Unit.active)
    )
    waiting, _ = await count_waiting(session)
    return Summary(
        today,
        behind,
        measured,
        len(figures) - measured,
        silent[:5],
        len(silent),
        int(communes or 0),
        waiting,
    )
