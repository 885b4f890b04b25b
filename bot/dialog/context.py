"""What a flow handler gets: the user, the chat's state, the session and ways to answer."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Attachment, Option, Outgoing, WebPage
from bot.services.core.signing import Signer
from bot.services.core.texts import Texts
from bot.services.messaging import outbox
from bot.services.messaging.conversations import ConversationState
from bot.services.people.users import UserView


@dataclass(frozen=True)
class DialogConfig:
    """Settings the dialog core needs, handed down by the app."""

    admin_chat_ids: frozenset[str]
    timezone: ZoneInfo
    invite_days: int = 7
    # Where Excel exports for the chat are written before they are sent (beside the default
    # database and media under ./var; readable by the bot's user only, kept an hour at most).
    export_dir: Path = Path("var") / "exports"
    # Charts (kept a fortnight, redrawn only when their figures change) and the font they use.
    chart_dir: Path = Path("var") / "charts"
    # The content folder: the commitment checklist and the fonts of the letters are read there.
    content_dir: Path = Path("content")
    # Photos copied from platforms whose links expire (Zalo): a draft's photos go with erasure.
    media_dir: Path = Path("var") / "media"
    # The public address of the bot's web server (pages linked from chats), if any.
    public_base_url: str | None = None
    # Signs personal links to web pages (the contest page); None without a web server.
    web_signer: Signer | None = None


# Makes a reply's file once the update is committed: in worker threads, with no session.
FileBuilder = Callable[[], Awaitable[Attachment]]


@dataclass(frozen=True)
class MenuItem:
    """A menu button: a label template and the command it runs, for some roles."""

    label: str
    command: str
    roles: tuple[str, ...]
    order: int


@dataclass(frozen=True)
class CommandInfo:
    """A command as /help lists it: who may use it."""

    name: str
    roles: tuple[str, ...]
    needs_unit: bool = False


@dataclass
class Context:
    """One update being handled: read the user and state, say things, move the state."""

    session: AsyncSession
    user: UserView
    conversation: ConversationState
    texts: Texts
    config: DialogConfig
    now: datetime
    menu: tuple[MenuItem, ...] = ()
    commands: tuple[CommandInfo, ...] = ()
    # Every state a flow registered: moving anywhere else is a programming error.
    states: frozenset[str] = frozenset()
    # Asks the current step's question again (set by the engine); False when it cannot.
    reask: Callable[["Context"], Awaitable[bool]] | None = None
    replies: list[Outgoing] = field(default_factory=list)
    queued: int = 0
    # Said after the answer whatever happens (the privacy notice on a first contact).
    notice: list[Outgoing] = field(default_factory=list)
    # Files to make after commit, by the index of the reply they go with (see say_with_file).
    files: dict[int, FileBuilder] = field(default_factory=dict)

    @property
    def state(self) -> str | None:
        """The current step, e.g. 'onboarding.unit'."""
        return self.conversation.state

    @property
    def data(self) -> dict[str, Any]:
        """What the current flow has collected."""
        return self.conversation.data

    def render(self, template: str, **values: Any) -> str:
        """One template rendered with the user available to it."""
        return self.texts.render(template, user=self.user, **values)

    def say(
        self,
        template: str,
        *,
        options: Sequence[Option] = (),
        attachment: Attachment | None = None,
        columns: int = 1,
        web_page: WebPage | None = None,
        **values: Any,
    ) -> None:
        """Answer with a template, optionally with options to choose from and a page to open."""
        text = self.render(template, **values)
        self.replies.append(
            Outgoing(text, tuple(options), attachment, columns=columns, web_page=web_page)
        )

    def say_with_file(
        self,
        template: str,
        build: FileBuilder,
        *,
        options: Sequence[Option] = (),
        **values: Any,
    ) -> None:
        """Answer with a template and a file that `build` makes once the update is committed.

        Read what the file shows here, in the transaction; lay it out in `build` (an Excel
        workbook, a Word or PDF document, a chart), which runs after commit, off the event
        loop, with no session: the database is not held while a file is being made.
        """
        self.say(template, options=options, **values)
        self.files[len(self.replies) - 1] = build

    def option(self, template: str, payload: str, **values: Any) -> Option:
        """An option whose label is a template."""
        return Option(self.render(template, **values), payload)

    def usable_commands(self) -> list[str]:
        """The commands this user may use now: their role's, and those needing a unit only
        when they have one."""
        return [
            c.name
            for c in self.commands
            if self.user.role in c.roles and (self.user.unit_id is not None or not c.needs_unit)
        ]

    def show_menu(self, template: str = "menu/title", **values: Any) -> None:
        """Answer with the menu of the user's role (only features that exist)."""
        items = [m for m in self.menu if self.user.role in m.roles]
        options = [self.option(m.label, f"cmd:{m.command}") for m in items]
        if self.conversation.parked and self.conversation.state is None:
            options.append(self.option("dialog/resume", "cmd:tiep"))
        self.say(template, options=options, columns=2, **values)

    def go(self, state: str, **data: Any) -> None:
        """Move to a step, replacing the collected data; the step must be registered."""
        if self.states and state not in self.states:
            msg = f"no flow registered the state {state!r}"
            raise ValueError(msg)
        self.conversation.state = state
        self.conversation.data = dict(data)

    def remember(self, **data: Any) -> None:
        """Add to what the current flow has collected."""
        self.conversation.data.update(data)

    def finish(self) -> None:
        """Leave any flow."""
        self.conversation.state = None
        self.conversation.data = {}

    def unpark(self) -> bool:
        """Bring back the flow an interruption set aside; False when there is none."""
        parked = self.conversation.parked
        if not parked:
            return False
        self.conversation.state = str(parked["state"])
        self.conversation.data = dict(parked.get("data") or {})
        self.conversation.parked = None
        return True

    async def ask_again(self) -> bool:
        """Ask the current step's question again; False when its flow cannot."""
        return self.reask is not None and await self.reask(self)

    async def notify(
        self,
        user_id: int,
        template: str,
        *,
        options: Sequence[Option] = (),
        about: int | None = None,
        **values: Any,
    ) -> None:
        """Queue a message to someone else through the outbox (sent after commit).

        `about`: the user whose name or phone the message shows (erased with them).
        """
        text = self.texts.render(template, **values)
        message = Outgoing(text, tuple(options))
        if await outbox.enqueue(
            self.session, user_id=user_id, message=message, now=self.now, about=about
        ):
            self.queued += 1
