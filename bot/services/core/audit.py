"""The audit log: who did what, by ids only."""

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry


async def record(
    session: AsyncSession,
    *,
    actor_id: int | None,
    action: str,
    subject: str | None = None,
    details: dict[str, object] | None = None,
) -> None:
    """Append one entry."""
    session.add(
        AuditEntry(actor_id=actor_id, action=action, subject=subject, details=details or {})
    )
