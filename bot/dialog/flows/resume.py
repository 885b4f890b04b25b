"""/tiep: carry on with the flow an interruption set aside (kept 24 hours)."""

from bot.dialog.context import Context
from bot.dialog.router import Flow

flow = Flow("resume")


@flow.command("tiep", aliases=("tiep tuc", "lam tiep", "tiep tuc bao cao"))
async def resume(ctx: Context, _args: str) -> None:
    """Bring the set-aside flow back and ask its question again."""
    if ctx.state is None and not ctx.unpark():
        ctx.show_menu("dialog/nothing_to_resume")
        return
    if not await ctx.ask_again():
        ctx.say("dialog/mid_flow")
