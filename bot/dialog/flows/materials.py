"""/tailieu: outreach materials by topic or keyword; /theodoi: subscribe to topics."""

import re

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Action, Attachment, Option
from bot.services.core.access import Role
from bot.services.outreach import materials

flow = Flow("materials")
EVERYONE = tuple(Role)
flow.menu_item("menu/materials", "tailieu", roles=EVERYONE, order=20)
flow.menu_item("menu/follow", "theodoi", roles=EVERYONE, order=21)
MAX_QUERY = 100


@flow.command("tailieu", aliases=("tai lieu", "tai lieu tuyen truyen"), takes_args=True)
async def library(ctx: Context, args: str) -> None:
    """Topics, or the materials matching the typed words."""
    ctx.finish()
    if args.strip():
        await _search(ctx, args.strip()[:MAX_QUERY])
        return
    await _topics(ctx, "materials/topics")


async def _topics(ctx: Context, template: str, query: str = "") -> None:
    topics = [t for t in await materials.list_topics(ctx.session) if t.count]
    options = [
        ctx.option("materials/topic_option", flow.payload("topic", t.key), t=t) for t in topics
    ]
    ctx.say(template, options=options, query=query, web_url=ctx.config.public_base_url)


async def _search(ctx: Context, query: str) -> None:
    found = await materials.search(ctx.session, query)
    if not found:
        await _topics(ctx, "materials/not_found", query=query)
        return
    options = [Option(m.title, flow.payload("show", m.id)) for m in found]
    ctx.say("materials/found", query=query, count=len(found), options=options)


@flow.button("topic")
async def topic(ctx: Context, arg: str) -> None:
    """One page (8 at most) of a topic's materials, with page buttons."""
    key, _, page_text = arg.partition(".")
    chosen = await materials.get_topic(ctx.session, key)
    page = int(page_text) if re.fullmatch(r"[0-9]{1,4}", page_text) else 0
    items, pages = await materials.list_page(ctx.session, topic=key, page=page)
    page = min(page, pages - 1)
    options = [Option(m.title, flow.payload("show", m.id)) for m in items]
    if page > 0:
        options.append(ctx.option("materials/previous", flow.payload("topic", f"{key}.{page - 1}")))
    if page + 1 < pages:
        options.append(ctx.option("materials/next", flow.payload("topic", f"{key}.{page + 1}")))
    options.append(ctx.option("materials/other_topics", "cmd:tailieu"))
    ctx.say("materials/page", t=chosen, page=page + 1, pages=pages, options=options)


@flow.text
async def plain_request(ctx: Context, text: str) -> bool:
    """Plain words when nothing is asked ("tui nilon", "cho tôi tài liệu về rác thải") look
    in the library; False when no material is about them (figures are left to reports)."""
    if ctx.state is not None or re.search(r"[0-9]", text):
        return False
    found = await materials.find_by_words(ctx.session, text[:MAX_QUERY])
    if not found:
        return False
    options = [Option(m.title, flow.payload("show", m.id)) for m in found]
    options.append(ctx.option("materials/other_topics", "cmd:tailieu"))
    ctx.say("materials/found_plain", typed=text[:MAX_QUERY], count=len(found), options=options)
    return True


@flow.action(Action.OPEN_MATERIAL, numeric=True)
@flow.button("show", numeric=True)
async def show(ctx: Context, arg: str) -> None:
    """The material: its text, then its leaflet or link, ending with what to read next
    (related materials, its topic, other topics); the delivery is logged."""
    material = await materials.get_material(ctx.session, int(arg))
    options = await _next_reading(ctx, material)
    web_url = ctx.config.public_base_url
    if not material.attachment:
        ctx.say("materials/material", m=material, web_url=web_url, options=options)
    else:
        ctx.say("materials/material", m=material, web_url=web_url)
        ctx.say(
            "materials/leaflet",
            m=material,
            attachment=Attachment(
                "document", material.attachment, material.attachment.rsplit("/")[-1]
            ),
            options=options,
        )
    await materials.record_delivery(
        ctx.session, material_id=material.id, user_id=ctx.user.id, via="request", now=ctx.now
    )


async def _next_reading(ctx: Context, material: materials.MaterialView) -> list[Option]:
    related = await materials.list_related(ctx.session, material)
    options = [
        ctx.option("materials/related_option", flow.payload("show", m.id), m=m) for m in related
    ]
    topics = {t.key: t for t in await materials.list_topics(ctx.session)}
    for key in material.topics[:1]:
        if key in topics:
            back = flow.payload("topic", key)
            options.append(ctx.option("materials/back_to_topic", back, t=topics[key]))
    options.append(ctx.option("materials/other_topics", "cmd:tailieu"))
    return options


@flow.command("theodoi", aliases=("theo doi", "nhan tin", "dang ky nhan tin"))
async def follow(ctx: Context, _args: str) -> None:
    """Topics with a mark for those followed; a press toggles."""
    following = await materials.subscribed_topics(ctx.session, ctx.user.id)
    topics = await materials.list_topics(ctx.session)
    options = [
        ctx.option(
            "materials/follow_option", flow.payload("sub", t.key), t=t, on=t.key in following
        )
        for t in topics
    ]
    options.append(ctx.option("materials/follow_done", "cmd:menu"))
    ctx.say("materials/follow", count=len(following), options=options)


@flow.button("sub")
async def toggle(ctx: Context, key: str) -> None:
    """Follow or stop following a topic."""
    now_on = await materials.toggle_subscription(
        ctx.session, user_id=ctx.user.id, topic=key, now=ctx.now
    )
    chosen = await materials.get_topic(ctx.session, key)
    ctx.say("materials/followed" if now_on else "materials/unfollowed", t=chosen)
    await follow(ctx, "")
