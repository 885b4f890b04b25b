"""After a report, once per period and unit: difficulties, proposals and (lead departments)
the funding used. Each may be skipped; the answers feed the periodic report."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Incoming, InputKind
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.reports.period_notes import (
    NotePeriod,
    check_note,
    note_due,
    parse_funding,
    save_note,
)
from bot.services.reports.recording import Draft

flow = Flow("period_note")
REPORTERS = (Role.OFFICIAL, Role.COORDINATOR)
STEPS = ("difficulties", "proposals", "funding")


async def ask_after_report(ctx: Context, *, number: int, draft: Draft) -> bool:
    """Say the report was recorded and ask the first question, if the period's note is due."""
    due = await note_due(
        ctx.session, user=ctx.user, task_code=draft.task_code, activity_date=draft.activity_date
    )
    if due is None:
        return False
    ctx.say("report/recorded_short", number=number)
    ctx.go("period_note.difficulties", period=_values(due), answers={})
    _ask(ctx, "difficulties")
    return True


def _values(due: NotePeriod) -> dict[str, object]:
    return {
        "key": due.key,
        "kind": due.kind,
        "number": due.number,
        "year": due.year,
        "funding": due.asks_funding,
    }


def _ask(ctx: Context, step: str) -> None:
    period = ctx.data["period"]
    skip = ctx.option("report/skip", flow.payload("skip", step))
    ctx.say(
        f"period_note/ask_{step}",
        options=[skip],
        **{k: period[k] for k in ("kind", "number", "year")},
    )


@flow.step("difficulties")
async def difficulties(ctx: Context, incoming: Incoming) -> None:
    """A short text of difficulties."""
    await _take(ctx, "difficulties", _text(incoming))


@flow.step("proposals")
async def proposals(ctx: Context, incoming: Incoming) -> None:
    """A short text of proposals."""
    await _take(ctx, "proposals", _text(incoming))


@flow.step("funding")
async def funding(ctx: Context, incoming: Incoming) -> None:
    """The funding used in the period, million VND."""
    if incoming.kind != InputKind.TEXT:
        raise InvalidInput("period_note/funding_expected")
    await _take(ctx, "funding", parse_funding(incoming.text))


def _text(incoming: Incoming) -> str:
    if incoming.kind != InputKind.TEXT:
        raise InvalidInput("period_note/text_expected")
    return check_note(incoming.text)


@flow.button("skip", roles=REPORTERS, at=STEPS)
async def skip(ctx: Context, step: str) -> None:
    """'Bỏ qua': nothing to say for this question (an old button of another step is stale)."""
    if ctx.state != f"period_note.{step}":
        ctx.say("errors/stale_button")
        return
    await _take(ctx, step, None)


async def _take(ctx: Context, step: str, value: object) -> None:
    answers = {**ctx.data["answers"], step: value}
    period = ctx.data["period"]
    following = {"difficulties": "proposals", "proposals": "funding" if period["funding"] else None}
    after = following.get(step)
    if after:
        ctx.go(f"period_note.{after}", period=period, answers=answers)
        _ask(ctx, after)
        return
    funding_used = answers.get("funding")
    await save_note(
        ctx.session,
        user=ctx.user,
        period_key=period["key"],
        difficulties=_str(answers.get("difficulties")),
        proposals=_str(answers.get("proposals")),
        funding_used=float(funding_used) if isinstance(funding_used, int | float) else None,
        now=ctx.now,
    )
    ctx.finish()
    ctx.show_menu("period_note/saved", said=any(v is not None for v in answers.values()))


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


@flow.resume
async def resume(ctx: Context) -> None:
    """Ask the current question again (after a greeting, or on /tiep after an interruption)."""
    _ask(ctx, (ctx.state or "").partition(".")[2])
