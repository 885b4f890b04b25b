"""/baocao: open the flow, or take a whole quick report from one message."""

import re

from bot.dialog.context import Context
from bot.dialog.flows.report.answers import take_date
from bot.dialog.flows.report.asking import ask
from bot.dialog.flows.report.common import DATE, REPORTERS, TASK, flow, move
from bot.dialog.flows.report.draft import ReportDraft
from bot.messages import Action, Outgoing
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.core.matching import fold
from bot.services.reports.input import find_task_in, parse_count
from bot.services.reports.recording import reportable_task, reportable_tasks

TASK_CODE = re.compile(r"^(I|II|III|IV)\.\d+$")
# Where the figure starts: digits, perhaps after a sign (refused: a figure is never negative).
FIGURE = re.compile(r"[-\u2212\u2013\u2014]?\s*[0-9]")


@flow.command(
    "baocao",
    roles=REPORTERS,
    aliases=("bao cao", "gui bao cao"),
    takes_args=True,
    needs_unit=True,
)
async def start(ctx: Context, args: str) -> None:
    """Open the flow; `/baocao I.1 3 tin bài` goes as far as the message allows."""
    tasks = await reportable_tasks(ctx.session, ctx.user)
    if not tasks:
        raise InvalidInput("report/no_tasks")
    if args and await quick(ctx, args, explicit=True):
        return
    if len(tasks) == 1:
        await ask(ctx, ReportDraft(task=tasks[0].code, single=True), DATE)
        return
    await ask(ctx, ReportDraft(), TASK)


@flow.action(Action.REPORT_TASK, roles=REPORTERS)
async def from_reminder(ctx: Context, code: str) -> None:
    """A reminder's "Báo cáo I.5": the flow opened on that task."""
    await start(ctx, code)


@flow.text
async def quick_from_text(ctx: Context, text: str) -> bool:
    """Free text naming an activity and a number, from an official, is a quick report."""
    if ctx.user.role != Role.OFFICIAL or not re.search(r"[0-9]", text):
        return False
    return await quick(ctx, text, explicit=False)


async def quick(ctx: Context, text: str, *, explicit: bool) -> bool:
    """Fill task, date and main figure from one message; ask only what is missing."""
    tasks = await reportable_tasks(ctx.session, ctx.user)
    task, rest = find_task_in(text, tasks)
    first = text.strip().split(" ")[0].upper()
    if task is None and explicit and TASK_CODE.match(first):
        await reportable_task(ctx.session, ctx.user, first)  # refuses a task not ours
    if task is None:
        return False
    single = len(tasks) == 1
    number = FIGURE.search(rest)
    if number is None:
        if explicit:
            await ask(ctx, ReportDraft(task=task.code, single=single), DATE)
            return True
        return False
    main = task.reporting.main
    try:
        answers = {main.key: parse_count(rest[number.start() :], main)}
    except InvalidInput as refused:
        # The sentence asks to type the figure again: the figure's own step waits for it.
        ctx.replies.append(Outgoing(ctx.render(refused.template, **refused.values)))
        answers = {}
    draft = ReportDraft(task=task.code, single=single, answers=answers, quick=True)
    move(ctx, draft, DATE)  # the date comes from the message: only what is missing is asked
    await take_date(ctx, draft, "hom qua" if "hom qua" in fold(text) else "hom nay")
    return True
