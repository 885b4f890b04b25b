"""/toi: the user's role and unit."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.services.core.access import Role

flow = Flow("profile")
flow.menu_item("menu/profile", "toi", roles=tuple(Role), order=80)


@flow.command("toi", aliases=("thong tin cua toi", "ho so"))
async def profile(ctx: Context, _args: str) -> None:
    """Say who the bot thinks the user is."""
    ctx.say("profile/show")
