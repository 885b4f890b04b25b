"""Coordinators create invite codes in chat and see pending join requests."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Incoming, InputKind
from bot.services.core.access import Role
from bot.services.messaging.bot_identity import deep_link, telegram_username
from bot.services.people import join_requests
from bot.services.people.invites import create_invite
from bot.services.plan.units import find_typed_units, get_unit

flow = Flow("invites")
flow.menu_item("menu/invite", "moi", roles=(Role.COORDINATOR,), order=30)
flow.menu_item("menu/pending", "duyet", roles=(Role.COORDINATOR,), order=31)
COORDINATOR = (Role.COORDINATOR,)
flow.state("role")


@flow.command("moi", roles=COORDINATOR, aliases=("tao ma moi", "moi can bo"))
async def ask_role(ctx: Context, _args: str) -> None:
    """Ask which role the invite gives."""
    ctx.go("invites.role")
    ctx.say(
        "invites/ask_role",
        options=[
            ctx.option("invites/role_official", flow.payload("role", "official")),
            ctx.option("invites/role_coordinator", flow.payload("role", "coordinator")),
        ],
    )


@flow.button("role", roles=COORDINATOR, at=("role",))
async def chosen_role(ctx: Context, arg: str) -> None:
    """Officials need a unit; a coordinator invite is made at once."""
    if arg not in ("official", "coordinator"):
        ctx.say("errors/stale_button")
        return
    if arg == "coordinator":
        await _create(ctx, Role.COORDINATOR, None)
        return
    ctx.go("invites.unit")
    ctx.say("invites/ask_unit")


@flow.step("unit")
async def typed_unit(ctx: Context, incoming: Incoming) -> None:
    """Any unit (commune, ward or department) by name or code."""
    text = incoming.text if incoming.kind == InputKind.TEXT else ""
    found = await find_typed_units(ctx.session, text)
    options = [
        ctx.option("onboarding/unit_option", flow.payload("unit", u.id), unit=u) for u in found
    ]
    ctx.say("onboarding/choose_unit", options=options)


@flow.button("unit", roles=COORDINATOR, at=("unit",), numeric=True)
async def chosen_unit(ctx: Context, arg: str) -> None:
    """Create the official's invite for the chosen unit."""
    unit = await get_unit(ctx.session, int(arg))
    if unit is None:
        ctx.say("errors/stale_button")
        return
    await _create(ctx, Role.OFFICIAL, unit.id)


async def _create(ctx: Context, role: Role, unit_id: int | None) -> None:
    invite = await create_invite(
        ctx.session,
        actor=ctx.user,
        role=role,
        unit_id=unit_id,
        now=ctx.now,
        days=ctx.config.invite_days,
    )
    username = await telegram_username(ctx.session)
    ctx.finish()
    ctx.say(
        "invites/created",
        invite=invite,
        link=deep_link(username, invite.code) if username else None,
        expires=invite.expires_at.astimezone(ctx.config.timezone),
    )


@flow.command("duyet", roles=COORDINATOR, aliases=("yeu cau", "cho duyet"))
async def pending(ctx: Context, _args: str) -> None:
    """Pending join requests, each with Approve / Reject."""
    requests = await join_requests.list_pending(ctx.session, actor=ctx.user)
    if not requests:
        ctx.show_menu("invites/no_pending")
        return
    for request in requests[:10]:
        ctx.say(
            "onboarding/coordinator_request",
            request=request,
            options=[
                ctx.option("onboarding/approve", f"onboarding:approve:{request.id}"),
                ctx.option("onboarding/reject", f"onboarding:reject:{request.id}"),
            ],
            columns=2,
        )
