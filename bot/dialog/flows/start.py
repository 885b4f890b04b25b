"""/start: greeting, privacy notice and menu; `/start <code>` redeems an invite.

An invite that would change the role or unit of someone who has one asks first and says what
changes (an official typing a coordinator's code must not lose the commune by surprise).
"""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Incoming
from bot.services.people.invites import check_invite, clean_code, redeem_invite
from bot.services.people.users import get_user
from bot.services.plan.tasks import get_plan_info

flow = Flow("start")
CONFIRM = "invite"
flow.state(CONFIRM)


@flow.command(
    "start",
    aliases=("bat dau", "xin chao", "chao", "chao ban", "xin chao ban", "hello", "hi", "alo"),
)
async def start(ctx: Context, args: str) -> None:
    """Welcome a new user, greet a returning one, or take an invite code."""
    ctx.finish()
    if args:
        await take_code(ctx, args)
        return
    if ctx.user.created or ctx.conversation.new:
        ctx.say("start/welcome", plan=await get_plan_info(ctx.session))
        ctx.show_menu("start/privacy")
    else:
        ctx.show_menu("start/again")


async def take_code(ctx: Context, code: str) -> None:
    """Use an invite code; ask first when it would change the user's role or unit."""
    invite = await check_invite(ctx.session, code=code, now=ctx.now)
    if invite.is_held_by(ctx.user):
        ctx.finish()
        ctx.show_menu("start/invite_same", invite=invite)
        return
    if invite.changes(ctx.user):
        ctx.go(f"start.{CONFIRM}", code=clean_code(code))
        await ask_change(ctx)
        return
    await _redeem(ctx, code, confirmed=False)


@flow.resume
async def ask_change(ctx: Context) -> None:
    """Say what the code would change and ask whether to go ahead."""
    invite = await check_invite(ctx.session, code=ctx.data["code"], now=ctx.now)
    ctx.say(
        "start/invite_change",
        invite=invite,
        options=[
            ctx.option("start/invite_yes", flow.payload("change", "yes")),
            ctx.option("start/invite_no", flow.payload("change", "no")),
        ],
        columns=2,
    )


@flow.button("change", at=(CONFIRM,))
async def change(ctx: Context, arg: str) -> None:
    """Use the code (the person agreed to the change) or keep things as they are."""
    if arg == "yes":
        await _redeem(ctx, ctx.data["code"], confirmed=True)
        return
    ctx.finish()
    ctx.show_menu("start/invite_kept")


@flow.step(CONFIRM)
async def typed_at_change(ctx: Context, _incoming: Incoming) -> None:
    """Anything typed other than the two options: ask again."""
    await ask_change(ctx)


async def _redeem(ctx: Context, code: str, *, confirmed: bool) -> None:
    redeemed = await redeem_invite(
        ctx.session, user=ctx.user, code=code, now=ctx.now, confirmed=confirmed
    )
    if confirmed:  # a draft set aside belonged to the old role or unit
        ctx.conversation.parked = None
    ctx.user = await get_user(ctx.session, ctx.user.id)  # the menu of the new role
    ctx.finish()
    ctx.show_menu("start/invited", role=redeemed.role, unit=redeemed.unit_name)
