"""/dangkycoso: a representative registers an establishment; its department approves.

Steps (state `org.step`, the draft in the conversation): kind → name → pick from the registry
or "not in the list" → commune (unless known) → tax code (or skip) → representative's name,
position, phone → summary. Nothing is stored until "Xác nhận".
"""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Incoming, InputKind, Option
from bot.services.content.commitment_specs import Catalog, load_catalog
from bot.services.content.unit_tables import KIND_WORDS
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.core.matching import fold
from bot.services.organisations import inputs, registration
from bot.services.organisations.registration import Applicant, RegistrationView
from bot.services.plan.units import COMMUNE_KINDS, find_typed_units, get_unit, registry_labels

flow = Flow("org")
flow.menu_item("menu/register_org", "dangkycoso", roles=(Role.CITIZEN,), order=62)
flow.menu_item("menu/review_orgs", "duyetcoso", roles=(Role.COORDINATOR,), order=36)
STATE = "org.step"
DECIDERS = (Role.COORDINATOR, Role.OFFICIAL)
# The order kinds are offered in: the establishments of the commitment first.
KINDS = (
    "supermarket",
    "trade_centre",
    "market",
    "lodging",
    "tourist_site",
    "enterprise",
    "zone",
    "craft_village",
)
# What each step asks, and the template of its question.
QUESTIONS = {
    "rep_name": "organisations/ask_rep_name",
    "position": "organisations/ask_position",
    "phone": "organisations/ask_phone",
}


def _catalog(ctx: Context) -> Catalog:
    return load_catalog(ctx.config.content_dir)


@flow.command(
    "dangkycoso",
    aliases=("dang ky co so", "dang ky doanh nghiep"),
    listed_for=(Role.CITIZEN,),
)
async def start(ctx: Context, _args: str) -> None:
    """Open the registration of an establishment."""
    await begin(ctx)


async def begin(ctx: Context) -> None:
    """Check the person may register, then ask the kind (also reached from /dangky)."""
    if ctx.user.role != Role.CITIZEN:
        raise InvalidInput("organisations/already_member", {"unit": ctx.user.unit_name or ""})
    if await registration.current_registration(ctx.session, ctx.user.id) is not None:
        raise InvalidInput("organisations/already_pending")
    ctx.go(STATE, step="kind")
    await _ask(ctx)


async def _ask(ctx: Context) -> None:
    step = ctx.data["step"]
    if step == "kind":
        labels = await registry_labels(ctx.session)
        options = [
            ctx.option("organisations/kind_option", flow.payload("kind", k), label=labels[k])
            for k in KINDS
            if k in labels and k in _catalog(ctx).kinds
        ]
        ctx.say("organisations/ask_kind", options=options, columns=2)
    elif step == "name":
        ctx.say("organisations/ask_name", label=ctx.data["kind_label"])
    elif step == "commune":
        ctx.say("organisations/ask_commune")
    elif step == "tax":
        skip = ctx.option("organisations/skip", flow.payload("skiptax"))
        ctx.say("organisations/ask_tax_code", options=[skip])
    elif step in QUESTIONS:
        ctx.say(QUESTIONS[step])
    else:
        options = [
            ctx.option("organisations/confirm", flow.payload("save")),
            ctx.option("organisations/cancel", "cmd:huy"),
        ]
        ctx.say("organisations/summary", d=ctx.data, options=options, columns=2)


async def _next(ctx: Context) -> None:
    """The first step after the current one that is still unanswered."""
    order = ["kind", "name", "pick", "commune", "tax", "rep_name", "position", "phone", "confirm"]
    for step in order[order.index(ctx.data["step"]) + 1 :]:
        if step == "commune" and ctx.data.get("commune_id"):
            continue
        if step == "tax" and ctx.data.get("tax_code"):
            continue
        ctx.remember(step=step)
        await _ask(ctx)
        return


