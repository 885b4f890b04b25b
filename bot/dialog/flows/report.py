"""/baocao: an official reports what was done, step by step or in one message.

Steps: task → date → each question → description → photos → summary (Xác nhận / Sửa / Hủy).
The draft lives in the conversation state, so a restart continues it; nothing is stored until
the official confirms.
"""

import re
from datetime import date
from typing import Any

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Incoming, InputKind, Option
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.core.matching import fold
from bot.services.plan.tasks import get_plan_info
from bot.services.reports.changes import correct_report
from bot.services.reports.input import check_description, find_task_in, parse_count, parse_date
from bot.services.reports.recording import (
    Draft,
    ReportableTask,
    load_draft,
    record_report,
    reportable_task,
    reportable_tasks,
)

flow = Flow("report")
flow.menu_item("menu/report", "baocao", roles=(Role.OFFICIAL,), order=10)
REPORTERS = (Role.OFFICIAL, Role.COORDINATOR)
STATE = "report.step"
MAX_PHOTOS = 10
TASK_CODE = re.compile(r"^(I|II|III|IV)\.\d+$")


@flow.command("baocao", roles=REPORTERS, aliases=("bao cao", "gui bao cao"), takes_args=True)
async def start(ctx: Context, args: str) -> None:
    """Open the flow; `/baocao I.1 3 tin bài` goes as far as the message allows."""
    tasks = await reportable_tasks(ctx.session, ctx.user)
    if not tasks:
        raise InvalidInput("report/no_tasks")
    if args and await quick(ctx, args, explicit=True):
        return
    if len(tasks) == 1:
        await _begin(ctx, tasks[0], single=True)
        return
    ctx.go(STATE, step="task")
    await _ask(ctx)


async def _begin(ctx: Context, task: ReportableTask, *, single: bool) -> None:
    ctx.go(STATE, task=task.code, single=single, answers={}, photos=[], step="date")
    await _ask(ctx)


@flow.text
async def quick_from_text(ctx: Context, text: str) -> bool:
    """Free text naming an activity and a number, from an official, is a quick report."""
    if ctx.user.role != Role.OFFICIAL or not re.search(r"\d", text):
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
    number = re.search(r"[-\u2212\u2013\u2014]?\s*[0-9]", rest)
    if number is None:
        if explicit:
            await _begin(ctx, task, single=len(tasks) == 1)
            return True
        return False
    main = task.reporting.main
    value = parse_count(rest[number.start() :], main)
    folded = fold(text)
    day = "hom qua" if "hom qua" in folded else "hom nay"
    ctx.go(
        STATE,
        task=task.code,
        single=len(tasks) == 1,
        answers={main.key: value},
        photos=[],
        quick=True,
        step="date",
    )
    await _take_date(ctx, task, day)
    return True


# ----------------------------------------------------------------------------- asking


def _steps(task: ReportableTask) -> list[str]:
    return ["date", *(f"q:{q.key}" for q in task.reporting.questions), "desc", "photos", "confirm"]


async def _task(ctx: Context) -> ReportableTask:
    return await reportable_task(ctx.session, ctx.user, ctx.data["task"])


def _nav(ctx: Context) -> list[Option]:
    if ctx.data.get("step") == "task" or (ctx.data.get("single") and ctx.data["step"] == "date"):
        return []
    return [ctx.option("report/back", flow.payload("back"))]


async def _ask(ctx: Context) -> None:
    step = ctx.data["step"]
    if step == "task":
        tasks = await reportable_tasks(ctx.session, ctx.user)
        options = [
            ctx.option("report/task_option", flow.payload("task", t.code), task=t) for t in tasks
        ]
        ctx.say("report/ask_task", options=options)
        return
    task = await _task(ctx)
    ctx.remember(numeric_input=step.startswith("q:") and _is_number(task, step))
    if step == "date":
        options = [
            ctx.option("report/today", flow.payload("date", "today")),
            ctx.option("report/yesterday", flow.payload("date", "yesterday")),
        ]
        ctx.say("report/ask_date", task=task, options=options + _nav(ctx), columns=2)
    elif step.startswith("q:"):
        question = task.reporting.question(step[2:])
        assert question is not None  # noqa: S101 (steps come from the same questions)
        choices = [Option(c.label, flow.payload("choice", c.key)) for c in question.choices]
        ctx.say("report/ask_question", q=question, options=choices + _nav(ctx))
    elif step == "desc":
        skip = [ctx.option("report/skip", flow.payload("skip"))]
        ctx.say("report/ask_description", options=skip + _nav(ctx), columns=2)
    elif step == "photos":
        done = "report/photos_done" if ctx.data["photos"] else "report/skip"
        ctx.say(
            "report/ask_photos",
            count=len(ctx.data["photos"]),
            max=MAX_PHOTOS,
            options=[ctx.option(done, flow.payload("skip")), *_nav(ctx)],
            columns=2,
        )
    else:
        await _summary(ctx, task)


