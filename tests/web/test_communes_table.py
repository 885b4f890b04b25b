"""/dieu-phoi/xa kept per data version: true on the next load after any process's change, one
statement a page while nothing changed, one computation for loads that miss together."""

import asyncio
import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.web.versions import DataVersions
from db.engine import make_engine, make_sessionmaker
from db.models import Report, Unit, User
from tests.factories import make_report, make_user
from tests.statements import executed
from tests.web.conftest import TZ, Client, Clock
from tests.web.test_dashboard import log_in, login_token

pytestmark = pytest.mark.usefixtures("sessions")
UNIT = "18073"


def row_of(html: str, unit_id: int) -> str:
    """The table row of a unit."""
    rows: list[str] = re.findall(r"<tr>.*?</tr>", html, flags=re.S)
    [row] = [r for r in rows if f'href="/dieu-phoi/xa/{unit_id}"' in r]
    return row


def count_of(row: str) -> str:
    found = re.search(r'<td class="num">(.*?)</td>', row, flags=re.S)
    assert found, row
    return re.sub(r"<.*?>", "", found.group(1)).strip()


def _selects(statement: str) -> bool:
    return statement.upper().startswith("SELECT")


@pytest.fixture
async def other_process(db_url: URL) -> Any:
    """Sessions of another process on the same database (its own engine and pool)."""
    engine = make_engine(db_url)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def test_a_change_in_another_process_shows_on_the_next_load(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    other_process: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> None:
    assert await log_in(client, await login_token(sessions, clock)) == 303
    async with sessions() as session:
        unit_id = await session.scalar(select(Unit.id).where(Unit.code == UNIT))
    assert unit_id is not None

    async def shown() -> str:
        return row_of(await (await client.get("/dieu-phoi/xa")).text(), unit_id)

    before = await shown()
    assert count_of(before) == "0"
    assert "Chưa có" in before
    today = clock().astimezone(TZ).date()
    async with other_process.begin() as session:
        report = await make_report(session, unit_code=UNIT, activity_date=today)
    assert count_of(await shown()) == "1 (0 đã xác minh)"
    async with other_process.begin() as session:
        (await session.get_one(Report, report.id)).status = "verified"
    assert count_of(await shown()) == "1 (1 đã xác minh)"
    async with other_process.begin() as session:
        (await session.get_one(Report, report.id)).status = "rejected"
    assert count_of(await shown()) == "0"
    async with other_process.begin() as session:
        await make_user(
            session, chat_id="o-1", role="official", unit_code=UNIT, display_name="Trần Văn Bình"
        )
    assert "Trần Văn Bình" in await shown()
    async with other_process.begin() as session:
        for user in await session.scalars(select(User).where(User.role == "coordinator")):
            user.role = "citizen"
    assert (await client.get("/dieu-phoi/xa")).status == 403


async def test_an_unchanged_table_costs_one_statement_a_load(
    client: Client, sessions: async_sessionmaker[AsyncSession], db_engine: AsyncEngine, clock: Clock
) -> None:
    assert await log_in(client, await login_token(sessions, clock)) == 303
    first = await client.get("/dieu-phoi/xa", params={"sap-xep": "-reports"})
    assert first.status == 200
    with executed(db_engine, _selects) as seen:
        again = await client.get("/dieu-phoi/xa", params={"q": "thach ha", "sap-xep": "name"})
        assert again.status == 200
    assert "Thạch Hà" in await again.text()
    assert "Cẩm Xuyên" not in await again.text()
    assert len(seen) == 1, seen
    assert "data_versions" in seen[0]


async def test_loads_that_miss_together_compute_the_table_once(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    other_process: async_sessionmaker[AsyncSession],
    db_engine: AsyncEngine,
    clock: Clock,
) -> None:
    assert await log_in(client, await login_token(sessions, clock)) == 303
    assert (await client.get("/dieu-phoi/xa")).status == 200
    async with other_process.begin() as session:
        await make_report(session, unit_code=UNIT, activity_date=clock().astimezone(TZ).date())
    with executed(db_engine, _selects) as seen:
        pages = await asyncio.gather(*(client.get("/dieu-phoi/xa") for _ in range(10)))
        assert [page.status for page in pages] == [200] * 10
    # The yearly counts per unit (the completeness query groups by more columns).
    yearly_counts = [s for s in seen if s.endswith("GROUP BY reports.unit_id")]
    assert len(yearly_counts) == 1, yearly_counts


async def test_requests_waiting_together_share_one_read_of_the_version(
    sessions: async_sessionmaker[AsyncSession],
    other_process: async_sessionmaker[AsyncSession],
    db_engine: AsyncEngine,
) -> None:
    versions = DataVersions(sessions)
    with executed(db_engine, _selects) as seen:
        read = await asyncio.gather(*(versions.read() for _ in range(20)))
    [version] = set(read)
    assert version is not None
    assert len(seen) == 1, seen
    async with other_process.begin() as session:
        await make_report(session)
    assert await versions.read() == version + 1  # a read begun after the change sees it
