"""What /healthz tells an operator: who leads the scheduler, what waits to be sent or handled."""

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from db.locks import current_leader
from db.models import InboxUpdate, OutboxMessage


async def report(connection: AsyncConnection) -> dict[str, Any]:
    """The scheduler's leader (None: nobody leads) and the backlogs per channel."""
    outbox = await connection.execute(
        select(OutboxMessage.channel, func.count())
        .where(OutboxMessage.status.in_(("pending", "sending")))
        .group_by(OutboxMessage.channel)
    )
    inbox = await connection.execute(
        select(InboxUpdate.channel, func.count())
        .where(InboxUpdate.processed_at.is_(None))
        .group_by(InboxUpdate.channel)
    )
    return {
        "scheduler_leader": await current_leader(connection),
        "outbox_backlog": dict(outbox.tuples().all()),
        "inbox_backlog": dict(inbox.tuples().all()),
    }
