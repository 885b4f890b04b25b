"""/huy cancels whatever is in progress, from anywhere."""

from bot.dialog.context import Context
from bot.dialog.router import Flow

flow = Flow("cancel")


@flow.command("huy", aliases=("huy bo", "thoi", "cancel"))
async def cancel(ctx: Context, _args: str) -> None:
    """Leave the current flow without storing anything."""
    template = "cancel/done" if ctx.state else "cancel/nothing"
    ctx.finish()
    ctx.show_menu(template)
