"""The dialog engine: one transaction per update, from dedupe to the new state (a refused
input: a second one that only says why)."""

import copy
import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dialog.context import Context, DialogConfig
from bot.dialog.politeness import is_greeting, is_thanks
from bot.dialog.router import Router
from bot.logs import private
from bot.messages import (
    ACTION_PREFIX,
    DeliveryResult,
    DeliveryStatus,
    Incoming,
    InputKind,
    Option,
    Outgoing,
)
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
MAX_COMMAND_WORDS = 4  # the longest typed command words ("tai lieu tuyen truyen")
# A button argument that is an id: ASCII digits only, small enough for any integer column.
ID_ARG = re.compile(r"[0-9]{1,9}")
# A typed number: an optional sign (hyphen, minus, dashes, plus), then ASCII digits.
TYPED_NUMBER = re.compile(r"([-+\u2212\u2013\u2014]?)\s*([0-9]{1,9})")
# Control characters (NUL among them: PostgreSQL refuses it in text) are dropped at the door.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# An interrupted flow is kept this long, then forgotten.
PARK_FOR = timedelta(hours=24)
CANCEL, RESUME, START = "huy", "tiep", "start"


class _Refused(Exception):
    """A flow refused the input (a DomainError): what to say, rendered while the update's
    first transaction was open (its values may need it)."""

    def __init__(self, replies: list[Outgoing]) -> None:
        super().__init__("refused")
        self.replies = replies


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
        incoming = clean(incoming)
        with private(incoming.text, incoming.display_name):
            return await self._handle(incoming)

    async def _handle(self, incoming: Incoming) -> list[Outgoing]:
        try:
            try:
                ctx = await self._attempt(incoming)
            except _Refused as refusal:
                ctx = await self._attempt(incoming, refusal=refusal)
        except Exception:
            log.exception("update %s on %s failed", incoming.update_key, incoming.channel)
            INTERNAL_ERRORS.labels(incoming.channel).inc()
            await self._set_aside(incoming)
            return [Outgoing(self.texts.render("errors/internal"))]
        if ctx is None:
            return []
        UPDATES.labels(incoming.channel).inc()
        if ctx.queued and self.on_queued:
            self.on_queued()
        return await self._attach_files(ctx, incoming)

    async def _attempt(
        self, incoming: Incoming, *, refusal: _Refused | None = None
    ) -> Context | None:
        """The update's transaction; after a refusal, one that only says it (the flow's writes
        and state change were undone with the first)."""
        async with self.sessions.begin() as session:
            ctx = await self._context(session, incoming)
            if ctx is None:
                return None
            if refusal is None:
                await self._run(ctx, incoming)
            else:
                ctx.replies = list(refusal.replies)
            await save_conversation(session, ctx.conversation, now=ctx.now)
        return ctx

    async def _attach_files(self, ctx: Context, incoming: Incoming) -> list[Outgoing]:
        """Make the replies' files now that the update is committed (no transaction waits)."""
        replies = list(ctx.replies)
        for index, build in sorted(ctx.files.items()):
            try:
                attachment = await build()
            except Exception:
                log.exception("a file for update %s failed", incoming.update_key)
                INTERNAL_ERRORS.labels(incoming.channel).inc()
                replies[index] = Outgoing(self.texts.render("errors/file_failed"))
                continue
            replies[index] = replace(replies[index], attachment=attachment)
        return replies

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
        parked = conversation.parked
        if parked and datetime.fromisoformat(str(parked.get("until"))) < now:
            conversation.parked = None
        return Context(
            session,
            user,
            conversation,
            self.texts,
            self.config,
            now,
            menu=self.router.menu,
            commands=self.router.command_infos,
            states=self.router.states,
            reask=self._reask,
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
        """Dispatch; a refusal undoes the whole transaction and is said in a new one.

        Rather than a savepoint around every update: refusals are rare, and a savepoint costs
        two statements on every update that reads the database.
        """
        try:
            await self._dispatch(ctx, incoming)
        except DomainError as error:
            said = Outgoing(ctx.render(error.template, **error.values))
            raise _Refused([said, *ctx.notice]) from error
        ctx.replies.extend(ctx.notice)
        number_options(ctx)

    async def _greet_first_contact(self, ctx: Context, incoming: Incoming, text: str) -> bool:
        """A first contact always sees who we are and the privacy notice; True when answered.

        On Zalo there is no /start button: whatever comes first is a greeting, unless it is a
        command (answered, the notice after it). The console's user is made ahead of its
        first message, so a chat without stored state counts as a first contact too.
        """
        first = ctx.user.created or ctx.conversation.new
        command = self._command_in(text)
        if not first or command == START:
            return False
        if incoming.kind == InputKind.TEXT and not (command or looks_like_code(text)):
            await self.router.commands[START].handler(ctx, "")
            return True
        ctx.notice = [Outgoing(ctx.render("start/privacy_notice"))]
        return False

    async def _dispatch(self, ctx: Context, incoming: Incoming) -> None:
        if incoming.kind == InputKind.BUTTON:
            await self._button(ctx, incoming.payload)
            return
        text = incoming.text.strip()
        if await self._greet_first_contact(ctx, incoming, text):
            return
        if incoming.kind == InputKind.OTHER:
            raise InvalidInput("errors/unsupported")
        if incoming.kind == InputKind.TEXT and await self._typed_command(ctx, text):
            return
        handler = self.router.steps.get(ctx.state or "")
        if handler is not None:
            await handler(ctx, incoming)
        elif incoming.kind in (InputKind.PHOTO, InputKind.DOCUMENT):
            raise InvalidInput("errors/photo_unexpected")
        elif looks_like_code(text):
            await self.router.commands[START].handler(ctx, text)
        elif await self._words_with_args(ctx, text):
            return
        elif not await self._free_text(ctx, text):
            ctx.show_menu("errors/unknown_text")

    def _command_in(self, text: str) -> str | None:
        """The command a text calls: "/tailieu rac", "tai lieu", "tai lieu rac"; else None."""
        if text.startswith("/"):
            name = text[1:].split(" ", 1)[0].split("@", 1)[0].lower()
            command = self.router.commands.get(name)
            return command.name if command else None
        words = fold(text).split()
        for count in range(min(len(words), MAX_COMMAND_WORDS), 0, -1):
            command = self.router.aliases.get(" ".join(words[:count]))
            if command is not None and (count == len(words) or command.takes_args):
                return command.name
        return None

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
        """A /command, an option by number or label, or a command word typed without the slash.

        A number or a label means exactly one option of the screen last shown, or it is
        refused with that list again; at a question whose answer is a number, digits are the
        answer. An exact label comes before command words: "xác minh số 4" under report cards
        is their button, not /xacminh.
        """
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            command = self.router.commands.get(name.split("@", 1)[0].lower())
            if command is None:
                ctx.show_menu("errors/unknown_command")
            else:
                await self._command(ctx, command.name, args.strip())
            return True
        has_step = ctx.state in self.router.steps
        if await self._option(ctx, text, has_step=has_step):
            return True
        if is_thanks(text):
            ctx.say("dialog/thanks")
            if ctx.state is not None:
                await self._reask_or_hint(ctx)
            return True
        if is_greeting(text) and fold(text) not in self.router.aliases:
            await self._command(ctx, START, "")
            return True
        return await self._words(ctx, text, has_step=has_step)

    async def _option(self, ctx: Context, text: str, *, has_step: bool) -> bool:
        """An option typed by its number or its whole label; False when it names none."""
        options = ctx.conversation.options
        number = TYPED_NUMBER.fullmatch(text)
        if options and number is not None and not ctx.data.get(NUMERIC_INPUT):
            index = int(number[2]) if number[1] in ("", "+") else 0
            if 1 <= index <= len(options):
                await self._button(ctx, options[index - 1][1])
                return True
            if not has_step:  # a step may read it (a number past the list, an id)
                _relist(ctx, "errors/option_number")
                return True
        folded = fold(text)
        exact = sorted({payload for label, payload in options if fold(label) == folded})
        if len(exact) == 1:
            await self._button(ctx, exact[0])
        elif exact:
            _relist(ctx, "errors/option_ambiguous", typed=text)
        return bool(exact)

    async def _words(self, ctx: Context, text: str, *, has_step: bool) -> bool:
        """Command words, or the first words of one label only ("loa" for "Loa truyền thanh").

        Words that start several labels are refused with the list ("xác minh" under three
        report cards), unless they are command words among the options (the menu's "báo cáo")
        or a step reads them (a unit name typed again at a search).
        """
        folded = fold(text)
        command = self.router.aliases.get(folded)
        options = ctx.conversation.options
        starts = set()
        if len(folded) >= 3:
            starts = {p for label, p in options if f"{fold(label)} ".startswith(f"{folded} ")}
        if command is not None and (f"cmd:{command.name}" in dict(options).values() or not starts):
            await self._command(ctx, command.name, "")
            return True
        if len(starts) == 1:
            await self._button(ctx, starts.pop())
            return True
        if starts and not has_step:
            _relist(ctx, "errors/option_ambiguous", typed=text)
            return True
        if command is not None:
            await self._command(ctx, command.name, "")
            return True
        return False

    async def _command(self, ctx: Context, name: str, args: str) -> None:
        """Run a command; one typed in the middle of a flow interrupts it without losing it.

        A greeting (/start, "xin chào") answers politely and asks the current question again.
        Another command sets the flow aside for 24 hours (/tiep brings it back, /huy drops it)
        and says so under its own answer.
        """
        command = self.router.commands[name]
        require_role(ctx.user.role, *command.roles)
        interrupted = ctx.state is not None and name not in (CANCEL, RESUME)
        if interrupted and name == START and not args:
            ctx.say("dialog/greeting")
            await self._reask_or_hint(ctx)
            return
        parked = self._park(ctx) if interrupted else None
        await command.handler(ctx, args)
        if parked is not None:
            shown = {o.payload for reply in ctx.replies for o in reply.options}
            options = [
                ctx.option("dialog/resume", f"cmd:{RESUME}"),
                ctx.option("dialog/drop", f"cmd:{CANCEL}"),
            ]
            if parked == "dialog/dropped" or f"cmd:{RESUME}" in shown:
                options = []  # the menu already offers "Tiếp tục"
            ctx.say(parked, flow=_flow_of(ctx.conversation.parked), options=options, columns=2)

    def _park(self, ctx: Context) -> str:
        """Set the current flow aside; the template that tells the person what became of it."""
        state = ctx.state or ""
        if _flow_of({"state": state}) in self.router.resumers:
            until = ctx.now + PARK_FOR
            ctx.conversation.parked = {
                "state": state,
                "data": copy.deepcopy(ctx.data),
                "until": until.isoformat(),
            }
            ctx.finish()
            return "dialog/parked"
        ctx.finish()
        return "dialog/dropped"

    async def _reask(self, ctx: Context) -> bool:
        """Ask the current step's question again; False when its flow cannot."""
        resumer = self.router.resumers.get((ctx.state or "").partition(".")[0])
        if resumer is None:
            return False
        await resumer(ctx)
        return True

    async def _reask_or_hint(self, ctx: Context) -> None:
        if not await self._reask(ctx):
            ctx.say("dialog/mid_flow")

    async def _button(self, ctx: Context, payload: str) -> None:
        flow, _, rest = payload.partition(":")
        action, _, arg = rest.partition(":")
        if flow == "cmd" and action in self.router.commands:
            await self._command(ctx, action, arg)
            return
        table = self.router.actions if flow == ACTION_PREFIX else self.router.buttons.get(flow, {})
        button = table.get(action)
        if button is None:
            ctx.say("errors/stale_button")
            return
        require_role(ctx.user.role, *button.roles)
        parked = ctx.conversation.parked
        if (
            button.states is not None
            and ctx.state is None
            and parked is not None
            and parked.get("state") in button.states
        ):
            ctx.unpark()  # an older button of a flow set aside: it carries on from there
        if (button.states is not None and ctx.state not in button.states) or (
            button.numeric and not ID_ARG.fullmatch(arg)
        ):
            ctx.say("errors/stale_button")
            return
        await button.handler(ctx, arg)


def clean(incoming: Incoming) -> Incoming:
    """The update without control characters (a NUL byte would break PostgreSQL)."""
    return replace(
        incoming,
        text=CONTROL.sub("", incoming.text),
        payload=CONTROL.sub("", incoming.payload),
        display_name=CONTROL.sub("", incoming.display_name) if incoming.display_name else None,
        photo_ref=CONTROL.sub("", incoming.photo_ref) if incoming.photo_ref else None,
    )


def number_options(ctx: Context) -> None:
    """Number the options of all replies on, and remember them all as the screen last seen.

    1–2 under the first report card, 3–4 under the next…, so each number means one option.
    At a question whose answer is a number, digits answer it: there options go by name.
    """
    numbered = not ctx.data.get(NUMERIC_INPUT)
    shown: list[tuple[str, str]] = []
    replies = []
    for reply in ctx.replies:
        if reply.options:
            reply = replace(reply, numbered=numbered, number_from=len(shown) + 1)  # noqa: PLW2901
            shown.extend((o.label, o.payload) for o in reply.options)
        replies.append(reply)
    ctx.replies = replies
    ctx.conversation.options = shown


def _relist(ctx: Context, template: str, typed: str = "") -> None:
    """Refuse a number or label that is no option, showing the same options again."""
    options = [Option(label, payload) for label, payload in ctx.conversation.options]
    ctx.say(template, options=options, count=len(options), typed=typed)


def _flow_of(parked: dict[str, object] | None) -> str:
    return str((parked or {}).get("state") or "").partition(".")[0]
