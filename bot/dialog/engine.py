"""The dialog engine: one transaction per update, from dedupe to the new state."""

import copy
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.context import Context, DialogConfig
from bot.dialog.router import Router
from bot.messages import DeliveryResult, DeliveryStatus, Incoming, InputKind, Outgoing
from bot.metrics import INTERNAL_ERRORS, UPDATES
from bot.services.core.access import require_role
from bot.services.core.errors import DomainError, InvalidInput
from bot.services.core.matching import fold
from bot.services.core.texts import Texts
from bot.services.messaging import inbox, outbox
from bot.services.messaging.conversations import claim_update, load_conversation, save_conversation
from bot.services.people import users
from bot.services.people.invites import looks_like_code

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
NUMERIC_INPUT = "numeric_input"
MAX_COMMAND_WORDS = 4
# A button argument that is an id: ASCII digits only, small enough for any integer column.
ID_ARG = re.compile(r"[0-9]{1,9}")  # the longest typed command words ("tai lieu tuyen truyen")


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


class Engine:
    """Turns an Incoming into replies, with the chat's state kept in the database."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        texts: Texts,
        router: Router,
        config: DialogConfig,
        clock: Clock = utc_now,
        on_queued: Callable[[], None] | None = None,
    ) -> None:
        """Wire the engine; `on_queued` wakes the outbox sender after a commit."""
        self.sessions, self.texts, self.router = sessions, texts, router
        self.config, self.clock, self.on_queued = config, clock, on_queued

    async def handle(self, incoming: Incoming) -> list[Outgoing]:
        """Process one update exactly once; replies are returned only after commit."""
        try:
            async with self.sessions.begin() as session:
                ctx = await self._context(session, incoming)
                if ctx is None:
                    return []
                await self._run(ctx, incoming)
                await save_conversation(session, ctx.conversation)
        except Exception:
            log.exception("update %s on %s failed", incoming.update_key, incoming.channel)
            INTERNAL_ERRORS.labels(incoming.channel).inc()
            await self._set_aside(incoming)
            return [Outgoing(self.texts.render("errors/internal"))]
        UPDATES.labels(incoming.channel).inc()
        if ctx.queued and self.on_queued:
            self.on_queued()
        return ctx.replies

    async def _set_aside(self, incoming: Incoming) -> None:
        """A stored update whose handling failed is not handled again (it could fail again)."""
        if incoming.inbox_id is None:
            return
        try:
            async with self.sessions.begin() as session:
                await inbox.mark_processed(
                    session, entry_id=incoming.inbox_id, now=self.clock(), error="internal error"
                )
        except Exception:  # the database is down: the update stays for the next start
            log.exception("update %s on %s not set aside", incoming.update_key, incoming.channel)

    async def report_delivery(
        self, *, channel: str, chat_id: str, result: DeliveryResult, message: Outgoing
    ) -> None:
        """A direct reply was not delivered: a user who blocked the bot becomes inactive, and a
        reply the platform could not take now goes to the outbox, which keeps trying."""
        if result.status not in (DeliveryStatus.BLOCKED, DeliveryStatus.RETRY):
            log.warning("a reply on %s was refused: %s", channel, result.detail)
            return
        async with self.sessions.begin() as session:
            if result.status == DeliveryStatus.BLOCKED:
                await users.mark_inactive(session, channel=channel, chat_id=chat_id)
                return
            await outbox.enqueue_reply(
                session,
                channel=channel,
                chat_id=chat_id,
                message=message,
                parts_sent=result.parts_sent,
                now=self.clock(),
            )
        if self.on_queued:
            self.on_queued()

    async def _context(self, session: AsyncSession, incoming: Incoming) -> Context | None:
        now = self.clock()
        if not await self._first_time(session, incoming, now):
            return None
        user = await users.touch_user(
            session,
            channel=incoming.channel,
            chat_id=incoming.chat_id,
            platform_user_id=incoming.user_id,
            display_name=incoming.display_name,
            admin_chat_ids=self.config.admin_chat_ids,
            now=now,
        )
        conversation = await load_conversation(
            session, channel=incoming.channel, chat_id=incoming.chat_id
        )
        return Context(
            session, user, conversation, self.texts, self.config, now, menu=self.router.menu
        )

    @staticmethod
    async def _first_time(session: AsyncSession, incoming: Incoming, now: datetime) -> bool:
        """Claim the update in this transaction; False when it was handled before."""
        if incoming.inbox_id is not None:
            return await inbox.mark_processed(session, entry_id=incoming.inbox_id, now=now)
        if incoming.update_key is not None:
            return await claim_update(
                session, channel=incoming.channel, update_key=incoming.update_key
            )
        return True

    async def _run(self, ctx: Context, incoming: Incoming) -> None:
        """Dispatch inside a savepoint: a refusal undoes the flow's writes and keeps the state."""
        before = copy.deepcopy(ctx.conversation)
        try:
            async with ctx.session.begin_nested():
                await self._dispatch(ctx, incoming)
        except DomainError as error:
            ctx.conversation = before
            ctx.replies = [Outgoing(ctx.render(error.template, **error.values))]
            ctx.queued = 0
            return
        shown = [reply for reply in ctx.replies if reply.options]
        ctx.conversation.options = (
            [(o.label, o.payload) for o in shown[-1].options] if shown else []
        )
        if ctx.data.get(NUMERIC_INPUT):  # digits answer the question, not the options
            ctx.replies = [
                replace(reply, numbered=False) if reply.options else reply for reply in ctx.replies
            ]

    async def _dispatch(self, ctx: Context, incoming: Incoming) -> None:
        if incoming.kind == InputKind.BUTTON:
            await self._button(ctx, incoming.payload)
            return
        if incoming.kind == InputKind.OTHER:
            raise InvalidInput("errors/unsupported")
        text = incoming.text.strip()
        if incoming.kind == InputKind.TEXT and await self._typed_command(ctx, text):
            return
        handler = self.router.steps.get(ctx.state or "")
        if handler is not None:
            await handler(ctx, incoming)
        elif incoming.kind == InputKind.PHOTO:
            raise InvalidInput("errors/photo_unexpected")
        elif looks_like_code(text):
            await self.router.commands["start"].handler(ctx, text)
        elif ctx.user.created:
            # A first message on Zalo is whatever the person types (there is no /start button).
            await self.router.commands["start"].handler(ctx, "")
        elif await self._words_with_args(ctx, text):
            return
        elif not await self._free_text(ctx, text):
            ctx.show_menu("errors/unknown_text")

    async def _words_with_args(self, ctx: Context, text: str) -> bool:
        """A command's words then its arguments, without the slash: "tai lieu phan loai rac"."""
        words = text.split()
        for count in range(min(len(words) - 1, MAX_COMMAND_WORDS), 0, -1):
            command = self.router.aliases.get(fold(" ".join(words[:count])))
            if command is not None and command.takes_args:
                await self._command(ctx, command.name, " ".join(words[count:]))
                return True
        return False

    async def _free_text(self, ctx: Context, text: str) -> bool:
        for handler in self.router.free_text:
            if await handler(ctx, text):
                return True
        return False

    async def _typed_command(self, ctx: Context, text: str) -> bool:
        """A /command, a command word typed without the slash, or the number of an option."""
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            command = self.router.commands.get(name.split("@")[0].lower())
            if command is None:
                ctx.show_menu("errors/unknown_command")
            else:
                await self._command(ctx, command.name, args.strip())
            return True
        folded = fold(text)
        if folded in self.router.aliases:
            await self._command(ctx, self.router.aliases[folded].name, "")
            return True
        chosen = self._chosen_option(ctx, folded)
        if chosen is not None:
            await self._button(ctx, chosen)
            return True
        return False

    @staticmethod
    def _chosen_option(ctx: Context, folded: str) -> str | None:
        """The payload of the option last shown whose number or label was typed.

        A step that asks for a number (flag `numeric_input`) takes digits as the answer, so
        "1" there is one, not the first option ("Quay lại"). A label's first words are enough
        when they belong to that label alone.
        """
        options = ctx.conversation.options
        numeric = bool(ctx.data.get(NUMERIC_INPUT))
        if folded.isdigit() and not numeric and 1 <= int(folded) <= len(options):
            return options[int(folded) - 1][1]
        exact = next((payload for label, payload in options if fold(label) == folded), None)
        if exact is not None or len(folded) < 3:
            return exact
        # The first words of one label only ("loa" for "Loa truyền thanh"): what people type.
        starts = [p for label, p in options if f"{fold(label)} ".startswith(f"{folded} ")]
        return starts[0] if len(starts) == 1 else None

    async def _command(self, ctx: Context, name: str, args: str) -> None:
        command = self.router.commands[name]
        require_role(ctx.user.role, *command.roles)
        await command.handler(ctx, args)

    async def _button(self, ctx: Context, payload: str) -> None:
        flow, _, rest = payload.partition(":")
        action, _, arg = rest.partition(":")
        if flow == "cmd" and action in self.router.commands:
            await self._command(ctx, action, arg)
            return
        button = self.router.buttons.get(flow, {}).get(action)
        if button is None:
            ctx.say("errors/stale_button")
            return
        require_role(ctx.user.role, *button.roles)
        if (button.states is not None and ctx.state not in button.states) or (
            button.numeric and not ID_ARG.fullmatch(arg)
        ):
            ctx.say("errors/stale_button")
            return
        await button.handler(ctx, arg)
