"""Flows declare, the engine enforces: states, buttons and actions are checked at build."""

from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from bot.dialog.context import Context, DialogConfig
from bot.dialog.router import Flow, Router
from bot.messages import Action
from bot.services.core.texts import Texts
from bot.services.messaging.conversations import ConversationState
from bot.services.people.users import UserView
from tests.dialog.conftest import NOW


def _flows_with_actions() -> list[Flow]:
    """A flow answering every action, so a test may break one thing at a time."""
    actions = Flow("actions")
    for action in Action:
        actions.action(action)(_noop)
    return [actions]


async def _noop(*_args: object) -> None:
    return None


def test_the_real_flows_build_and_every_button_state_is_registered() -> None:
    router = Router.discover()
    assert {"report.task", "report.date", "report.q", "report.confirm"} <= router.states
    assert "report" in router.resumers
    assert sorted(router.actions) == sorted(str(a) for a in Action)


def test_a_button_current_at_an_unregistered_step_fails_the_build() -> None:
    flow = Flow("demo")
    flow.step("one")(_noop)
    flow.button("go", at=("one", "two"))(_noop)
    with pytest.raises(ValueError, match="unregistered"):
        Router.from_flows([flow, *_flows_with_actions()])


def test_an_action_without_a_handler_or_with_two_fails_the_build() -> None:
    flows = _flows_with_actions()
    del flows[0].actions[Action.SNOOZE_REMINDER]
    with pytest.raises(ValueError, match="exactly one handler"):
        Router.from_flows(flows)
    twice = Flow("twice")
    twice.action(Action.OPEN_MATERIAL)(_noop)
    with pytest.raises(ValueError, match="exactly one handler"):
        Router.from_flows([*_flows_with_actions(), twice])


def test_going_to_an_unregistered_state_fails_loudly() -> None:
    router = Router.discover()
    ctx = Context(
        session=cast(AsyncSession, None),
        user=cast(UserView, None),
        conversation=ConversationState("console", "1"),
        texts=cast(Texts, None),
        config=cast(DialogConfig, None),
        now=NOW,
        states=router.states,
    )
    ctx.go("report.date")
    assert ctx.state == "report.date"
    with pytest.raises(ValueError, match="no flow registered"):
        ctx.go("report.step2")