@flow.step("step")
async def typed(ctx: Context, incoming: Incoming) -> None:
    """What the representative typed at the current step."""
    step = ctx.data["step"]
    text = incoming.text.strip() if incoming.kind == InputKind.TEXT else ""
    if step == "kind":
        await _take_kind(ctx, KIND_WORDS.get(fold(text), ("", None))[0])
    elif step in ("name", "pick"):
        await _take_name(ctx, text)
    elif step == "commune":
        found = await find_typed_units(ctx.session, text, kinds=COMMUNE_KINDS)
        options = [
            ctx.option("onboarding/unit_option", flow.payload("commune", u.id), unit=u)
            for u in found
        ]
        ctx.say("onboarding/choose_unit", options=options)
    elif step == "tax":
        ctx.remember(tax_code=inputs.parse_tax_code(text))
        await _next(ctx)
    elif step == "rep_name":
        ctx.remember(rep_name=inputs.check_person_name(text))
        await _next(ctx)
    elif step == "position":
        ctx.remember(rep_position=inputs.check_position(text))
        await _next(ctx)
    elif step == "phone":
        ctx.remember(phone=inputs.parse_phone(text))
        await _next(ctx)
    else:
        raise InvalidInput("organisations/confirm_expected")


async def _take_kind(ctx: Context, kind: str) -> None:
    labels = await registry_labels(ctx.session)
    if kind not in labels or kind not in _catalog(ctx).kinds:
        raise InvalidInput("organisations/kind_expected")
    ctx.go(STATE, step="name", kind=kind, kind_label=labels[kind])
    await _ask(ctx)


async def _take_name(ctx: Context, text: str) -> None:
    name = inputs.check_establishment_name(text)
    found = await registration.find_establishments(ctx.session, name, kind=ctx.data["kind"])
    ctx.remember(step="pick", typed_name=name)
    new = ctx.option("organisations/not_in_list", flow.payload("new"))
    if found:
        options = [
            ctx.option("organisations/unit_option", flow.payload("unit", u.id), unit=u)
            for u in found
        ]
        ctx.say("organisations/choose_unit", options=[*options, new])
        return
    plural = (await registry_labels(ctx.session, plural=True)).get(ctx.data["kind"], "")
    retype = ctx.option("organisations/retype_option", flow.payload("retype"))
    ctx.say(
        "organisations/not_found",
        typed=name,
        plural=plural,
        options=[ctx.option("organisations/new_option", flow.payload("new")), retype],
    )


@flow.button("kind", roles=(Role.CITIZEN,), at=("step",))
async def chosen_kind(ctx: Context, kind: str) -> None:
    """A kind chosen from the list."""
    if ctx.data.get("step") != "kind":
        ctx.say("errors/stale_button")
        return
    await _take_kind(ctx, kind)


@flow.button("unit", roles=(Role.CITIZEN,), at=("step",), numeric=True)
async def chosen_unit(ctx: Context, arg: str) -> None:
    """The establishment found in the registry."""
    unit = await get_unit(ctx.session, int(arg))
    if ctx.data.get("step") != "pick" or unit is None or unit.kind != ctx.data["kind"]:
        ctx.say("errors/stale_button")
        return
    commune_id, commune = await registration.unit_commune(ctx.session, unit.id)
    tax_code = await registration.unit_tax_code(ctx.session, unit.id)
    ctx.remember(unit_id=unit.id, name=unit.name, new=False, commune_id=commune_id)
    ctx.remember(commune=commune, tax_code=tax_code)
    await _next(ctx)


@flow.button("new", roles=(Role.CITIZEN,), at=("step",))
async def new_unit(ctx: Context, _arg: str) -> None:
    """Not in the list: register the typed name as a new establishment."""
    if ctx.data.get("step") != "pick":
        ctx.say("errors/stale_button")
        return
    ctx.remember(unit_id=None, name=ctx.data["typed_name"], new=True, commune_id=None)
    ctx.remember(commune=None, tax_code=None)
    await _next(ctx)


@flow.button("retype", roles=(Role.CITIZEN,), at=("step",))
async def retype(ctx: Context, _arg: str) -> None:
    """Type the name again."""
    ctx.remember(step="name")
    await _ask(ctx)


