"""/thongbao: a coordinator sends an announcement or a material to an audience."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Incoming, InputKind, Option
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.outreach import broadcasts, materials
from bot.services.outreach.broadcasts import Audience
from bot.services.plan.units import COMMUNE_KINDS, find_units, get_unit

flow = Flow("broadcast")
COORDINATOR = (Role.COORDINATOR,)
flow.menu_item("menu/broadcast", "thongbao", roles=COORDINATOR, order=33)
MAX_QUERY = 100
# The preview shows at most this much of the text (UTF-16 units, Telegram's measure), so the
# message with its "Gửi" button always fits in one message (4,096 units).
PREVIEW_UNITS = 3000
flow.state("what", "audience", "confirm")


@flow.command("thongbao", roles=COORDINATOR, aliases=("thong bao", "gui thong bao"))
async def start(ctx: Context, _args: str) -> None:
    """What to send: a typed announcement or a material."""
    ctx.go("broadcast.what")
    ctx.say(
        "broadcast/ask_what",
        options=[
            ctx.option("broadcast/what_text", flow.payload("what", "text")),
            ctx.option("broadcast/what_material", flow.payload("what", "material")),
        ],
    )


@flow.button("what", roles=COORDINATOR, at=("what",))
async def what(ctx: Context, arg: str) -> None:
    """Ask for the text, or for words to find the material."""
    ctx.go("broadcast.material" if arg == "material" else "broadcast.text")
    ctx.say("broadcast/ask_material" if arg == "material" else "broadcast/ask_text")


@flow.step("text")
async def typed_text(ctx: Context, incoming: Incoming) -> None:
    """The announcement's text."""
    text = broadcasts.check_text(incoming.text if incoming.kind == InputKind.TEXT else "")
    ctx.remember(text=text)
    await _ask_audience(ctx)


@flow.step("material")
async def typed_query(ctx: Context, incoming: Incoming) -> None:
    """Words to find the material."""
    query = incoming.text.strip()[:MAX_QUERY] if incoming.kind == InputKind.TEXT else ""
    found = await materials.search(ctx.session, query)
    if not found:
        raise InvalidInput("broadcast/material_not_found", {"query": query})
    options = [Option(m.title, flow.payload("material", m.id)) for m in found]
    ctx.say("broadcast/choose_material", options=options)


@flow.button("material", roles=COORDINATOR, at=("material",), numeric=True)
async def chosen_material(ctx: Context, arg: str) -> None:
    """The material to send."""
    material = await materials.get_material(ctx.session, int(arg))
    ctx.remember(material=material.id, title=material.title)
    await _ask_audience(ctx)


async def _ask_audience(ctx: Context) -> None:
    data = dict(ctx.data)
    ctx.go("broadcast.audience", **data)
    ctx.say(
        "broadcast/ask_audience",
        options=[
            ctx.option(f"broadcast/audience_{kind}", flow.payload("audience", kind))
            for kind in broadcasts.AUDIENCES
        ],
    )


@flow.button("audience", roles=COORDINATOR, at=("audience",))
async def audience(ctx: Context, kind: str) -> None:
    """Everyone and all officials go to the preview; units and topics need one more choice."""
    if kind not in broadcasts.AUDIENCES:
        ctx.say("errors/stale_button")
        return
    if kind == "units":
        ctx.go("broadcast.units", **{**ctx.data, "units": []})
        ctx.say("broadcast/ask_units")
    elif kind == "topic":
        topics = await materials.list_topics(ctx.session)
        ctx.say(
            "broadcast/ask_topic",
            options=[
                ctx.option("materials/topic_option", flow.payload("topic", t.key), t=t)
                for t in topics
            ],
        )
    else:
        await _preview(ctx, Audience(kind))


@flow.button("topic", roles=COORDINATOR, at=("audience",))
async def topic(ctx: Context, key: str) -> None:
    """Subscribers of a topic."""
    chosen = await materials.get_topic(ctx.session, key)
    await _preview(ctx, Audience("topic", topic=chosen.key))


