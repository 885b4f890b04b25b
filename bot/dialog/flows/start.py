"""/start: greeting, privacy notice and menu; `/start <code>` redeems an invite."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.services.people.invites import redeem_invite
from bot.services.people.users import get_user
from bot.services.plan.tasks import get_plan_info

flow = Flow("start")


@flow.command(
    "start",
    aliases=("bat dau", "xin chao", "chao", "chao ban", "xin chao ban", "hello", "hi", "alo"),
)
async def start(ctx: Context, args: str) -> None:
    """Welcome a new user, greet a returning one, or take an invite code."""
    ctx.finish()
    if args:
        redeemed = await redeem_invite(ctx.session, user=ctx.user, code=args, now=ctx.now)
        ctx.user = await get_user(ctx.session, ctx.user.id)  # the menu of the new role
        ctx.show_menu("start/invited", role=redeemed.role, unit=redeemed.unit_name)
        return
    if ctx.user.created or ctx.conversation.new:
        ctx.say("start/welcome", plan=await get_plan_info(ctx.session))
        ctx.show_menu("start/privacy")
    else:
        ctx.show_menu("start/again")
