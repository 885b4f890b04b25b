"""What every channel is to the app: one protocol, its webhook route, its start-up errors."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, Protocol

from bot.messages import DeliveryResult, Incoming, Outgoing


class Priority(IntEnum):
    """Who waits for a send: a person talking to the bot goes before a broadcast row."""

    REPLY = 0
    OUTBOX = 1


class ChannelStartError(Exception):
    """A channel could not start; `str()` is one line naming the setting to check."""

    def __init__(self, variable: str, problem: str) -> None:
        """Name the setting and say what went wrong."""
        super().__init__(f"{variable}: {problem}")


Accept = Callable[[dict[str, Any]], Awaitable[bool]]
# The dialog engine: an update in, the replies out (after its transaction committed).
Handler = Callable[[Incoming], Awaitable[list[Outgoing]]]
# A reply that was not delivered, handed back to the engine (blocked user, or for the outbox).
Reporter = Callable[[str, DeliveryResult, Outgoing], Awaitable[None]]


@dataclass(frozen=True)
class Webhook:
    """A path the platform posts updates to, and how to tell its posts from anyone else's.

    `accept` commits the update to the inbox before it returns: only then is the platform
    answered 200. It returns False for a body that is not an update of this platform.
    """

    path: str
    secret_header: str
    secret: str
    accept: Accept


class Channel(Protocol):
    """A platform the bot talks on (Telegram, Zalo, the console).

    `numbers_options`: options are shown as a numbered list the person answers by typing the
    number (no buttons). `send_rate`: messages a second the platform accepts from the bot.
    """

    name: str
    numbers_options: bool
    send_rate: float

    @property
    def webhook(self) -> Webhook | None:
        """The route the bot's web server must serve for this channel, if it takes webhooks."""
        ...

    @property
    def backlog(self) -> int:
        """Updates received and not processed yet (for /metrics)."""
        ...

    async def start(self) -> None:
        """Connect and start receiving; raise ChannelStartError for a bad setting."""
        ...

    async def stop(self) -> None:
        """Stop receiving, finish the update in hand, close connections."""
        ...

    async def deliver(
        self,
        chat_id: str,
        message: Outgoing,
        *,
        priority: Priority = Priority.OUTBOX,
        skip: int = 0,
    ) -> DeliveryResult:
        """Send one message within the platform's rate and say how it went.

        `skip`: parts of it (pieces of a long text, its attachment) already delivered.
        """
        ...