@flow.resume
async def resume(ctx: Context) -> None:
    """Ask the current step's question again (after a greeting, or on /tiep)."""
    await _ask(ctx)


def _is_number(task: ReportableTask, step: str) -> bool:
    question = task.reporting.question(step[2:])
    return question is not None and question.type == "number"


async def _advance(ctx: Context, task: ReportableTask) -> None:
    """To the next step; after a quick start or a correction, only to what is still missing."""
    steps = _steps(task)
    answers = ctx.data["answers"]
    only_missing = ctx.data.get("quick") or ctx.data.get("fixing")
    current = ctx.data["step"]
    following = steps[steps.index(current) + 1 : -1] if current in steps else steps[:-1]
    for step in following:
        answered = step == "date" or step in ("desc", "photos") or step[2:] in answers
        if only_missing and answered:
            continue
        ctx.remember(step=step)
        await _ask(ctx)
        return
    ctx.remember(step="confirm")
    await _ask(ctx)


async def _summary(ctx: Context, task: ReportableTask) -> None:
    answers = ctx.data["answers"]
    figures = []
    for question in task.reporting.questions:
        value = answers.get(question.key)
        shown = (
            question.choice_label(value)
            if question.type == "choice"
            else f"{value} {question.unit or ''}"
        )
        figures.append((question.label, shown.strip()))
    options = [
        ctx.option("report/confirm", flow.payload("save")),
        ctx.option("report/edit", flow.payload("edit")),
        ctx.option("report/cancel", "cmd:huy"),
    ]
    ctx.say(
        "report/summary",
        task=task,
        day=date.fromisoformat(ctx.data["date"]),
        figures=figures,
        description=ctx.data.get("desc"),
        photos=len(ctx.data["photos"]),
        editing=ctx.data.get("editing"),
        options=options,
        columns=3,
    )


# ----------------------------------------------------------------------------- answers


@flow.step("step")
async def typed(ctx: Context, incoming: Incoming) -> None:
    """What the official typed (or sent) at the current step."""
    step = ctx.data["step"]
    if step == "photos" and incoming.kind == InputKind.PHOTO and incoming.photo_ref:
        await _take_photo(ctx, incoming.photo_ref)
        return
    if incoming.kind != InputKind.TEXT:
        raise InvalidInput(f"report/expected_{step.split(':')[0]}")
    text = incoming.text.strip()
    if step == "task":
        tasks = await reportable_tasks(ctx.session, ctx.user)
        task, _ = find_task_in(text, tasks)
        if task is None:
            raise InvalidInput("report/expected_task")
        await _begin(ctx, task, single=False)
        return
    task = await _task(ctx)
    if step == "date":
        await _take_date(ctx, task, text)
    elif step.startswith("q:"):
        question = task.reporting.question(step[2:])
        assert question is not None  # noqa: S101
        if question.type == "choice":
            raise InvalidInput("report/expected_choice")
        ctx.data["answers"][question.key] = parse_count(text, question)
        await _advance(ctx, task)
    elif step == "desc":
        ctx.remember(desc=check_description(text))
        await _advance(ctx, task)
    elif step == "photos":
        raise InvalidInput("report/expected_photos")
    else:
        raise InvalidInput("report/expected_confirm")


async def _take_date(ctx: Context, task: ReportableTask, text: str) -> None:
    plan = await get_plan_info(ctx.session)
    today = ctx.now.astimezone(ctx.config.timezone).date()
    day = parse_date(text, today=today, earliest=plan.start)
    ctx.remember(date=day.isoformat())
    await _advance(ctx, task)


async def _take_photo(ctx: Context, ref: str) -> None:
    photos: list[str] = ctx.data["photos"]
    if len(photos) >= MAX_PHOTOS:
        raise InvalidInput("report/too_many_photos", {"max": MAX_PHOTOS})
    photos.append(ref)
    await _ask(ctx)


def _in_flow(ctx: Context, *steps: str) -> bool:
    """Whether the draft is at one of these steps (the engine checked role and state)."""
    return not steps or ctx.data.get("step", "").split(":")[0] in steps


@flow.button("task", roles=REPORTERS, at=("step",))
async def chosen_task(ctx: Context, code: str) -> None:
    """A task chosen from the list."""
    if not _in_flow(ctx, "task"):
        ctx.say("errors/stale_button")
        return
    await _begin(ctx, await reportable_task(ctx.session, ctx.user, code), single=False)


