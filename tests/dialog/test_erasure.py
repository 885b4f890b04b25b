"""/xoadulieu checked table by table: nothing that names the person or carries their id stays."""

import json
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.engine import Engine
from db.base import Base
from db.models import (
    AuditEntry,
    Commitment,
    Conversation,
    Delivery,
    InboxUpdate,
    Invite,
    Material,
    OutboxMessage,
    PeriodNote,
    Report,
    ReportAttachment,
    ReportRevision,
    Subscription,
    Topic,
    User,
)
from tests.dialog.conftest import NOW, Chat, outbox_texts
from tests.dialog.test_organisations import register_new_supermarket
from tests.factories import make_report, make_user, unit_by_code

CHAT = "p7700x"
NAME = "Phạm Riêng Tư"
REP_NAME = "Trần Thị Bình"  # what register_new_supermarket types
PHONE = "0912345678"
JOIN_PHONE = "0987654321"  # what the person types when asking to join
MARKERS = (CHAT, NAME, REP_NAME, PHONE, "0912 345 678", JOIN_PHONE, "0987 654 321")
KEPT_PHOTO = "zalo/2026/11/kept.jpg"
DRAFT_PHOTO = "zalo/2026/11/draft.jpg"


def _user_columns() -> list[tuple[str, str]]:
    """Every column that holds a user id: foreign keys to users, and the id-only ones."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            to_users = any(fk.column.table.name == "users" for fk in column.foreign_keys)
            if to_users or column.name in {"actor_id", "subject_user_id"}:
                found.append((table.name, column.name))
    return found


async def _rows_naming(session: AsyncSession, user_id: int) -> list[str]:
    """Rows, in any table, that still carry the person's id, chat id, names or phone."""
    left = []
    for table in Base.metadata.sorted_tables:
        if table.name == "processed_updates":
            continue  # platform update ids only (the harness's ids happen to contain the chat)
        for row in (await session.execute(select(table))).mappings():
            text = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
            if any(marker in text for marker in MARKERS):
                left.append(f"{table.name}: {text}")
    for table_name, column in _user_columns():
        table = Base.metadata.tables[table_name]
        count = len((await session.execute(select(table).where(table.c[column] == user_id))).all())
        if count:
            left.append(f"{table_name}.{column} = {user_id} in {count} rows")
    audit = await session.scalars(select(AuditEntry.subject))
    left.extend(f"audit_log.subject {s}" for s in audit if s == f"user:{user_id}")
    return left


async def _leave_traces(session: AsyncSession, person: User, media: Path) -> int:
    """What a person leaves beside the chat: a report with its history and photo, a period
    note, a commitment, a subscription, a delivery, an invite used, a raw update."""
    report = await make_report(session)
    report.reporter_id = person.id
    session.add(ReportRevision(report_id=report.id, at=NOW, actor_id=person.id, action="created"))
    session.add(
        AuditEntry(actor_id=person.id, action="report.created", subject=f"user:{person.id}")
    )
    session.add(ReportAttachment(report_id=report.id, channel="zalo", file_ref=KEPT_PHOTO))
    unit = await unit_by_code(session, "18073")
    session.add(PeriodNote(unit_id=unit.id, period_key="2026", reporter_id=person.id))
    session.add(Commitment(unit_id=unit.id, created_by_id=person.id))
    topic = await session.scalar(select(Topic.key))
    material = await session.scalar(select(Material.id))
    assert topic is not None
    assert material is not None
    session.add(Subscription(user_id=person.id, topic=topic))
    session.add(Delivery(material_id=material, user_id=person.id, channel="zalo", via="request"))
    session.add(
        Invite(
            code="ERASE-TEST", role="coordinator", expires_at=NOW, used_at=NOW, used_by_id=person.id
        )
    )
    session.add(
        InboxUpdate(
            channel="zalo",
            update_key="u-1",
            chat_id=CHAT,
            body={"sender": {"id": CHAT, "display_name": NAME}, "text": "xin chao"},
            processed_at=NOW,
        )
    )
    await session.flush()
    for ref in (KEPT_PHOTO, DRAFT_PHOTO):
        (media / ref).parent.mkdir(parents=True, exist_ok=True)
        (media / ref).write_bytes(b"jpeg")
    return report.id


async def test_erasure_leaves_nothing_that_names_or_links_the_person(
    chat: Callable[..., Chat], sessions: async_sessionmaker[AsyncSession], engine: Engine
) -> None:
    media = engine.config.media_dir
    async with sessions.begin() as session:
        await make_user(session, chat_id="7001", role="coordinator", unit_code="SCT")
    admin = chat("9000", "Điều phối viên")
    await admin.say("/start")
    person = chat(CHAT, NAME, "zalo")
    await person.say("/dangky")
    await person.say(NAME)  # full name, position, phone: all shown to coordinators
    await person.say("Công chức văn hóa – xã hội")
    await person.say(JOIN_PHONE)
    await person.say("thach ha")
    await person.press(person.option("Thạch Hà"))
    assert NAME in (await outbox_texts(sessions, "9000"))[0]["text"]  # "Người gửi: …"
    await register_new_supermarket(person)
    assert REP_NAME in (await outbox_texts(sessions, "7001"))[-1]["text"]
    async with sessions.begin() as session:
        user = await session.scalar(select(User).where(User.chat_id == CHAT))
        assert user is not None
        user_id = user.id
        report_id = await _leave_traces(session, user, media)
        # Sent long ago: the coordinators' copies are still rows in the outbox.
        for row in await session.scalars(select(OutboxMessage)):
            row.status = "sent"
    await person.say("/baocao")  # a draft in progress, its photo among the data, set aside
    async with sessions.begin() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.chat_id == CHAT)
        )
        assert conversation is not None
        conversation.parked = {
            "state": "report.photos",
            "data": {"photos": [DRAFT_PHOTO]},
            "until": "2099-01-01T00:00:00+00:00",
        }
        assert await _rows_naming(session, user_id)  # the person is everywhere before

    await person.say("/xoadulieu")
    assert "Đã xóa" in (await person.press(person.option("Xóa dữ liệu")))[0].text

    async with sessions() as session:
        left = await _rows_naming(session, user_id)
        assert left == [], "\n".join(left)
        report = await session.get(Report, report_id)
        assert report is not None  # the unit's record stays
        assert report.reporter_id is None
        revision = await session.scalar(
            select(ReportRevision).where(ReportRevision.report_id == report_id)
        )
        assert revision is not None
        assert revision.actor_id is None
        assert await session.scalar(select(AuditEntry).where(AuditEntry.action == "user.erased"))
    assert (media / KEPT_PHOTO).exists()  # evidence of a report: the unit's
    assert not (media / DRAFT_PHOTO).exists()  # a draft's photo was the person's alone
