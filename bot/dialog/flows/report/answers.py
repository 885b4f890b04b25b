"""Answers: what the official types or chooses at each step, and saving the report."""

from dataclasses import replace

from bot.dialog.context import Context
from bot.dialog.flows import period_note
from bot.dialog.flows.report.asking import advance, ask, step_back
from bot.dialog.flows.report.common import (
    CONFIRM,
    DATE,
    DESCRIPTION,
    MAX_PHOTOS,
    PHOTOS,
    QUESTION,
    REPORTERS,
    TASK,
    draft_of,
    flow,
    positions,
    task_of,
)
from bot.dialog.flows.report.draft import ReportDraft
from bot.messages import Incoming, InputKind, Option
from bot.services.core.errors import InvalidInput
from bot.services.plan.tasks import get_plan_info
from bot.services.reports.changes import correct_report
from bot.services.reports.input import check_description, find_task_in, parse_count, parse_date
from bot.services.reports.recording import (
    load_draft,
    record_report,
    reportable_task,
    reportable_tasks,
)

EVERY_STEP = (TASK, DATE, QUESTION, DESCRIPTION, PHOTOS, CONFIRM)


def _text(incoming: Incoming, step: str) -> str:
    """The typed text; anything else gets the step's one sentence."""
    if incoming.kind != InputKind.TEXT:
        raise InvalidInput(f"report/expected_{step}")
    return incoming.text.strip()


@flow.step(TASK)
async def typed_task(ctx: Context, incoming: Incoming) -> None:
    """A task typed by code or by a word of it."""
    tasks = await reportable_tasks(ctx.session, ctx.user)
    task, _ = find_task_in(_text(incoming, TASK), tasks)
    if task is None:
        raise InvalidInput("report/expected_task")
    await ask(ctx, ReportDraft(task=task.code), DATE)


@flow.step(DATE)
async def typed_date(ctx: Context, incoming: Incoming) -> None:
    """'hôm qua', '20/11'…"""
    await take_date(ctx, draft_of(ctx), _text(incoming, DATE))


@flow.step(QUESTION)
async def typed_answer(ctx: Context, incoming: Incoming) -> None:
    """A figure typed at a number question (a choice question takes its options only)."""
    draft = draft_of(ctx)
    task = await task_of(ctx, draft)
    question = task.reporting.question(draft.question or "")
    text = _text(incoming, QUESTION)
    if question is None or question.type == "choice":
        raise InvalidInput("report/expected_choice")
    await advance(ctx, draft.answered(question.key, parse_count(text, question)), task)


@flow.step(DESCRIPTION)
async def typed_description(ctx: Context, incoming: Incoming) -> None:
    """A short description."""
    draft = replace(draft_of(ctx), description=check_description(_text(incoming, DESCRIPTION)))
    await advance(ctx, draft, await task_of(ctx, draft))


@flow.step(PHOTOS)
async def sent_photo(ctx: Context, incoming: Incoming) -> None:
    """A photo as evidence (at most ten)."""
    draft = draft_of(ctx)
    if incoming.kind != InputKind.PHOTO or not incoming.photo_ref:
        raise InvalidInput("report/expected_photos")
    if len(draft.photos) >= MAX_PHOTOS:
        raise InvalidInput("report/too_many_photos", {"max": MAX_PHOTOS})
    await ask(ctx, replace(draft, photos=(*draft.photos, incoming.photo_ref)), PHOTOS)


@flow.step(CONFIRM)
async def typed_at_summary(ctx: Context, _incoming: Incoming) -> None:
    """Only the options answer the summary."""
    raise InvalidInput("report/expected_confirm")


async def take_date(ctx: Context, draft: ReportDraft, text: str) -> None:
    """The activity date, not in the future nor before the plan."""
    plan = await get_plan_info(ctx.session)
    today = ctx.now.astimezone(ctx.config.timezone).date()
    draft = replace(draft, day=parse_date(text, today=today, earliest=plan.start))
    await advance(ctx, draft, await task_of(ctx, draft))


@flow.button("task", roles=REPORTERS, at=(TASK,))
async def chosen_task(ctx: Context, code: str) -> None:
    """A task chosen from the list."""
    task = await reportable_task(ctx.session, ctx.user, code)
    await ask(ctx, ReportDraft(task=task.code), DATE)


@flow.button("date", roles=REPORTERS, at=(DATE,))
async def chosen_date(ctx: Context, which: str) -> None:
    """Hôm nay / Hôm qua."""
    await take_date(ctx, draft_of(ctx), "hom qua" if which == "yesterday" else "hom nay")


