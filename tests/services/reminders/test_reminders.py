"""Reminders: periods, the working calendar, and a month of time moving through the real job."""

import asyncio
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.content.periods import parse_reporting_periods
from bot.services.content.reminder_specs import Schedule
from bot.services.core.texts import Texts
from bot.services.core.work_calendar import WorkCalendar
from bot.services.reminders.rounds import due_occurrences, period_parts
from db.engine import make_engine, make_sessionmaker
from db.models import OutboxMessage, Reminder, User
from scheduler import jobs
from scheduler.jobs import JobContext
from tests.factories import make_report, make_user, unit_by_code

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkCalendar(TZ)
PERIODS = parse_reporting_periods(
    {
        "month": {"cutoff_day": 14, "deadline_days": 3},
        "quarter": {"cutoff_day": 14, "deadline_days": 5},
        "half": {"cutoff_day": 14, "deadline_days": 5},
        "year": {"cutoff_day": 14, "deadline_days": 5},
    }
)
MONTHLY = Schedule("monthly", "month", 4, time(8), 2, 3)
QUARTERLY = Schedule("quarterly", "quarter", 7, time(8), 2, 3)
D = date


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("2026-12", "tháng 12/2026"),
        ("2028-02", "tháng 2/2028"),
        ("2026-Q4", "quý IV/2026"),
        ("2027-Q1", "quý I/2027"),
        ("2026-H1", "6 tháng đầu năm 2026"),
        ("2026-H2", "6 tháng cuối năm 2026"),
        ("2027", "năm 2027"),
    ],
)
def test_period_labels(texts: Texts, key: str, label: str) -> None:
    assert PERIODS.parse(key).key == key
    assert texts.render("reminders/period", **period_parts(key)) == label


def test_the_calendar_knows_weekends_tet_and_the_new_cultural_day() -> None:
    assert CALENDAR.is_working_day(date(2026, 11, 25))
    assert not CALENDAR.is_working_day(date(2026, 11, 24))  # Ngày Văn hóa Việt Nam, from 2026
    assert not CALENDAR.is_working_day(date(2027, 2, 8))  # Tết Đinh Mùi
    assert not CALENDAR.is_working_day(date(2026, 11, 28))  # Saturday
    assert not CALENDAR.may_send(local(2026, 11, 25, 6, 59))
    assert CALENDAR.may_send(local(2026, 11, 25, 7, 0))
    assert CALENDAR.may_send(local(2026, 11, 25, 20, 59))
    assert not CALENDAR.may_send(local(2026, 11, 25, 21, 0))
    assert CALENDAR.working_at(date(2027, 2, 4), time(8)) == local(2027, 2, 11, 8, 0)


def test_a_reminder_goes_out_before_the_cut_off_and_a_saturday_moves_it_to_monday() -> None:
    """April 2027's data run 15/3-14/4; 4 days before the cut-off is Saturday 10/4."""
    assert due_occurrences(MONTHLY, local(2027, 4, 10, 9, 0), CALENDAR, PERIODS) == []
    assert due_occurrences(MONTHLY, local(2027, 4, 12, 7, 59), CALENDAR, PERIODS) == []
    [(period, due)] = due_occurrences(MONTHLY, local(2027, 4, 12, 8, 0), CALENDAR, PERIODS)
    assert (period.key, period.start, period.end) == ("2027-04", D(2027, 3, 15), D(2027, 4, 14))
    assert due == local(2027, 4, 12, 8, 0)
    assert due < datetime.combine(period.end, time(0), tzinfo=TZ)
    # Past the sending deadline (17/4) it is not opened any more.
    assert due_occurrences(MONTHLY, local(2027, 4, 18, 8, 0), CALENDAR, PERIODS) == []
    [(period, due)] = due_occurrences(QUARTERLY, local(2026, 12, 7, 10, 0), CALENDAR, PERIODS)
    assert (period.key, due) == ("2026-Q4", local(2026, 12, 7, 8, 0))
    assert due_occurrences(QUARTERLY, local(2026, 11, 25, 10, 0), CALENDAR, PERIODS) == []


def test_a_reminder_moved_past_the_cut_off_still_asks_about_its_own() -> None:
    """Tết 2027: a reminder due 1 day before the cut-off of 14/2 goes out after Tết."""
    late = Schedule("monthly", "month", 1, time(8), 2, 3)
    assert not CALENDAR.is_working_day(D(2027, 2, 13))
    [(period, due)] = due_occurrences(late, local(2027, 2, 15, 8, 0), CALENDAR, PERIODS)
    assert period.key == "2027-02"
    assert due == local(2027, 2, 15, 8, 0)