@flow.button("date", roles=REPORTERS, at=("step",))
async def chosen_date(ctx: Context, which: str) -> None:
    """Hôm nay / Hôm qua."""
    if not _in_flow(ctx, "date"):
        ctx.say("errors/stale_button")
        return
    await _take_date(ctx, await _task(ctx), "hom qua" if which == "yesterday" else "hom nay")


@flow.button("choice", roles=REPORTERS, at=("step",))
async def chosen_choice(ctx: Context, key: str) -> None:
    """An answer to a choice question."""
    if not _in_flow(ctx, "q"):
        ctx.say("errors/stale_button")
        return
    task = await _task(ctx)
    question = task.reporting.question(ctx.data["step"][2:])
    if question is None or key not in {c.key for c in question.choices}:
        raise InvalidInput("report/expected_choice")
    ctx.data["answers"][question.key] = key
    await _advance(ctx, task)


@flow.button("skip", roles=REPORTERS, at=("step",))
async def skipped(ctx: Context, _arg: str) -> None:
    """No description / no (more) photos."""
    if not _in_flow(ctx, "desc", "photos"):
        ctx.say("errors/stale_button")
        return
    await _advance(ctx, await _task(ctx))


@flow.button("back", roles=REPORTERS, at=("step",))
async def back(ctx: Context, _arg: str) -> None:
    """One step back ('Quay lại')."""
    if not _in_flow(ctx):
        ctx.say("errors/stale_button")
        return
    if ctx.data["step"] == "date" and not ctx.data.get("single"):
        ctx.go(STATE, step="task")
        await _ask(ctx)
        return
    steps = _steps(await _task(ctx))
    index = steps.index(ctx.data["step"]) if ctx.data["step"] in steps else 1
    ctx.remember(step=steps[max(index - 1, 0)], quick=False, fixing=False)
    await _ask(ctx)


@flow.button("edit", roles=REPORTERS, at=("step",))
async def edit(ctx: Context, _arg: str) -> None:
    """'Sửa': choose which part of the draft to change."""
    if not _in_flow(ctx, "confirm"):
        ctx.say("errors/stale_button")
        return
    task = await _task(ctx)
    parts = [("date", "Ngày")] + [(f"q:{q.key}", q.label) for q in task.reporting.questions]
    parts += [("desc", "Mô tả")] + ([] if ctx.data.get("editing") else [("photos", "Ảnh")])
    options = [Option(label, flow.payload("goto", step)) for step, label in parts]
    ctx.say("report/edit_which", options=options, columns=2)


@flow.button("goto", roles=REPORTERS, at=("step",))
async def goto(ctx: Context, step: str) -> None:
    """Re-answer one part, then come back to the summary."""
    if not _in_flow(ctx, "confirm") or step not in _steps(await _task(ctx)):
        ctx.say("errors/stale_button")
        return
    ctx.remember(step=step, fixing=True)
    await _ask(ctx)


@flow.button("save", roles=REPORTERS, at=("step",))
async def save(ctx: Context, _arg: str) -> None:
    """'Xác nhận': record (or correct) the report, then say its number."""
    if not _in_flow(ctx, "confirm"):
        ctx.say("errors/stale_button")
        return
    draft = _draft(ctx.data)
    editing = ctx.data.get("editing")
    if editing:
        await correct_report(
            ctx.session, user=ctx.user, report_id=editing, draft=draft, now=ctx.now
        )
        number = editing
    else:
        number = await record_report(
            ctx.session, user=ctx.user, draft=draft, channel=ctx.user.channel, now=ctx.now
        )
    ctx.finish()
    ctx.show_menu("report/recorded", number=number, corrected=bool(editing))


async def reopen(ctx: Context, report_id: int) -> None:
    """Open one's own recorded report at the summary, to correct it."""
    draft = await load_draft(ctx.session, user=ctx.user, report_id=report_id, now=ctx.now)
    ctx.go(
        STATE,
        task=draft.task_code,
        single=True,
        answers=draft.answers,
        photos=[],
        date=draft.activity_date.isoformat(),
        desc=draft.description,
        editing=report_id,
        step="confirm",
    )
    await _ask(ctx)


def _draft(data: dict[str, Any]) -> Draft:
    return Draft(
        task_code=data["task"],
        activity_date=date.fromisoformat(data["date"]),
        answers=dict(data["answers"]),
        description=data.get("desc"),
        photos=tuple(data.get("photos") or ()),
    )
