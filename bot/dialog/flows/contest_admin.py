"""/ketquathi: coordinators create, open and close contest rounds, read and publish results."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Attachment, Incoming, InputKind, Option
from bot.services.contest import registry, results
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.insights.contest_export import round_sheets, write_round

flow = Flow("kqthi")
COORDINATOR = (Role.COORDINATOR,)
flow.menu_item("menu/contest_results", "ketquathi", roles=COORDINATOR, order=31)
flow.state("confirm")


@flow.command("ketquathi", roles=COORDINATOR, aliases=("ket qua thi", "quan ly thi"))
async def overview(ctx: Context, _args: str) -> None:
    """The current round's summary (or an offer to create the first round)."""
    ctx.finish()
    rounds = await registry.list_rounds(ctx.session)
    if not rounds:
        ctx.say(
            "contest_admin/none", options=[ctx.option("contest_admin/new", flow.payload("new"))]
        )
        return
    shown = await registry.current_round(ctx.session, now=ctx.now) or rounds[0]
    await _show(ctx, shown.id)


async def _show(ctx: Context, round_id: int) -> None:
    summary = await results.summarize_round(
        ctx.session, actor_role=ctx.user.role, round_id=round_id, now=ctx.now
    )
    actions = {
        "draft": ("contest_admin/open", "open"),
        "scheduled": ("contest_admin/close", "close"),
        "open": ("contest_admin/close", "close"),
        "closed": ("contest_admin/publish", "publish"),
    }
    options = []
    if summary.state in actions:
        label, action = actions[summary.state]
        options.append(ctx.option(label, flow.payload(action, round_id)))
    options.append(ctx.option("contest_admin/xlsx", flow.payload("xlsx", round_id)))
    others = [r for r in await registry.list_rounds(ctx.session) if r.id != round_id]
    options += [
        ctx.option("contest_admin/round_button", flow.payload("round", r.id), number=r.number)
        for r in others[:4]
    ]
    options.append(ctx.option("contest_admin/new", flow.payload("new")))
    ctx.say("contest_admin/summary", s=summary, tz=ctx.config.timezone, options=options)


@flow.button("round", roles=COORDINATOR, numeric=True)
async def show_round(ctx: Context, arg: str) -> None:
    """Another round's summary."""
    await _show(ctx, int(arg))


@flow.button("open", roles=COORDINATOR, numeric=True)
async def open_round(ctx: Context, arg: str) -> None:
    """Open a draft round."""
    opened = await registry.open_round(
        ctx.session, actor_role=ctx.user.role, round_id=int(arg), now=ctx.now
    )
    ctx.say("contest_admin/opened", round=opened, tz=ctx.config.timezone)


@flow.button("close", roles=COORDINATOR, numeric=True)
async def ask_close(ctx: Context, arg: str) -> None:
    """Closing cannot be undone: ask first."""
    await _confirm(ctx, "close", int(arg))


@flow.button("publish", roles=COORDINATOR, numeric=True)
async def ask_publish(ctx: Context, arg: str) -> None:
    """Publishing tells every participant: ask first."""
    await _confirm(ctx, "publish", int(arg))


async def _confirm(ctx: Context, action: str, round_id: int) -> None:
    contest_round = await registry.get_round(ctx.session, round_id)
    ctx.go("kqthi.confirm", action=action, round=round_id)
    ctx.say(
        f"contest_admin/confirm_{action}",
        round=contest_round,
        options=[
            ctx.option("contest_admin/yes", flow.payload("yes", round_id)),
            ctx.option("contest_admin/no", flow.payload("no")),
        ],
        columns=2,
    )


@flow.button("yes", roles=COORDINATOR, at=("confirm",), numeric=True)
async def confirmed(ctx: Context, arg: str) -> None:
    """Do what was asked for this round."""
    if int(arg) != int(ctx.data["round"]):
        ctx.say("errors/stale_button")
        return
    action = ctx.data["action"]
    ctx.finish()
    if action == "close":
        closed = await results.close_round(
            ctx.session, actor_role=ctx.user.role, round_id=int(arg), now=ctx.now
        )
        ctx.say("contest_admin/closed", round=closed)
    else:
        queued = await results.publish_results(
            ctx.session, actor_role=ctx.user.role, round_id=int(arg), now=ctx.now, texts=ctx.texts
        )
        ctx.queued += queued
        ctx.say("contest_admin/published", count=queued)


@flow.button("no", roles=COORDINATOR)
async def cancelled(ctx: Context, _arg: str) -> None:
    """Nothing done."""
    ctx.finish()
    ctx.say("contest_admin/kept")


@flow.button("xlsx", roles=COORDINATOR, numeric=True)
async def export(ctx: Context, arg: str) -> None:
    """The round's Excel workbook as a file."""
    contest_round = await registry.get_round(ctx.session, int(arg))
    now, tz, directory = ctx.now, ctx.config.timezone, ctx.config.export_dir
    sheets = await round_sheets(
        ctx.session, actor_role=ctx.user.role, round_id=int(arg), now=now, tz=tz
    )
    name = f"ket-qua-thi-dot-{contest_round.number}.xlsx"

    async def workbook() -> Attachment:
        path = await write_round(sheets, directory=directory, now=now, tz=tz)
        return Attachment("document", str(path), name)

    ctx.say_with_file("contest_admin/export", workbook, round=contest_round)


@flow.button("new", roles=COORDINATOR)
async def ask_dates(ctx: Context, _arg: str) -> None:
    """A new round: ask its dates."""
    ctx.go("kqthi.dates")
    ctx.say("contest_admin/ask_dates")


@flow.step("dates")
async def typed_dates(ctx: Context, incoming: Incoming) -> None:
    """'1/12/2026 - 15/12/2026': a draft round with the contest's settings."""
    if incoming.kind != InputKind.TEXT:
        raise InvalidInput("contest/dates_invalid")
    starts, ends = registry.parse_window(incoming.text, tz=ctx.config.timezone)
    created = await registry.create_round(
        ctx.session, actor_role=ctx.user.role, starts_at=starts, ends_at=ends, now=ctx.now
    )
    ctx.finish()
    ctx.say(
        "contest_admin/created",
        round=created,
        tz=ctx.config.timezone,
        options=[Option(ctx.render("contest_admin/open"), flow.payload("open", created.id))],
    )
