"""The figures' data version: raised by the database on every committed change of what the
figures are computed from, and on nothing else (migration 0090's triggers)."""

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.versions import figures_version
from bot.services.people.web_logins import sign_out
from db.models import AppState, PlanTask, Report, TaskUnit, Unit, User
from tests.factories import make_report, make_user

Change = Callable[[AsyncSession], Awaitable[object]]


async def version(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        found = await figures_version(session)
    assert found is not None
    return found


async def raised_by(sessions: async_sessionmaker[AsyncSession], change: Change) -> int:
    """How much one committed transaction doing `change` raised the version."""
    before = await version(sessions)
    async with sessions.begin() as session:
        await change(session)
    return await version(sessions) - before


async def test_reports_raise_it_once_per_transaction_on_postgresql(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async def three_reports(session: AsyncSession) -> None:
        for _ in range(3):
            await make_report(session)

    raised = await raised_by(sessions, three_reports)
    dialect = sessions.kw["bind"].dialect.name
    assert raised == (1 if dialect == "postgresql" else 3)

    async def verify(session: AsyncSession) -> None:
        await session.execute(update(Report).values(status="verified"))

    assert await raised_by(sessions, verify) >= 1

    async def delete_one(session: AsyncSession) -> None:
        await session.delete(await session.scalar(select(Report).limit(1)))

    assert await raised_by(sessions, delete_one) >= 1


async def test_a_rolled_back_change_leaves_it(sessions: async_sessionmaker[AsyncSession]) -> None:
    before = await version(sessions)
    async with sessions() as session:
        await make_report(session)
        await session.flush()
        await session.rollback()
    assert await version(sessions) == before


async def rename_unit(session: AsyncSession) -> None:
    unit = await session.scalar(select(Unit).where(Unit.code == "18073"))
    assert unit is not None
    unit.name += " mới"


async def move_task(session: AsyncSession) -> None:
    await session.execute(update(PlanTask).values(position=PlanTask.position + 1))


async def drop_task_units(session: AsyncSession) -> None:
    link = await session.scalar(select(TaskUnit).limit(1))
    await session.delete(link)


async def retitle_plan(session: AsyncSession) -> None:
    await session.execute(
        update(AppState).where(AppState.key == "plan.title").values(value="Kế hoạch")
    )


async def new_official(session: AsyncSession) -> None:
    await make_user(session, chat_id="o-2", role="official", unit_code="18073")


@pytest.mark.parametrize(
    "change", [rename_unit, move_task, drop_task_units, retitle_plan, new_official]
)
async def test_units_the_plan_and_officials_raise_it(
    sessions: async_sessionmaker[AsyncSession], change: Change
) -> None:
    assert await raised_by(sessions, change) >= 1


async def test_officials_renamed_or_moved_raise_it_citizens_and_visits_do_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        official = await make_user(session, chat_id="o-1", role="official", unit_code="18073")
        citizen = await make_user(session, chat_id="c-1")

    async def rename(user_id: int) -> Change:
        async def change(session: AsyncSession) -> None:
            (await session.get_one(User, user_id)).display_name = "Tên khác"

        return change

    async def visit(session: AsyncSession) -> None:
        await session.execute(update(User).values(last_seen_at=User.created_at))

    async def new_citizen(session: AsyncSession) -> None:
        await make_user(session, chat_id="c-2")

    async def scheduler_heartbeat(session: AsyncSession) -> None:
        session.add(AppState(key="scheduler.lock", value="x"))

    assert await raised_by(sessions, await rename(official.id)) == 1
    assert await raised_by(sessions, await rename(citizen.id)) == 0
    assert await raised_by(sessions, visit) == 0
    assert await raised_by(sessions, new_citizen) == 0
    assert await raised_by(sessions, scheduler_heartbeat) == 0


async def test_a_coordinators_sign_out_raises_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions.begin() as session:
        coordinator = await make_user(session, chat_id="k-1", role="coordinator")

    async def sign_out_now(session: AsyncSession) -> None:
        await sign_out(session, user_id=coordinator.id)

    assert await raised_by(sessions, sign_out_now) == 1