@flow.button("commune", roles=(Role.CITIZEN,), at=("step",), numeric=True)
async def chosen_commune(ctx: Context, arg: str) -> None:
    """The commune or ward the establishment lies in."""
    unit = await get_unit(ctx.session, int(arg))
    if ctx.data.get("step") != "commune" or unit is None or unit.kind not in COMMUNE_KINDS:
        ctx.say("errors/stale_button")
        return
    ctx.remember(commune_id=unit.id, commune=unit.title)
    await _next(ctx)


@flow.button("skiptax", roles=(Role.CITIZEN,), at=("step",))
async def skip_tax(ctx: Context, _arg: str) -> None:
    """No tax code."""
    if ctx.data.get("step") != "tax":
        ctx.say("errors/stale_button")
        return
    await _next(ctx)


@flow.button("save", roles=(Role.CITIZEN,), at=("step",))
async def save(ctx: Context, _arg: str) -> None:
    """File the registration and tell whoever decides."""
    if ctx.data.get("step") != "confirm":
        ctx.say("errors/stale_button")
        return
    data = ctx.data
    applicant = Applicant(
        kind=data["kind"],
        unit_id=data.get("unit_id"),
        name=data["name"],
        commune_id=data.get("commune_id"),
        tax_code=data.get("tax_code"),
        rep_name=data["rep_name"],
        rep_position=data["rep_position"],
        phone=data["phone"],
    )
    filed, _unit = await registration.register(
        ctx.session, user=ctx.user, applicant=applicant, now=ctx.now
    )
    deciders, names = await registration.deciders_of(
        ctx.session, unit_id=filed.unit_id, catalog=_catalog(ctx)
    )
    for decider in deciders:
        await ctx.notify(
            decider.id,
            "organisations/decider_request",
            about=filed.user_id,
            r=filed,
            options=_decide_options(ctx, filed),
        )
    ctx.finish()
    ctx.say("organisations/requested", r=filed, deciders=names, notified=ctx.queued)


def _decide_options(ctx: Context, filed: RegistrationView) -> list[Option]:
    return [
        ctx.option("organisations/approve", flow.payload("approve", filed.id)),
        ctx.option("organisations/reject", flow.payload("reject", filed.id)),
    ]


@flow.button("approve", roles=DECIDERS, numeric=True)
async def approve(ctx: Context, arg: str) -> None:
    """The department (or commune) approves; the representative is told."""
    await _decide(ctx, int(arg), approve=True)


@flow.button("reject", roles=DECIDERS, numeric=True)
async def reject(ctx: Context, arg: str) -> None:
    """The department (or commune) rejects; the representative is told."""
    await _decide(ctx, int(arg), approve=False)


async def _decide(ctx: Context, registration_id: int, *, approve: bool) -> None:
    catalog = _catalog(ctx)
    decided = await registration.decide(
        ctx.session,
        actor=ctx.user,
        registration_id=registration_id,
        approve=approve,
        now=ctx.now,
        catalog=catalog,
    )
    rule = catalog.kinds.get(decided.kind)
    commits = bool(rule and rule.commits)
    _, names = await registration.deciders_of(ctx.session, unit_id=decided.unit_id, catalog=catalog)
    options = (
        [ctx.option("organisations/start_commitment", "cmd:camket")] if commits and approve else []
    )
    await ctx.notify(
        decided.user_id,
        f"organisations/told_{decided.status}",
        r=decided,
        commits=commits,
        deciders=names,
        options=options,
    )
    ctx.say(f"organisations/decided_{decided.status}", r=decided)


@flow.command("duyetcoso", roles=DECIDERS, aliases=("duyet co so", "duyet doanh nghiep"))
async def pending(ctx: Context, _args: str) -> None:
    """Registrations waiting for this person's decision, each with Duyệt / Từ chối."""
    waiting = await registration.list_pending(ctx.session, actor=ctx.user, catalog=_catalog(ctx))
    if not waiting:
        ctx.show_menu("organisations/none_pending")
        return
    ctx.say("organisations/pending_title", count=len(waiting))
    for filed in waiting[:10]:
        ctx.say(
            "organisations/decider_request", r=filed, options=_decide_options(ctx, filed), columns=2
        )
