"""Flows register commands, buttons and steps; the router finds the handler for an update.

Button payloads are short ASCII strings `flow:action:arg` (Telegram caps them at 64 bytes);
`cmd:<name>` runs a command, so every command can also be a menu button.
"""

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from bot.dialog.context import CommandInfo, Context, MenuItem
from bot.messages import Action, Incoming
from bot.services.core.access import Role
from bot.services.core.matching import fold

CommandHandler = Callable[[Context, str], Awaitable[None]]
ButtonHandler = Callable[[Context, str], Awaitable[None]]
StepHandler = Callable[[Context, Incoming], Awaitable[None]]
# Free text outside any flow: a flow may take it (e.g. a quick report) and return True.
TextHandler = Callable[[Context, str], Awaitable[bool]]
# Asks the question of the flow's current step again (after a greeting, on /tiep).
ResumeHandler = Callable[[Context], Awaitable[None]]
ALL_ROLES = tuple(Role)
MAX_PAYLOAD_BYTES = 64


@dataclass(frozen=True)
class Command:
    """A chat command, the words that also call it, and who may use it."""

    name: str
    handler: CommandHandler
    roles: tuple[Role, ...]
    aliases: tuple[str, ...]
    # Whether its words may be followed by arguments typed without the slash ("tai lieu rac").
    takes_args: bool = False
    # Only for someone bound to a unit (a coordinator without one does not report).
    needs_unit: bool = False
    # The roles /help lists it for, when narrower than those allowed (/dangky is allowed to
    # all, to tell an official they need not, but is of use to citizens only).
    listed_for: tuple[Role, ...] | None = None


@dataclass(frozen=True)
class Button:
    """A button's handler and when it may be pressed: by which roles, at which steps.

    The engine enforces both before the handler runs, so a forged or old payload is refused
    in one place. `numeric`: the argument is an id (ASCII digits, at most 9 of them).
    """

    handler: ButtonHandler
    roles: tuple[Role, ...]
    states: tuple[str, ...] | None
    numeric: bool


@dataclass
class Flow:
    """One conversation: what it answers to. Modules under bot/dialog/flows define `flow`."""

    name: str
    commands: dict[str, Command] = field(default_factory=dict)
    buttons: dict[str, Button] = field(default_factory=dict)
    steps: dict[str, StepHandler] = field(default_factory=dict)
    menu: list[MenuItem] = field(default_factory=list)
    free_text: list[TextHandler] = field(default_factory=list)
    # States where the flow waits for a button only (no typed answer is read there).
    waits: set[str] = field(default_factory=set)
    resumer: ResumeHandler | None = None
    actions: dict[Action, Button] = field(default_factory=dict)

    def text(self, handler: TextHandler) -> TextHandler:
        """Register a handler offered free text that no step or command took."""
        self.free_text.append(handler)
        return handler

    def command(
        self,
        name: str,
        *,
        roles: tuple[Role, ...] = ALL_ROLES,
        aliases: tuple[str, ...] = (),
        takes_args: bool = False,
        needs_unit: bool = False,
        listed_for: tuple[Role, ...] | None = None,
    ) -> Callable[[CommandHandler], CommandHandler]:
        """Register a /command (ASCII name) and typed words that mean it."""

        def register(handler: CommandHandler) -> CommandHandler:
            folded = tuple(fold(a) for a in aliases)
            self.commands[name] = Command(
                name, handler, roles, folded, takes_args, needs_unit, listed_for
            )
            return handler

        return register

    def button(
        self,
        action: str,
        *,
        roles: tuple[Role, ...] = ALL_ROLES,
        at: tuple[str, ...] | None = None,
        numeric: bool = False,
    ) -> Callable[[ButtonHandler], ButtonHandler]:
        """Register the handler of payloads `<flow>:<action>:<arg>`.

        `at`: the steps of this flow where the button is current (None: any time, e.g. a
        coordinator's approve button on a notification).
        """
        states = None if at is None else tuple(f"{self.name}.{step}" for step in at)

        def register(handler: ButtonHandler) -> ButtonHandler:
            self.buttons[action] = Button(handler, roles, states, numeric)
            return handler

        return register

    def action(
        self, action: Action, *, roles: tuple[Role, ...] = ALL_ROLES, numeric: bool = False
    ) -> Callable[[ButtonHandler], ButtonHandler]:
        """Answer a domain action's button (`do:<action>:<arg>`), which services offer in
        messages they send on their own (reminders, announcements); current at any time.
        """

        def register(handler: ButtonHandler) -> ButtonHandler:
            self.actions[action] = Button(handler, roles, None, numeric)
            return handler

        return register

    def state(self, *names: str) -> None:
        """Declare states where only buttons are answered (typed text is not read there)."""
        self.waits.update(f"{self.name}.{name}" for name in names)

    def resume(self, handler: ResumeHandler) -> ResumeHandler:
        """Register how to ask the current step's question again: the flow can then be set
        aside by an interruption (/menu mid-flow) and brought back by /tiep.
        """
        self.resumer = handler
        return handler

    @property
    def states(self) -> set[str]:
        """Every state of this flow."""
        return set(self.steps) | self.waits

    def step(self, name: str) -> Callable[[StepHandler], StepHandler]:
        """Register the handler of what the user sends while in state `<flow>.<name>`."""

        def register(handler: StepHandler) -> StepHandler:
            self.steps[f"{self.name}.{name}"] = handler
            return handler

        return register

    def menu_item(self, label: str, command: str, *, roles: tuple[Role, ...], order: int) -> None:
        """Show a command in the menu of some roles."""
        self.menu.append(MenuItem(label, command, roles, order))

    def payload(self, action: str, arg: str | int = "") -> str:
        """A button payload for this flow, checked against Telegram's limit."""
        value = f"{self.name}:{action}:{arg}"
        if len(value.encode()) > MAX_PAYLOAD_BYTES or not value.isascii():
            msg = f"button payload too long or not ASCII: {value!r}"
            raise ValueError(msg)
        return value


