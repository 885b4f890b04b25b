"""/lichsu: a unit's recent reports, corrections and withdrawals; /xacminh: coordinators review."""

from collections.abc import Callable

from bot.dialog.context import Context
from bot.dialog.flows.report import reopen
from bot.dialog.router import Flow
from bot.messages import Action, Incoming, InputKind, Option
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.reports.changes import (
    list_unreviewed,
    review_report,
    withdraw_report,
)
from bot.services.reports.counting import ReportStatus
from bot.services.reports.recording import ReportView, list_recent, load_report

flow = Flow("history")
flow.menu_item("menu/history", "lichsu", roles=(Role.OFFICIAL, Role.COORDINATOR), order=11)
flow.menu_item("menu/review", "xacminh", roles=(Role.COORDINATOR,), order=32)
MAX_REASON = 500
READERS = (Role.OFFICIAL, Role.COORDINATOR)
COORDINATOR = (Role.COORDINATOR,)


@flow.command("lichsu", roles=(Role.OFFICIAL, Role.COORDINATOR), aliases=("lich su",))
async def history(ctx: Context, _args: str) -> None:
    """The latest reports, each openable."""
    reports = await list_recent(ctx.session, user=ctx.user, now=ctx.now)
    if not reports:
        ctx.show_menu("history/empty")
        return
    options = [ctx.option("history/option", flow.payload("view", r.id), r=r) for r in reports]
    ctx.say("history/list", reports=reports, options=options)


@flow.button("view", roles=READERS, numeric=True)
async def view(ctx: Context, arg: str) -> None:
    """One report in full, with Sửa / Rút lại for its author within 7 days."""
    report = await load_report(ctx.session, user=ctx.user, report_id=int(arg), now=ctx.now)
    options = []
    if report.can_change:
        options = [
            ctx.option("history/fix", flow.payload("fix", report.id)),
            ctx.option("history/withdraw", flow.payload("withdraw", report.id)),
        ]
    ctx.say("history/report", r=report, options=options, columns=2)


@flow.button("fix", roles=READERS, numeric=True)
async def fix(ctx: Context, arg: str) -> None:
    """Reopen one's own report in the report flow, at its summary."""
    report = await load_report(ctx.session, user=ctx.user, report_id=int(arg), now=ctx.now)
    if not report.can_change:
        raise InvalidInput("report/cannot_change", {"id": report.id})
    await reopen(ctx, report.id)


@flow.button("withdraw", roles=READERS, numeric=True)
async def withdraw(ctx: Context, arg: str) -> None:
    """Ask before withdrawing."""
    report = await load_report(ctx.session, user=ctx.user, report_id=int(arg), now=ctx.now)
    options = [
        ctx.option("history/withdraw_yes", flow.payload("withdrawyes", report.id)),
        ctx.option("history/withdraw_no", flow.payload("view", report.id)),
    ]
    ctx.say("history/withdraw_confirm", r=report, options=options, columns=2)


@flow.button("withdrawyes", roles=READERS, numeric=True)
async def withdraw_yes(ctx: Context, arg: str) -> None:
    """Withdraw: the report stays in history but no longer counts."""
    await withdraw_report(ctx.session, user=ctx.user, report_id=int(arg), now=ctx.now)
    ctx.show_menu("history/withdrawn", number=int(arg))


@flow.action(Action.REVIEW_REPORTS, roles=COORDINATOR)
@flow.command("xacminh", roles=(Role.COORDINATOR,), aliases=("xac minh", "duyet bao cao"))
async def pending(ctx: Context, _args: str) -> None:
    """Reports waiting for review, oldest first, each with Xác minh / Từ chối."""
    reports = await list_unreviewed(ctx.session, actor=ctx.user, now=ctx.now)
    if not reports:
        ctx.show_menu("history/none_to_review")
        return
    for report in reports:
        options = [
            ctx.option("history/verify", flow.payload("verify", report.id), id=report.id),
            ctx.option("history/reject", flow.payload("reject", report.id), id=report.id),
        ]
        ctx.say("history/report", r=report, options=options, columns=2)


@flow.button("verify", roles=COORDINATOR, numeric=True)
async def verify(ctx: Context, arg: str) -> None:
    """Mark a report verified and tell its author."""
    outcome = await review_report(
        ctx.session, actor=ctx.user, report_id=int(arg), verified=True, reason=None, now=ctx.now
    )
    await _tell(ctx, outcome.reporter_id, outcome.report)
    ctx.say("history/verified", r=outcome.report)


@flow.button("reject", roles=COORDINATOR, numeric=True)
async def reject(ctx: Context, arg: str) -> None:
    """Ask the coordinator for the reason."""
    report = await load_report(ctx.session, user=ctx.user, report_id=int(arg), now=ctx.now)
    if report.status != ReportStatus.SUBMITTED:
        raise InvalidInput("report/already_reviewed", {"id": report.id})
    ctx.go("history.reason", report=report.id)
    ctx.say("history/ask_reason", r=report)


@flow.step("reason")
async def reason(ctx: Context, incoming: Incoming) -> None:
    """The reason typed: reject, tell the author."""
    text = incoming.text.strip() if incoming.kind == InputKind.TEXT else ""
    outcome = await review_report(
        ctx.session,
        actor=ctx.user,
        report_id=ctx.data["report"],
        verified=False,
        reason=text,
        now=ctx.now,
    )
    ctx.finish()
    await _tell(ctx, outcome.reporter_id, outcome.report)
    ctx.say("history/rejected", r=outcome.report)


async def _tell(ctx: Context, reporter_id: int | None, report: ReportView) -> None:
    if reporter_id is not None:
        await ctx.notify(
            reporter_id,
            f"history/told_{report.status}",
            r=report,
            options=[open_button(ctx.render, report.id)],
        )


def open_button(render: Callable[..., str], report_id: int) -> Option:
    """The button under "your report was verified/rejected" that opens it (also sent when the
    review is made on the web dashboard)."""
    return Option(render("history/open"), flow.payload("view", report_id))


@flow.resume
async def resume(ctx: Context) -> None:
    """Ask for the reason again (after a greeting, or on /tiep)."""
    report = await load_report(
        ctx.session, user=ctx.user, report_id=ctx.data["report"], now=ctx.now
    )
    ctx.say("history/ask_reason", r=report)
