"""Joining as an official: type an invite code, or ask to join a commune and wait for approval."""

from bot.dialog.context import Context
from bot.dialog.flows.start import take_code
from bot.dialog.router import Flow
from bot.messages import Incoming, InputKind, Outgoing
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.people import join_requests
from bot.services.people.users import list_coordinators
from bot.services.plan.units import COMMUNE_KINDS, find_typed_units, get_unit

flow = Flow("onboarding")
flow.menu_item("menu/join", "dangky", roles=(Role.CITIZEN,), order=60)
flow.menu_item("menu/code", "mamoi", roles=(Role.CITIZEN,), order=61)


@flow.command("mamoi", aliases=("ma moi", "nhap ma"), takes_args=True, listed_for=(Role.CITIZEN,))
async def ask_code(ctx: Context, args: str) -> None:
    """Ask for an invite code (or take it from the command)."""
    if args:
        await take_code(ctx, args)
        return
    ctx.go("onboarding.code")
    ctx.say("onboarding/ask_code")


@flow.step("code")
async def typed_code(ctx: Context, incoming: Incoming) -> None:
    """The code as typed."""
    if incoming.kind != InputKind.TEXT or not incoming.text.strip():
        raise InvalidInput("onboarding/code_expected")
    await take_code(ctx, incoming.text)


@flow.command("dangky", aliases=("dang ky", "dang ky can bo"), listed_for=(Role.CITIZEN,))
async def ask_name(ctx: Context, _args: str) -> None:
    """Start a request to become the official of a commune or ward: full name first."""
    join_requests.check_may_request(ctx.user)
    if await join_requests.find_pending(ctx.session, ctx.user.id) is not None:
        raise InvalidInput("onboarding/already_pending")
    ctx.go("onboarding.name")
    await ask(ctx)


@flow.resume
async def ask(ctx: Context) -> None:
    """Ask the current step's question (again, after a greeting or on /tiep)."""
    step = (ctx.state or "").partition(".")[2]
    if step == "name":
        # Representatives of establishments register elsewhere: offered on the first question.
        business = ctx.option("onboarding/business_option", "cmd:dangkycoso")
        ctx.say("onboarding/ask_name", options=[business])
    elif step == "reason":
        request = await join_requests.get_pending(
            ctx.session, actor=ctx.user, request_id=ctx.data["request"]
        )
        ctx.say("onboarding/ask_reason", request=request)
    elif step == "code":
        ctx.say("onboarding/ask_code")
    else:
        ctx.say(f"onboarding/ask_{step}")


@flow.step("name")
async def typed_name(ctx: Context, incoming: Incoming) -> None:
    """The full name, then the position."""
    name = join_requests.check_full_name(_text(incoming))
    ctx.go("onboarding.position", full_name=name)
    await ask(ctx)


@flow.step("position")
async def typed_position(ctx: Context, incoming: Incoming) -> None:
    """The position, then the phone."""
    position = join_requests.check_position(_text(incoming))
    ctx.go("onboarding.phone", **ctx.data, position=position)
    await ask(ctx)


@flow.step("phone")
async def typed_phone(ctx: Context, incoming: Incoming) -> None:
    """The phone, then the commune."""
    phone = join_requests.parse_phone(_text(incoming))
    ctx.go("onboarding.unit", **ctx.data, phone=phone)
    await ask(ctx)


def _text(incoming: Incoming) -> str:
    return incoming.text.strip() if incoming.kind == InputKind.TEXT else ""


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
    applicant = join_requests.Applicant(
        ctx.data["full_name"], ctx.data["position"], ctx.data["phone"]
    )
    request = await join_requests.request_join(
        ctx.session, user=ctx.user, unit_id=unit.id, applicant=applicant, now=ctx.now
    )
    for coordinator in await list_coordinators(ctx.session):
        await ctx.notify(
            coordinator.id,
            "onboarding/coordinator_request",
            about=request.user_id,
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
    request = await join_requests.decide_join(
        ctx.session, actor=ctx.user, request_id=int(arg), approve=True, now=ctx.now
    )
    await _tell(ctx, request)


@flow.button("reject", roles=(Role.COORDINATOR,), numeric=True)
async def reject(ctx: Context, arg: str) -> None:
    """A coordinator rejects: first the reason, which the requester is told."""
    await join_requests.get_pending(ctx.session, actor=ctx.user, request_id=int(arg))
    ctx.go("onboarding.reason", request=int(arg))
    await ask(ctx)


@flow.step("reason")
async def typed_reason(ctx: Context, incoming: Incoming) -> None:
    """The reason typed: reject and tell the requester."""
    try:
        await join_requests.get_pending(ctx.session, actor=ctx.user, request_id=ctx.data["request"])
    except (InvalidInput, NotFound) as gone:  # decided by another coordinator meanwhile
        ctx.finish()
        ctx.replies.append(Outgoing(ctx.render(gone.template, **gone.values)))
        return
    request = await join_requests.decide_join(
        ctx.session,
        actor=ctx.user,
        request_id=ctx.data["request"],
        approve=False,
        reason=_text(incoming),
        now=ctx.now,
    )
    ctx.finish()
    await _tell(ctx, request)


async def _tell(ctx: Context, request: join_requests.JoinRequestView) -> None:
    await ctx.notify(request.user_id, f"onboarding/told_{request.status}", request=request)
    ctx.say(f"onboarding/decided_{request.status}", request=request)
