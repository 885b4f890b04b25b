"""The report flow's object, who may report, its steps and how the draft moves between them."""

from dataclasses import replace

from bot.dialog.context import Context
from bot.dialog.flows.report.draft import ReportDraft
from bot.dialog.router import Flow
from bot.services.core.access import Role
from bot.services.reports.recording import ReportableTask, reportable_task

flow = Flow("report")
flow.menu_item("menu/report", "baocao", roles=(Role.OFFICIAL,), order=10)
REPORTERS = (Role.OFFICIAL, Role.COORDINATOR)
MAX_PHOTOS = 10
# Steps, each a state `report.<step>`; at QUESTION the draft says which question.
TASK, DATE, QUESTION, DESCRIPTION, PHOTOS, CONFIRM = (
    "task",
    "date",
    "q",
    "desc",
    "photos",
    "confirm",
)


def positions(task: ReportableTask) -> list[str]:
    """The parts of a report in order: "date", "q:<key>"…, "desc", "photos", "confirm"."""
    questions = [f"{QUESTION}:{q.key}" for q in task.reporting.questions]
    return [DATE, *questions, DESCRIPTION, PHOTOS, CONFIRM]


def draft_of(ctx: Context) -> ReportDraft:
    """The draft in the conversation."""
    return ReportDraft.from_dict(ctx.data.get("draft") or {})


def position_of(ctx: Context) -> str:
    """Where the draft stands: the step, with the question's key at a question."""
    step = (ctx.state or "").removeprefix(f"{flow.name}.")
    return f"{QUESTION}:{draft_of(ctx).question}" if step == QUESTION else step


def move(ctx: Context, draft: ReportDraft, position: str) -> ReportDraft:
    """Put the draft at a position (a registered step); returns the draft as stored."""
    step, _, key = position.partition(":")
    draft = replace(draft, question=key or None)
    ctx.go(f"{flow.name}.{step}", draft=draft.to_dict())
    return draft


async def task_of(ctx: Context, draft: ReportDraft) -> ReportableTask:
    """The draft's task, checked again against the user's unit."""
    if draft.task is None:
        msg = "the draft has no task yet"
        raise ValueError(msg)
    return await reportable_task(ctx.session, ctx.user, draft.task)
