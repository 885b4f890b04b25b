"""/baocaoky: the periodic report of Sở Công Thương as a Word file, for coordinators."""

import asyncio

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Attachment
from bot.services.core.access import Role
from bot.services.documents.reports import build_document
from bot.services.insights.exports import save_file
from bot.services.insights.periodic_report import assemble_report, file_name, find_period

flow = Flow("periodic_report")
COORDINATOR = (Role.COORDINATOR,)
flow.menu_item("menu/periodic_report", "baocaoky", roles=COORDINATOR, order=31)


@flow.command(
    "baocaoky", roles=COORDINATOR, aliases=("bao cao ky", "bao cao dinh ky"), takes_args=True
)
async def periodic_report(ctx: Context, args: str) -> None:
    """The report of the period typed (default: this reporting year), sent as a .docx file."""
    local = ctx.now.astimezone(ctx.config.timezone)
    period = await find_period(ctx.session, typed=args, today=local.date())
    content = await assemble_report(
        ctx.session,
        actor_role=ctx.user.role,
        period=period,
        texts=ctx.texts,
        now=ctx.now,
        tz=ctx.config.timezone,
    )
    # The figures are read here; the document is laid out after commit, in worker threads.
    path, now = ctx.config.export_dir / f"{local:%Y%m%d-%H%M%S}-{file_name(period)}", ctx.now

    async def document() -> Attachment:
        data = await asyncio.to_thread(build_document, content)
        saved = await asyncio.to_thread(save_file, path, data, now)
        return Attachment("document", str(saved), file_name(period))

    label = ctx.render(
        "periodic_report/period", kind=period.kind, number=period.number, year=period.year
    )
    ctx.say_with_file(
        "periodic_report/sent", document, period=label, start=period.start, end=period.end
    )
