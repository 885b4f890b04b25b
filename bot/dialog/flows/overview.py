"""/tongquan: the targets now; `/tongquan I.1` for a task; `/tongquan <xã>` for a unit."""

import re

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Attachment, Incoming, InputKind, Option
from bot.services.core.access import Role
from bot.services.core.errors import NotFound
from bot.services.insights import exports, status
from bot.services.insights.charts import ChartFiles, chart_stem, draw, heatmap_values
from bot.services.insights.digests import coordinator_digest
from bot.services.insights.summary import build_summary
from bot.services.plan.tasks import get_plan_info, list_tasks
from bot.services.plan.units import find_typed_units, find_units

flow = Flow("overview")
COORDINATOR = (Role.COORDINATOR,)
flow.menu_item("menu/overview", "tongquan", roles=COORDINATOR, order=29)
TASK_CODE = re.compile(r"^(I|II|III|IV)\.\d+$", re.IGNORECASE)


@flow.command("tongquan", roles=COORDINATOR, aliases=("tong quan", "tinh hinh"), takes_args=True)
async def overview(ctx: Context, args: str) -> None:
    """The digest of the last seven days, or a task's or a unit's status."""
    text = args.strip()
    if TASK_CODE.match(text):
        await _task(ctx, text)
    elif text:
        found = await find_units(ctx.session, text[:100], limit=3)
        if not found:
            raise NotFound("status/no_unit", {"typed": text[:100]})
        await _unit(ctx, found[0].id)
    else:
        await _summary(ctx)


async def _summary(ctx: Context) -> None:
    """One phone screen: targets behind, communes silent, reports waiting; then the ways on."""
    shown = await build_summary(
        ctx.session, actor_role=ctx.user.role, now=ctx.now, tz=ctx.config.timezone
    )
    options = [
        ctx.option("status/full_button", flow.payload("full")),
        ctx.option("status/tasks_button", flow.payload("tasks")),
        ctx.option("status/commune_button", flow.payload("commune")),
    ]
    if shown.waiting:
        options.append(ctx.option("status/review_button", "cmd:xacminh", count=shown.waiting))
    options.append(ctx.option("status/export_button", "cmd:xuatexcel:"))
    ctx.say("status/summary", s=shown, options=options, columns=2)


@flow.button("full", roles=COORDINATOR)
async def full_digest(ctx: Context, _arg: str) -> None:
    """The whole digest of the last seven days, the heatmap, then the tasks to open."""
    digest = await coordinator_digest(
        ctx.session, actor_role=ctx.user.role, now=ctx.now, tz=ctx.config.timezone
    )
    tasks = await list_tasks(ctx.session) + await list_tasks(ctx.session, kind="duty")
    options = [Option(t.code, flow.payload("task", t.code)) for t in tasks]
    # One list, so that on channels without buttons every number stays valid.
    options.append(ctx.option("status/export_button", "cmd:xuatexcel:"))
    ctx.say("digest/weekly", d=digest, options=options, columns=5)
    await _heatmap(ctx)
    ctx.say("status/hint")


@flow.button("tasks", roles=COORDINATOR)
async def choose_task(ctx: Context, _arg: str) -> None:
    """The plan's tasks and duties to open one."""
    tasks = await list_tasks(ctx.session) + await list_tasks(ctx.session, kind="duty")
    options = [Option(t.code, flow.payload("task", t.code)) for t in tasks]
    ctx.say("status/choose_task", tasks=tasks, options=options, columns=5)


@flow.button("commune", roles=COORDINATOR)
async def ask_commune(ctx: Context, _arg: str) -> None:
    """Ask which commune or ward (or department) to show."""
    ctx.go("overview.commune")
    ctx.say("status/ask_commune")


@flow.resume
async def resume(ctx: Context) -> None:
    """Ask for the commune again (after a greeting, or on /tiep)."""
    ctx.say("status/ask_commune")


@flow.step("commune")
async def typed_commune(ctx: Context, incoming: Incoming) -> None:
    """The units matching the typed name, to choose one."""
    text = incoming.text if incoming.kind == InputKind.TEXT else ""
    found = await find_typed_units(ctx.session, text)
    if len(found) == 1:
        ctx.finish()
        await _unit(ctx, found[0].id)
        return
    options = [
        ctx.option("onboarding/unit_option", flow.payload("unit", u.id), unit=u) for u in found
    ]
    ctx.say("onboarding/choose_unit", options=options)


@flow.button("unit", roles=COORDINATOR, at=("commune",), numeric=True)
async def chosen_unit(ctx: Context, arg: str) -> None:
    """The chosen unit's status."""
    ctx.finish()
    await _unit(ctx, int(arg))


def chart_files(ctx: Context) -> ChartFiles:
    """Where this bot keeps its pictures and the font they are drawn with."""
    return ChartFiles(ctx.config.chart_dir, ctx.config.content_dir / "fonts" / "DejaVuSans.ttf")


async def _heatmap(ctx: Context) -> None:
    """Communes × months of the reporting year as a picture (drawn off the event loop)."""
    values = await heatmap_values(ctx.session, texts=ctx.texts, now=ctx.now, tz=ctx.config.timezone)
    day = ctx.now.astimezone(ctx.config.timezone).date()
    files = chart_files(ctx)

    async def picture() -> Attachment:
        path = await draw(values, files=files, stem=chart_stem("heatmap", day))
        return Attachment("photo", str(path))

    ctx.say_with_file("status/heatmap", picture)


@flow.button("task", roles=COORDINATOR)
async def task_button(ctx: Context, code: str) -> None:
    """Drill down into a task."""
    await _task(ctx, code)


async def _year(ctx: Context) -> int:
    """The reporting year of today (15/12 of the year before to 14/12)."""
    plan = await get_plan_info(ctx.session)
    return plan.reporting_year(ctx.now.astimezone(ctx.config.timezone).date())


async def _task(ctx: Context, code: str) -> None:
    year = await _year(ctx)
    result = await status.task_status(ctx.session, actor_role=ctx.user.role, code=code, year=year)
    ctx.say("status/task", s=result)


async def _unit(ctx: Context, unit_id: int) -> None:
    year = await _year(ctx)
    result = await status.unit_status(
        ctx.session, actor_role=ctx.user.role, unit_id=unit_id, year=year
    )
    ctx.say("status/unit", s=result)


@flow.command("xuatexcel", roles=COORDINATOR, aliases=("xuat excel", "xuat bao cao"))
async def export(ctx: Context, _args: str) -> None:
    """The Excel export (reports, targets, units) sent as a file."""
    now, tz, directory = ctx.now, ctx.config.timezone, ctx.config.export_dir
    sheets = await exports.read_for_chat(ctx.session, actor_role=ctx.user.role, now=now, tz=tz)
    local = now.astimezone(tz)

    async def workbook() -> Attachment:
        path = await exports.write_workbook(sheets, directory=directory, now=now, tz=tz)
        return Attachment("document", str(path), f"SXTDBV-{local:%Y-%m-%d}.xlsx")

    ctx.say_with_file("status/export", workbook, when=local, personal=sheets.personal)