@dataclass(frozen=True)
class Router:
    """Every registered flow, indexed for dispatch."""

    commands: dict[str, Command]
    aliases: dict[str, Command]
    buttons: dict[str, dict[str, Button]]
    steps: dict[str, StepHandler]
    menu: tuple[MenuItem, ...]
    free_text: tuple[TextHandler, ...] = ()
    states: frozenset[str] = frozenset()
    resumers: dict[str, ResumeHandler] = field(default_factory=dict)
    actions: dict[str, Button] = field(default_factory=dict)

    @property
    def command_infos(self) -> tuple[CommandInfo, ...]:
        """Every command and who may use it (for /help)."""
        return tuple(
            CommandInfo(c.name, tuple(str(r) for r in c.listed_for or c.roles), c.needs_unit)
            for c in self.commands.values()
        )

    @classmethod
    def from_flows(cls, flows: list[Flow]) -> "Router":
        """Index the flows; a command claimed twice or a button current at a state no flow
        registered is a programming error, refused here rather than met by a user.
        """
        commands: dict[str, Command] = {}
        for flow in flows:
            for name, command in flow.commands.items():
                if name in commands:
                    msg = f"command /{name} registered twice"
                    raise ValueError(msg)
                commands[name] = command
            for action, button in flow.buttons.items():
                unknown = set(button.states or ()) - flow.states
                if unknown:
                    msg = f"button {flow.name}:{action} is current at unregistered {unknown}"
                    raise ValueError(msg)
        actions = {str(a): b for flow in flows for a, b in flow.actions.items()}
        if sorted(actions) != sorted(Action) or len(actions) != sum(len(f.actions) for f in flows):
            msg = f"every action needs exactly one handler: {sorted(actions)} of {list(Action)}"
            raise ValueError(msg)
        aliases = {alias: c for c in commands.values() for alias in (c.name, *c.aliases)}
        return cls(
            commands=commands,
            aliases=aliases,
            buttons={flow.name: flow.buttons for flow in flows},
            steps={k: v for flow in flows for k, v in flow.steps.items()},
            menu=tuple(sorted((m for f in flows for m in f.menu), key=lambda m: m.order)),
            free_text=tuple(h for flow in flows for h in flow.free_text),
            states=frozenset(state for flow in flows for state in flow.states),
            resumers={flow.name: flow.resumer for flow in flows if flow.resumer is not None},
            actions=actions,
        )

    @classmethod
    def discover(cls, package: str = "bot.dialog.flows") -> "Router":
        """Collect `flow` from every module of the flows package."""
        module = importlib.import_module(package)
        flows = []
        for info in pkgutil.iter_modules(module.__path__):
            found = getattr(importlib.import_module(f"{package}.{info.name}"), "flow", None)
            if isinstance(found, Flow):
                flows.append(found)
        return cls.from_flows(flows)