# ----------------------------------------------------------------------------- a month of ticks

COMMUNE_A, COMMUNE_B, COMMUNE_C = "18073", "18100", "18115"


async def _people(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions.begin() as session:
        await make_user(session, chat_id="a1", role="official", unit_code=COMMUNE_A)
        await make_user(session, chat_id="a2", role="official", unit_code=COMMUNE_A)
        await make_user(session, chat_id="b1", role="official", unit_code=COMMUNE_B)
        gone = await make_user(session, chat_id="c1", role="official", unit_code=COMMUNE_C)
        gone.active = False  # blocked the bot: its unit has nobody to remind
        await make_user(session, chat_id="d1", role="official", unit_code="SNNMT")
        await make_user(session, chat_id="sct", role="coordinator", unit_code="SCT")
        await make_user(session, chat_id="coordinator", role="coordinator")
        await make_user(session, chat_id="citizen", role="citizen")


async def _sent(sessions: async_sessionmaker[AsyncSession]) -> dict[str, list[OutboxMessage]]:
    """What the outbox holds, by chat."""
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        by_chat: dict[str, list[OutboxMessage]] = defaultdict(list)
        for row in rows:
            by_chat[row.chat_id].append(row)
        return by_chat


def _payload(row: OutboxMessage) -> dict[str, Any]:
    return row.payload


async def _tick(url: URL, content_dir: Path, moment: datetime, processes: int = 1) -> None:
    """The scheduler's job at `moment`; several processes (or a restart) at once change nothing."""
    engines = [make_engine(url) for _ in range(processes)]
    texts = Texts(content_dir / "templates")
    try:
        with time_machine.travel(moment, tick=False):
            await asyncio.gather(
                *(jobs.remind(JobContext(make_sessionmaker(e), texts, TZ)) for e in engines)
            )
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_month_of_reminders_and_nudges(
    db_url: URL, sessions: async_sessionmaker[AsyncSession], content_dir: Path
) -> None:
    await _people(sessions)
    moment = local(2027, 4, 8, 0, 0)
    while moment < local(2027, 4, 24, 0, 0):
        # Commune A reports both of its tasks after the first reminder; commune B only IV.9.
        if moment == local(2027, 4, 13, 10, 0):
            async with sessions.begin() as session:
                for unit, task in ((COMMUNE_A, "IV.9"), (COMMUNE_A, "I.5"), (COMMUNE_B, "IV.9")):
                    report = await make_report(
                        session, unit_code=unit, task_code=task, activity_date=moment.date()
                    )
                    report.created_at = moment
                # A report on last period's work (before 15/3) does not answer this reminder.
                await make_report(
                    session, unit_code=COMMUNE_B, task_code="I.5", activity_date=date(2027, 3, 14)
                )
        # Two processes at once at the reminders' hour: still one message each.
        await _tick(db_url, content_dir, moment, processes=2 if moment.hour == 8 else 1)
        moment += timedelta(hours=1)

    sent = await _sent(sessions)
    times = {chat: [row.created_at.astimezone(TZ) for row in rows] for chat, rows in sent.items()}
    # Four days before the cut-off (14/4) is Saturday 10/4: Monday 12th at 08:00. A nudge 3
    # days later (Thursday 15th); the next would fall after Hùng Kings' day and the weekend, on
    # 19/4, past the sending deadline (17/4): none.
    first, nudge1 = local(2027, 4, 12, 8), local(2027, 4, 15, 8)
    assert times["a1"] == times["a2"] == [first]
    assert times["b1"] == [first, nudge1]
    assert "c1" not in times
    assert "citizen" not in times
    assert "d1" not in times  # SNNMT is reminded quarterly (June), not monthly
    b_first, b_nudge = (_payload(row) for row in sent["b1"])
    assert "IV.9" in b_first["text"]
    assert "I.5" in b_first["text"]
    assert "Kỳ tháng 4/2027: số liệu từ 15/03/2027 đến 14/04/2027" in b_first["text"]
    assert "Hạn gửi: 17/04/2027" in b_first["text"]
    assert "IV.9" not in b_nudge["text"]
    assert "nhắc lại lần 1" in b_nudge["text"]
    payloads = [o["payload"] for o in b_first["options"]]
    assert payloads == ["do:report:I.5", "do:report:IV.9", "do:snooze:"]
    for row in (row for rows in sent.values() for row in rows):
        when = row.created_at.astimezone(TZ)
        assert CALENDAR.is_working_day(when.date())
        assert time(7) <= when.time() < time(21)


async def test_after_a_night_down_the_reminder_waits_for_the_morning(
    db_url: URL, sessions: async_sessionmaker[AsyncSession], content_dir: Path
) -> None:
    await _people(sessions)
    # The bot was down on the 10th of December (Thursday) from before 08:00 until 22:00.
    for moment in (local(2026, 12, 10, 22, 0), local(2026, 12, 11, 6, 55)):
        await _tick(db_url, content_dir, moment)
    assert await _sent(sessions) == {}
    await _tick(db_url, content_dir, local(2026, 12, 11, 7, 0))
    sent = await _sent(sessions)
    assert [row.created_at.astimezone(TZ) for row in sent["b1"]] == [local(2026, 12, 11, 7)]
    # A restart re-running the same tick queues nothing more.
    await _tick(db_url, content_dir, local(2026, 12, 11, 7, 0))
    assert len((await _sent(sessions))["b1"]) == 1


async def test_departments_get_their_quarterly_reminder(
    db_url: URL, sessions: async_sessionmaker[AsyncSession], content_dir: Path
) -> None:
    await _people(sessions)
    await _tick(db_url, content_dir, local(2026, 12, 7, 8, 0))  # 7 days before 14/12
    sent = await _sent(sessions)
    [message] = [_payload(row) for row in sent["d1"]]
    assert "I.5" in message["text"]
    assert "Kỳ quý IV/2026: số liệu từ 15/09/2026 đến 14/12/2026" in message["text"]
    assert "Hạn gửi: 19/12/2026" in message["text"]
    assert "Sở Nông nghiệp và Môi trường" in message["text"]
    # Sở Công Thương leads I.2, I.3, I.4, II.1-II.3, III.2 and III.4: one message for them all.
    [message] = [_payload(row) for row in sent["sct"]]
    assert [o["payload"] for o in message["options"]][:2] == ["do:report:I.2", "do:report:I.3"]
    assert len(message["options"]) == 9
    assert "coordinator" not in sent  # a coordinator of no unit reports nothing


async def test_nobody_is_reminded_outside_the_plan_years(
    db_url: URL, sessions: async_sessionmaker[AsyncSession], content_dir: Path
) -> None:
    await _people(sessions)
    await _tick(db_url, content_dir, local(2031, 4, 25, 8, 0))
    assert await _sent(sessions) == {}


async def test_a_withdrawn_report_does_not_stop_the_reminders(
    db_url: URL, sessions: async_sessionmaker[AsyncSession], content_dir: Path
) -> None:
    await _people(sessions)
    async with sessions.begin() as session:
        await make_report(
            session,
            unit_code=COMMUNE_B,
            task_code="IV.9",
            activity_date=date(2026, 12, 1),
            status="withdrawn",
        )
        await session.execute(
            update(User).where(User.chat_id.in_(["a1", "a2"])).values(active=False)
        )
    await _tick(db_url, content_dir, local(2026, 12, 10, 8, 0))
    [message] = [_payload(row) for row in (await _sent(sessions))["b1"]]
    assert "IV.9" in message["text"]


async def test_a_round_with_nobody_left_to_remind_ends_with_its_deadline(
    db_url: URL, sessions: async_sessionmaker[AsyncSession], content_dir: Path
) -> None:
    await _people(sessions)
    await _tick(db_url, content_dir, local(2026, 12, 10, 8, 0))
    async with sessions.begin() as session:
        await session.execute(update(User).where(User.chat_id == "b1").values(active=False))
        unit = await unit_by_code(session, COMMUNE_B)
    # The nudge is due on Monday 14/12 and kept for someone who may join until the sending
    # deadline (17/12); on 18/12 it is over.
    for moment in (local(2026, 12, 14, 8, 0), local(2026, 12, 18, 8, 0)):
        await _tick(db_url, content_dir, moment)
    async with sessions() as session:
        rows = list(await session.scalars(select(Reminder).where(Reminder.unit_id == unit.id)))
    assert [(row.sent_count, row.closed, row.next_due_at) for row in rows] == [
        (1, "expired", None),
        (1, "expired", None),
    ]
    assert len((await _sent(sessions))["b1"]) == 1
