"""A channel that records what it is asked to deliver and answers as told (for outbox tests)."""

from dataclasses import dataclass, field

from bot.channels.base import Priority
from bot.messages import DeliveryResult, DeliveryStatus, Outgoing


@dataclass
class RecordingChannel:
    """Delivers into a list; `answers` says how a chat's sends go (SENT unless told)."""

    answers: dict[str, DeliveryStatus] = field(default_factory=dict)
    delivered: list[tuple[str, Outgoing]] = field(default_factory=list)
    numbers_options: bool = False
    send_rate: float = 1000.0

    async def deliver(
        self,
        chat_id: str,
        message: Outgoing,
        *,
        priority: Priority = Priority.OUTBOX,
        skip: int = 0,
    ) -> DeliveryResult:
        """Record the message and answer as told."""
        self.delivered.append((chat_id, message))
        return DeliveryResult(self.answers.get(chat_id, DeliveryStatus.SENT))

    @property
    def texts(self) -> list[tuple[str, str]]:
        """What was delivered, as (chat, text)."""
        return [(chat_id, message.text) for chat_id, message in self.delivered]
