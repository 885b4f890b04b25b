"""Joining as an official: type an invite code, or ask to join a commune and wait for approval."""

from bot.dialog.context import Context
from bot.dialog.flows.start import take_code
from bot.dialog.router import Flow
from bot.messages import Incoming, InputKind
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.people import join_requests
from bot.services.people.users import list_coordinators
from bot.services.plan.units import COMMUNE_KINDS, find_typed_units, get_unit

flow = Flow("onboarding")
flow.menu_item("menu/join", "dangky", roles=(Role.CITIZEN,), order=60)
flow.menu_item("menu/code", "mamoi", roles=(Role.CITIZEN,), order=61)


@flow.command("mamoi", aliases=("ma moi", "nhap ma"))
async def ask_code(ctx: Context, args: str) -> None:
    """Ask for an invite code (or take it from the command)."""
    if args:
        await _redeem(ctx, args)
        return
    ctx.go("onboarding.code")
    ctx.say("onboarding/ask_code")


@flow.step("code")
async def typed_code(ctx: Context, incoming: Incoming) -> None:
    """The code as typed."""
    if incoming.kind != InputKind.TEXT or not incoming.text.strip():
        raise InvalidInput("onboarding/code_expected")
    await _redeem(ctx, incoming.text)


async def _redeem(ctx: Context, code: str) -> None:
    await take_code(ctx, code)


@flow.command("dangky", aliases=("dang ky", "dang ky can bo"))
async def ask_unit(ctx: Context, _args: str) -> None:
    """Start a request to become the official of a commune or ward."""
    if ctx.user.role != Role.CITIZEN:
        raise InvalidInput("onboarding/already_member", {"unit": ctx.user.unit_name or ""})
    ctx.go("onboarding.unit")
    # Representatives of establishments register elsewhere: offered on the first question.
    business = ctx.option("onboarding/business_option", "cmd:dangkycoso")
    ctx.say("onboarding/ask_unit", options=[business])


@flow.step("unit")
async def typed_unit(ctx: Context, incoming: Incoming) -> None:
    """Find the commune by the typed name (old names too); offer the best matches."""
    text = incoming.text if incoming.kind == InputKind.TEXT else ""
    found = await find_typed_units(ctx.session, text, kinds=COMMUNE_KINDS)
    options = [
        ctx.option("onboarding/unit_option", flow.payload("unit", u.id), unit=u) for u in found
    ]
    ctx.say("onboarding/choose_unit", options=options)


@flow.button("unit", roles=(Role.CITIZEN,), at=("unit",), numeric=True)
async def chosen_unit(ctx: Context, arg: str) -> None:
    """File the request for the chosen unit and tell the coordinators."""
    unit = await get_unit(ctx.session, int(arg))
    if unit is None or unit.kind not in COMMUNE_KINDS:
        ctx.say("errors/stale_button")
        return
    request = await join_requests.request_join(
        ctx.session, user=ctx.user, unit_id=unit.id, now=ctx.now
    )
    for coordinator in await list_coordinators(ctx.session):
        await ctx.notify(
            coordinator.id,
            "onboarding/coordinator_request",
            request=request,
            options=[
                ctx.option("onboarding/approve", flow.payload("approve", request.id)),
                ctx.option("onboarding/reject", flow.payload("reject", request.id)),
            ],
        )
    ctx.finish()
    ctx.say("onboarding/requested", unit=unit, coordinators=ctx.queued)


@flow.button("approve", roles=(Role.COORDINATOR,), numeric=True)
async def approve(ctx: Context, arg: str) -> None:
    """A coordinator approves; the requester is told."""
    await _decide(ctx, arg, approve=True)


@flow.button("reject", roles=(Role.COORDINATOR,), numeric=True)
async def reject(ctx: Context, arg: str) -> None:
    """A coordinator rejects; the requester is told."""
    await _decide(ctx, arg, approve=False)


async def _decide(ctx: Context, arg: str, *, approve: bool) -> None:
    request = await join_requests.decide_join(
        ctx.session, actor=ctx.user, request_id=int(arg), approve=approve, now=ctx.now
    )
    await ctx.notify(request.user_id, f"onboarding/told_{request.status}", request=request)
    ctx.say(f"onboarding/decided_{request.status}", request=request)