@flow.step("units")
async def typed_unit(ctx: Context, incoming: Incoming) -> None:
    """A commune or ward to add to the audience."""
    text = incoming.text.strip()[:MAX_QUERY] if incoming.kind == InputKind.TEXT else ""
    found = await find_units(ctx.session, text, kinds=COMMUNE_KINDS) if text else []
    if not found:
        raise InvalidInput("onboarding/unit_not_found", {"typed": text})
    ctx.say(
        "onboarding/choose_unit",
        options=[
            ctx.option("onboarding/unit_option", flow.payload("unit", u.id), unit=u) for u in found
        ],
    )


@flow.button("unit", roles=COORDINATOR, at=("units",), numeric=True)
async def chosen_unit(ctx: Context, arg: str) -> None:
    """Add the unit; offer to add another or to go on."""
    unit = await get_unit(ctx.session, int(arg))
    if unit is None:
        raise InvalidInput("onboarding/unit_not_found", {"typed": arg})
    units: list[int] = ctx.data["units"]
    if unit.id not in units:
        units.append(unit.id)
    names = [u.title for u in [await get_unit(ctx.session, i) for i in units] if u]
    ctx.say(
        "broadcast/units_chosen",
        names=names,
        options=[ctx.option("broadcast/units_done", flow.payload("unitsdone"))],
    )


@flow.button("unitsdone", roles=COORDINATOR, at=("units",))
async def units_done(ctx: Context, _arg: str) -> None:
    """Preview for the chosen units."""
    await _preview(ctx, Audience("units", unit_ids=tuple(ctx.data["units"])))


async def _preview(ctx: Context, audience: Audience) -> None:
    count = await broadcasts.count_recipients(ctx.session, audience)
    ctx.go(
        "broadcast.confirm",
        **{
            **ctx.data,
            "audience": audience.kind,
            "unit_ids": list(audience.unit_ids),
            "topic": audience.topic,
        },
    )
    text, clipped = _clip(ctx.data.get("text") or "", PREVIEW_UNITS)
    ctx.say(
        "broadcast/preview",
        text=text,
        clipped=clipped,
        title=ctx.data.get("title"),
        audience=audience.kind,
        count=count,
        options=[
            ctx.option("broadcast/send", flow.payload("send")),
            ctx.option("report/cancel", "cmd:huy"),
        ],
        columns=2,
    )


@flow.button("send", roles=COORDINATOR, at=("confirm",))
async def send(ctx: Context, _arg: str) -> None:
    """Queue it; the coordinator is told the outcome when the outbox has sent everything."""
    data = ctx.data
    number, queued = await broadcasts.queue_broadcast(
        ctx.session,
        actor=ctx.user,
        audience=Audience(data["audience"], tuple(data["unit_ids"]), data["topic"]),
        text=data.get("text"),
        material_id=data.get("material"),
        texts=ctx.texts,
        now=ctx.now,
    )
    ctx.queued += queued
    ctx.finish()
    ctx.show_menu("broadcast/queued", number=number, count=queued)


def _clip(text: str, units: int) -> tuple[str, bool]:
    """The text's beginning within `units` UTF-16 units, and whether it was cut."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > units:
            return text[:index].rstrip() + "…", True
    return text, False


@flow.resume
async def resume(ctx: Context) -> None:
    """Ask the current step's question again (after a greeting, or on /tiep)."""
    step = (ctx.state or "").partition(".")[2]
    if step == "what":
        await start(ctx, "")
    elif step in ("text", "material"):
        ctx.say(f"broadcast/ask_{step}")
    elif step == "audience":
        await _ask_audience(ctx)
    elif step == "units":
        ctx.say("broadcast/ask_units")
    else:
        data = ctx.data
        await _preview(ctx, Audience(data["audience"], tuple(data["unit_ids"]), data["topic"]))
