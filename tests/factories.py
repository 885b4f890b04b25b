"""Factories for test rows: deterministic values, overridable by keyword."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OrgRegistration, PlanTask, Report, ReportFigure, Unit, User


async def unit_by_code(session: AsyncSession, code: str) -> Unit:
    unit = await session.scalar(select(Unit).where(Unit.code == code))
    assert unit is not None, code
    return unit


async def task_by_code(session: AsyncSession, code: str) -> PlanTask:
    task = await session.scalar(select(PlanTask).where(PlanTask.code == code))
    assert task is not None, code
    return task


async def make_user(
    session: AsyncSession,
    *,
    chat_id: str = "1001",
    channel: str = "telegram",
    role: str = "citizen",
    unit_code: str | None = None,
    display_name: str = "Nguyễn Văn A",
) -> User:
    unit = await unit_by_code(session, unit_code) if unit_code else None
    user = User(
        channel=channel,
        chat_id=chat_id,
        platform_user_id=chat_id,
        display_name=display_name,
        role=role,
        unit_id=unit.id if unit else None,
    )
    session.add(user)
    await session.flush()
    return user


async def make_report(
    session: AsyncSession,
    *,
    unit_code: str = "18073",
    task_code: str = "I.1",
    activity_date: date = date(2026, 10, 1),
    status: str = "submitted",
    figures: dict[str, float] | None = None,
) -> Report:
    report = Report(
        unit_id=(await unit_by_code(session, unit_code)).id,
        task_id=(await task_by_code(session, task_code)).id,
        activity_date=activity_date,
        status=status,
        channel="telegram",
    )
    session.add(report)
    await session.flush()
    for key, number in (figures or {}).items():
        session.add(ReportFigure(report_id=report.id, key=key, number=number))
    await session.flush()
    return report


async def make_representative(
    session: AsyncSession,
    *,
    chat_id: str = "2001",
    kind: str = "supermarket",
    name: str = "Siêu thị Thử Nghiệm",
    commune_code: str = "18073",
    channel: str = "telegram",
) -> tuple[User, Unit]:
    """An establishment in its registry and its approved representative."""
    commune = await unit_by_code(session, commune_code)
    unit = Unit(
        code=f"test-{kind}-{chat_id}",
        kind=kind,
        name=name,
        commune_id=commune.id,
        tax_code=f"3000{chat_id:0>6}",
        active=True,
    )
    session.add(unit)
    await session.flush()
    user = await make_user(session, chat_id=chat_id, channel=channel, role="representative")
    user.unit_id = unit.id
    session.add(
        OrgRegistration(
            user_id=user.id,
            unit_id=unit.id,
            status="approved",
            rep_name="Trần Thị Bình",
            rep_position="Quản lý",
            phone="0912345678",
        )
    )
    await session.flush()
    return user, unit
