"""/huy cancels whatever is in progress, from anywhere, and a flow set aside too."""

from bot.dialog.context import Context
from bot.dialog.router import Flow

flow = Flow("cancel")


@flow.command("huy", aliases=("huy bo", "thoi", "cancel"))
async def cancel(ctx: Context, _args: str) -> None:
    """Leave the current flow without storing anything."""
    template = "cancel/done" if ctx.state or ctx.conversation.parked else "cancel/nothing"
    ctx.finish()
    ctx.conversation.parked = None
    ctx.show_menu(template)
