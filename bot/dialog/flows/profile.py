"""/toi: the user's role and unit, what they follow and wait for, what is stored and how to
erase it; coordinators turn the daily message about reports waiting on or off here."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Action
from bot.services.core.access import Role
from bot.services.people.profile import get_profile
from bot.services.people.users import set_review_notices

flow = Flow("profile")
flow.menu_item("menu/profile", "toi", roles=tuple(Role), order=80)
COORDINATOR = (Role.COORDINATOR,)


@flow.command("toi", aliases=("thong tin cua toi", "ho so", "toi la ai"))
async def profile(ctx: Context, _args: str) -> None:
    """Say who the bot thinks the user is and what it keeps, with ways to change it."""
    shown = await get_profile(ctx.session, ctx.user)
    options = [ctx.option("profile/change_topics", "cmd:theodoi")]
    if ctx.user.role == Role.COORDINATOR:
        on = not shown.review_notices
        options.append(
            ctx.option(
                "profile/notices_toggle", flow.payload("notices", "on" if on else "off"), on=on
            )
        )
    if ctx.user.role == Role.CITIZEN and shown.pending_join is None:
        options.append(ctx.option("menu/join", "cmd:dangky"))
    options += [
        ctx.option("profile/privacy", "cmd:baomat"),
        ctx.option("profile/erase", "cmd:xoadulieu"),
    ]
    ctx.say("profile/show", p=shown, options=options)


@flow.action(Action.REVIEW_NOTICES, roles=COORDINATOR)
@flow.button("notices", roles=COORDINATOR)
async def notices(ctx: Context, arg: str) -> None:
    """Turn the daily message about reports waiting for verification on or off."""
    if arg not in ("on", "off"):
        ctx.say("errors/stale_button")
        return
    await set_review_notices(ctx.session, user=ctx.user, on=arg == "on")
    ctx.say("profile/notices_set", on=arg == "on")
