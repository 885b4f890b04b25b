"""Erasing a user's personal data (Law 91/2025/QH15, Decree 356/2025/NĐ-CP).

What goes: the user row and everything that hangs on it (join requests and establishment
registrations with their name, position and phone, subscriptions, pending and sent messages to
them or about them, the chat's state with any draft and its photos, contest entries once their
round's results are final). What stays, as the unit's records without a link to the person:
reports, their figures, photos and history, period notes, commitments, deliveries counted per
unit. The audit log and report history keep what was done, not who did it.
"""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.core import audit
from db.models import (
    AuditEntry,
    Commitment,
    ContestEntry,
    ContestRound,
    Conversation,
    InboxUpdate,
    JoinRequest,
    OrgRegistration,
    OutboxMessage,
    ReportAttachment,
    ReportRevision,
    User,
)

log = logging.getLogger(__name__)
# A photo no report, commitment or draft holds after this long was sent outside a report or with
# a draft thrown away (drafts set aside are kept a day): it is deleted.
UNUSED_PHOTO_AGE = timedelta(days=7)


async def erase_user(session: AsyncSession, *, user_id: int, media_dir: Path | None = None) -> None:
    """Delete the user's identity and whatever names them; reports stay with the unit."""
    user = await session.get(User, user_id)
    if user is None:
        return
    photos = await _forget_chat(session, channel=user.channel, chat_id=user.chat_id)
    await erase_contest_entries(session, user_id=user_id, now=datetime.now(UTC))
    await session.execute(
        delete(OutboxMessage).where(
            or_(OutboxMessage.user_id == user_id, OutboxMessage.subject_user_id == user_id)
        )
    )
    await session.execute(delete(JoinRequest).where(JoinRequest.user_id == user_id))
    await session.execute(delete(OrgRegistration).where(OrgRegistration.user_id == user_id))
    await _unlink_history(session, user_id=user_id)
    await session.delete(user)
    await session.flush()
    # Reports, commitments and the rest keep their unit; their links to the user are set to NULL
    # by the foreign keys (ON DELETE SET NULL).
    await audit.record(session, actor_id=None, action="user.erased")
    if media_dir is not None:
        await _delete_unused_photos(session, media_dir=media_dir, refs=photos)


async def _forget_chat(session: AsyncSession, *, channel: str, chat_id: str) -> set[str]:
    """Drop the chat's state (its drafts among it) and the raw updates already handled;
    return the photo references its drafts held."""
    row = await session.scalar(
        select(Conversation).where(Conversation.channel == channel, Conversation.chat_id == chat_id)
    )
    photos: set[str] = set()
    if row is not None:
        photos = _photo_refs(row.data) | _photo_refs((row.parked or {}).get("data"))
        await session.delete(row)
    # Updates not yet processed came after this one: they are the next conversation's.
    await session.execute(
        update(InboxUpdate)
        .where(
            InboxUpdate.channel == channel,
            InboxUpdate.chat_id == chat_id,
            InboxUpdate.processed_at.is_not(None),
        )
        .values(body={}, chat_id=None)
        .execution_options(synchronize_session=False)
    )
    return photos


def _photo_refs(data: object) -> set[str]:
    """Photo references anywhere in a draft (`photos` lists, nested)."""
    if isinstance(data, dict):
        found = {str(p) for p in data.get("photos") or () if isinstance(p, str)}
        for value in data.values():
            found |= _photo_refs(value)
        return found
    if isinstance(data, list):
        return set().union(*(_photo_refs(v) for v in data)) if data else set()
    return set()


async def _unlink_history(session: AsyncSession, *, user_id: int) -> None:
    """The audit log and report history keep the actions, not the person's id."""
    await session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == user_id).values(actor_id=None)
    )
    await session.execute(
        update(AuditEntry).where(AuditEntry.subject == f"user:{user_id}").values(subject=None)
    )
    await session.execute(
        update(ReportRevision).where(ReportRevision.actor_id == user_id).values(actor_id=None)
    )


async def _delete_unused_photos(session: AsyncSession, *, media_dir: Path, refs: set[str]) -> None:
    """Photos of drafts never sent: no report or commitment holds them, so they are the
    person's alone. Only files inside the media folder are touched."""
    if not refs:
        return
    used = set(
        await session.scalars(
            select(ReportAttachment.file_ref).where(ReportAttachment.file_ref.in_(refs))
        )
    ) | set(
        await session.scalars(select(Commitment.signed_ref).where(Commitment.signed_ref.in_(refs)))
    )
    await asyncio.to_thread(_unlink_inside, media_dir, refs - used)


def _unlink_inside(media_dir: Path, refs: set[str]) -> None:
    root = media_dir.resolve()
    for ref in refs:
        path = (root / ref).resolve()
        if path.is_relative_to(root) and path.is_file():
            try:
                path.unlink()
            except OSError as exc:
                log.warning("erasure: a draft photo could not be deleted: %s", type(exc).__name__)


async def sweep_unused_photos(session: AsyncSession, *, media_dir: Path, now: datetime) -> int:
    """Delete the media folder's files that nothing holds, a week after they came; how many."""
    held = set(await session.scalars(select(ReportAttachment.file_ref)))
    held |= {r for r in await session.scalars(select(Commitment.signed_ref)) if r}
    for data, parked in await session.execute(select(Conversation.data, Conversation.parked)):
        held |= _photo_refs(data) | _photo_refs((parked or {}).get("data"))
    cutoff = (now - UNUSED_PHOTO_AGE).timestamp()
    return await asyncio.to_thread(_sweep, media_dir, held, cutoff)


def _sweep(media_dir: Path, held: set[str], cutoff: float) -> int:
    if not media_dir.is_dir():
        return 0
    deleted = 0
    for path in media_dir.rglob("*"):
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        if path.relative_to(media_dir).as_posix() in held:
            continue
        try:
            path.unlink()
            deleted += 1
        except OSError as exc:
            log.warning("media sweep: a file could not be deleted: %s", type(exc).__name__)
    return deleted


async def erase_contest_entries(session: AsyncSession, *, user_id: int, now: datetime) -> int:
    """A student's contest registrations: erased now where the round's results are final;
    otherwise kept for the ranking until they are, then erased (the rules text says so)."""
    rows = await session.execute(
        select(ContestEntry, ContestRound.results_at)
        .join(ContestRound, ContestRound.id == ContestEntry.round_id)
        .where(ContestEntry.user_id == user_id, ContestEntry.erased_at.is_(None))
    )
    erased = 0
    for entry, results_at in rows:
        if results_at is not None:
            anonymize_entry(entry, now=now)
            erased += 1
        else:
            entry.erase_requested = True
    return erased


def anonymize_entry(entry: ContestEntry, *, now: datetime) -> None:
    """Empty an entry's personal fields; its school and scores stay as anonymous figures."""
    entry.user_id = None
    entry.full_name = entry.birth_date = entry.class_name = entry.phone = None
    entry.guardian_name = None
    entry.name_key = f"erased-{entry.id}"
    entry.erased_at = now