@flow.button("choice", roles=REPORTERS, at=(QUESTION,))
async def chosen_choice(ctx: Context, key: str) -> None:
    """An answer to a choice question."""
    draft = draft_of(ctx)
    task = await task_of(ctx, draft)
    question = task.reporting.question(draft.question or "")
    if question is None or key not in {c.key for c in question.choices}:
        raise InvalidInput("report/expected_choice")
    await advance(ctx, draft.answered(question.key, key), task)


@flow.button("skip", roles=REPORTERS, at=(DESCRIPTION, PHOTOS))
async def skipped(ctx: Context, _arg: str) -> None:
    """No description / no (more) photos."""
    draft = draft_of(ctx)
    await advance(ctx, draft, await task_of(ctx, draft))


@flow.button("unphoto", roles=REPORTERS, at=(PHOTOS,))
async def remove_photos(ctx: Context, which: str) -> None:
    """Take back the last photo sent ("last") or all of them ("all"), then ask again."""
    draft = draft_of(ctx)
    if which not in ("last", "all"):
        ctx.say("errors/stale_button")
        return
    kept = draft.photos[:-1] if which == "last" else ()
    ctx.say("report/photos_removed", removed=len(draft.photos) - len(kept), count=len(kept))
    await ask(ctx, replace(draft, photos=kept), PHOTOS)


@flow.button("back", roles=REPORTERS, at=(DATE, QUESTION, DESCRIPTION, PHOTOS))
async def back(ctx: Context, _arg: str) -> None:
    """One step back ('Quay lại')."""
    await step_back(ctx)


@flow.button("edit", roles=REPORTERS, at=(CONFIRM,))
async def edit(ctx: Context, _arg: str) -> None:
    """'Sửa': choose which part of the draft to change."""
    draft = draft_of(ctx)
    task = await task_of(ctx, draft)
    parts = [(DATE, "Ngày")] + [(f"{QUESTION}:{q.key}", q.label) for q in task.reporting.questions]
    parts += [(DESCRIPTION, "Mô tả"), (PHOTOS, "Ảnh")]
    options = [Option(label, flow.payload("goto", step)) for step, label in parts]
    ctx.say("report/edit_which", options=options, columns=2)


@flow.button("goto", roles=REPORTERS, at=(CONFIRM,))
async def goto(ctx: Context, position: str) -> None:
    """Re-answer one part, then come back to the summary."""
    draft = draft_of(ctx)
    if position not in positions(await task_of(ctx, draft))[:-1]:
        ctx.say("errors/stale_button")
        return
    await ask(ctx, replace(draft, fixing=True), position)


@flow.button("save", roles=REPORTERS, at=(CONFIRM,))
async def save(ctx: Context, _arg: str) -> None:
    """'Xác nhận': record (or correct) the report, then say its number."""
    draft = draft_of(ctx)
    recording = draft.for_recording()
    if draft.editing:
        await correct_report(
            ctx.session, user=ctx.user, report_id=draft.editing, draft=recording, now=ctx.now
        )
        number = draft.editing
    else:
        number = await record_report(
            ctx.session, user=ctx.user, draft=recording, channel=ctx.user.channel, now=ctx.now
        )
    ctx.finish()
    # Once per period and unit: difficulties, proposals, funding (flows/period_note.py).
    if not draft.editing and await period_note.ask_after_report(
        ctx, number=number, draft=recording
    ):
        return
    ctx.show_menu("report/recorded", number=number, corrected=bool(draft.editing))


async def reopen(ctx: Context, report_id: int) -> None:
    """Open one's own recorded report at the summary, to correct it."""
    recorded = await load_draft(ctx.session, user=ctx.user, report_id=report_id, now=ctx.now)
    draft = ReportDraft(
        task=recorded.task_code,
        single=True,
        day=recorded.activity_date,
        answers=recorded.answers,
        description=recorded.description,
        photos=recorded.photos,
        editing=report_id,
    )
    await ask(ctx, draft, CONFIRM)


@flow.step("step")
async def stored_before(ctx: Context, _incoming: Incoming) -> None:
    """A draft stored before the steps had their own states: ask its question again."""
    draft = ReportDraft.from_dict(ctx.data)
    step = str(ctx.data.get("step") or TASK)
    await ask(ctx, draft, step if step.partition(":")[0] in EVERY_STEP else TASK)
