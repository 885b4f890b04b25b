"""The buttons of a reminder: "Báo cáo …" opens /baocao on the task; this flow snoozes."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.services import reminders
from bot.services.work_calendar import WorkCalendar

flow = Flow("reminders")


@flow.button("snooze")
async def snooze(ctx: Context, _arg: str) -> None:
    """Remind the unit again on the next working day."""
    calendar = WorkCalendar(ctx.config.timezone)
    when = await reminders.snooze(ctx.session, user=ctx.user, now=ctx.now, calendar=calendar)
    ctx.say("reminders/snoozed", when=when.astimezone(ctx.config.timezone))
