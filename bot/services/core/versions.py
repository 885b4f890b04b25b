"""The version of the data that figures are computed from: reports, units, the plan and who
reports or coordinates. The database raises it on every committed change (migration 0090), so
what a process computed at one version stays true while the version stands."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import DataVersion

FIGURES = "figures"


async def figures_version(session: AsyncSession) -> int | None:
    """The current version (one primary-key read); None when the counter is missing, and
    then nothing may be kept."""
    return await session.scalar(select(DataVersion.version).where(DataVersion.name == FIGURES))
