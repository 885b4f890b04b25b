"""/xoadulieu: erase the user's personal data after a confirmation; /baomat: the full notice."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.services.people.privacy import erase_user
from bot.services.plan.tasks import get_plan_info

flow = Flow("erase")


@flow.command("xoadulieu", aliases=("xoa du lieu",))
async def ask(ctx: Context, _args: str) -> None:
    """Explain what will be erased and ask to confirm."""
    ctx.go("erase.confirm")
    ctx.say(
        "erase/confirm",
        options=[
            ctx.option("erase/yes", flow.payload("yes")),
            ctx.option("erase/no", flow.payload("no")),
        ],
        columns=2,
    )


@flow.button("yes", at=("confirm",))
async def confirm(ctx: Context, _arg: str) -> None:
    """Erase, only if the question was asked in this chat."""
    await erase_user(ctx.session, user_id=ctx.user.id, media_dir=ctx.config.media_dir)
    ctx.conversation.state, ctx.conversation.data = None, {}
    ctx.say("erase/done")


@flow.button("no")
async def keep(ctx: Context, _arg: str) -> None:
    """Keep everything."""
    ctx.finish()
    ctx.show_menu("erase/kept")


@flow.step("confirm")
async def typed(ctx: Context, _incoming: object) -> None:
    """Anything typed other than the options: ask again."""
    await ask(ctx, "")


@flow.command("baomat", aliases=("bao mat", "du lieu ca nhan", "quyen rieng tu"))
async def notice(ctx: Context, _args: str) -> None:
    """The full privacy notice: who keeps what, why, for how long, the user's rights."""
    ctx.say("privacy/full", plan=await get_plan_info(ctx.session))
