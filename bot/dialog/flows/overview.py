"""/tongquan: the targets now; `/tongquan I.1` for a task; `/tongquan <xã>` for a unit."""

import re

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Attachment, Option
from bot.services.core.access import Role
from bot.services.core.errors import NotFound
from bot.services.insights import exports, status
from bot.services.insights.charts import ChartFiles, chart_stem, draw, heatmap_values
from bot.services.insights.digests import coordinator_digest
from bot.services.plan.tasks import get_plan_info, list_tasks
from bot.services.plan.units import find_units

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
