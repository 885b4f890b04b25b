"""Asking: the question of each step, the way back, the summary before confirming."""

from dataclasses import replace

from bot.dialog.context import Context
from bot.dialog.flows.report.common import (
    CONFIRM,
    DATE,
    DESCRIPTION,
    MAX_PHOTOS,
    PHOTOS,
    TASK,
    draft_of,
    flow,
    move,
    position_of,
    positions,
    task_of,
)
from bot.dialog.flows.report.draft import ReportDraft
from bot.messages import Option
from bot.services.reports.duplicates import find_duplicate
from bot.services.reports.recording import ReportableTask, reportable_tasks


async def ask(ctx: Context, draft: ReportDraft, position: str) -> None:
    """Move the draft to a position and ask its question."""
    draft = move(ctx, draft, position)
    if position == TASK:
        tasks = await reportable_tasks(ctx.session, ctx.user)
        options = [
            ctx.option("report/task_option", flow.payload("task", t.code), task=t) for t in tasks
        ]
        ctx.say("report/ask_task", options=options)
        return
    task = await task_of(ctx, draft)
    question = task.reporting.question(draft.question or "")
    ctx.remember(numeric_input=question is not None and question.type == "number")
    back = [] if draft.single and position == DATE else [_back(ctx)]
    if position == DATE:
        options = [
            ctx.option("report/today", flow.payload("date", "today")),
            ctx.option("report/yesterday", flow.payload("date", "yesterday")),
        ]
        ctx.say("report/ask_date", task=task, options=options + back, columns=2)
    elif question is not None:
        choices = [Option(c.label, flow.payload("choice", c.key)) for c in question.choices]
        ctx.say("report/ask_question", q=question, options=choices + back)
    elif position == DESCRIPTION:
        skip = [ctx.option("report/skip", flow.payload("skip"))]
        ctx.say("report/ask_description", options=skip + back, columns=2)
    elif position == PHOTOS:
        done = "report/photos_done" if draft.photos or draft.editing else "report/skip"
        remove = []
        if draft.photos:
            remove = [
                ctx.option("report/photo_remove_last", flow.payload("unphoto", "last")),
                ctx.option("report/photo_remove_all", flow.payload("unphoto", "all")),
            ]
        ctx.say(
            "report/ask_photos",
            count=len(draft.photos),
            max=MAX_PHOTOS,
            editing=draft.editing,
            options=[ctx.option(done, flow.payload("skip")), *remove[: len(draft.photos)], *back],
            columns=2,
        )
    else:
        await summary(ctx, task, draft)


def _back(ctx: Context) -> Option:
    return ctx.option("report/back", flow.payload("back"))


async def advance(ctx: Context, draft: ReportDraft, task: ReportableTask) -> None:
    """To the next step; after a quick start or a correction, only to what is still missing."""
    steps = positions(task)
    current = position_of(ctx)
    following = steps[steps.index(current) + 1 : -1] if current in steps else steps[:-1]
    for position in following:
        answered = position in (DATE, DESCRIPTION, PHOTOS) or (
            position.partition(":")[2] in draft.answers
        )
        if (draft.quick or draft.fixing) and answered:
            continue
        await ask(ctx, draft, position)
        return
    await ask(ctx, draft, CONFIRM)


async def step_back(ctx: Context) -> None:
    """One step back ('Quay lại'); from the date to the task list when there is one."""
    draft = replace(draft_of(ctx), quick=False, fixing=False)
    position = position_of(ctx)
    if position == DATE and not draft.single:
        await ask(ctx, ReportDraft(), TASK)
        return
    steps = positions(await task_of(ctx, draft))
    index = steps.index(position) if position in steps else 1
    await ask(ctx, draft, steps[max(index - 1, 0)])


async def summary(ctx: Context, task: ReportableTask, draft: ReportDraft) -> None:
    """What will be sent, and Xác nhận / Sửa / Hủy; a probable duplicate is said first."""
    figures = [(q.label, q.shown(draft.answers.get(q.key))) for q in task.reporting.questions]
    twin = None
    if draft.editing is None:
        twin = await find_duplicate(ctx.session, user=ctx.user, draft=draft.for_recording())
    options = [
        ctx.option("report/confirm", flow.payload("save"), duplicate=twin is not None),
        ctx.option("report/edit", flow.payload("edit")),
        ctx.option("report/cancel", "cmd:huy"),
    ]
    ctx.say(
        "report/summary",
        task=task,
        day=draft.day,
        figures=figures,
        description=draft.description,
        photos=len(draft.photos),
        editing=draft.editing,
        duplicate=twin,
        options=options,
        columns=3,
    )


@flow.resume
async def resume(ctx: Context) -> None:
    """Ask the current step's question again (after a greeting, or on /tiep)."""
    await ask(ctx, draft_of(ctx), position_of(ctx))
