"""/help and /menu."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.services.core.access import Role

flow = Flow("help")
ALL = tuple(Role)
flow.menu_item("menu/help", "help", roles=ALL, order=90)


@flow.command("help", aliases=("huong dan", "tro giup", "giup"))
async def show_help(ctx: Context, _args: str) -> None:
    """Every command the user's role can use now (none it cannot), then the menu."""
    ctx.say("help/commands", commands=ctx.usable_commands())
    ctx.show_menu()


@flow.command("menu", aliases=("danh muc",))
async def show_menu(ctx: Context, _args: str) -> None:
    """The menu of the user's role."""
    ctx.show_menu()
