"""The buttons of a reminder: "Báo cáo …" opens /baocao on the task; this flow snoozes."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Action
from bot.services.core.access import Role
from bot.services.core.work_calendar import WorkCalendar
from bot.services.reminders import rounds as reminders

flow = Flow("reminders")


@flow.command(
    "nhaclai",
    roles=(Role.OFFICIAL, Role.COORDINATOR),
    needs_unit=True,
    aliases=("nhac lai", "nhac lai ngay mai", "nhac lai sau", "nhac sau"),
)
async def snooze_typed(ctx: Context, _args: str) -> None:
    """The snooze typed in words rather than chosen (the reminder may no longer be last)."""
    await snooze(ctx, "")


@flow.action(Action.SNOOZE_REMINDER, roles=(Role.OFFICIAL, Role.COORDINATOR))
@flow.button("snooze", roles=(Role.OFFICIAL, Role.COORDINATOR))
async def snooze(ctx: Context, _arg: str) -> None:
    """Remind the unit again on the next working day."""
    calendar = WorkCalendar(ctx.config.timezone)
    when = await reminders.snooze(ctx.session, user=ctx.user, now=ctx.now, calendar=calendar)
    ctx.say("reminders/snoozed", when=when.astimezone(ctx.config.timezone))
