"""/camket for a representative: build the roadmap, get the letter, send back the signed copy,
then report progress. (Coordinators' /camket is in commitment_review.)

Steps (state `commit.step`): pick actions → a date for each → summary → letter sent; then the
state waits for the signed copy (a photo or a PDF). Nothing is stored before "Xác nhận".
"""

from datetime import date, timedelta
from typing import Any

from bot.dialog.context import Context
from bot.dialog.flows import commitment_review
from bot.dialog.router import Flow
from bot.messages import Attachment, Incoming, InputKind
from bot.services.content.commitment_specs import ActionSpec, Catalog, load_catalog
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.organisations import commitments, inputs, registration
from bot.services.organisations.commitments import CommitmentView, Step
from bot.services.organisations.followup import set_status
from bot.services.organisations.letters import LETTER_FORMATS, write_letter

flow = Flow("commit")
flow.menu_item("menu/commitment", "camket", roles=(Role.REPRESENTATIVE,), order=5)
flow.menu_item("menu/commitments", "camket", roles=(Role.COORDINATOR,), order=34)
STATE = "commit.step"
REP = (Role.REPRESENTATIVE,)


def _catalog(ctx: Context) -> Catalog:
    return load_catalog(ctx.config.content_dir)


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.config.timezone).date()


@flow.command(
    "camket",
    aliases=("cam ket", "cam ket giam nhua"),
    takes_args=True,
    listed_for=(Role.REPRESENTATIVE, Role.COORDINATOR),
)
async def start(ctx: Context, args: str) -> None:
    """The representative's commitment; the coordinators' list; how to register for others."""
    if ctx.user.role == Role.COORDINATOR:
        await commitment_review.overview(ctx, args)
        return
    if ctx.user.role == Role.OFFICIAL:
        ctx.show_menu("commitments/officials_only")
        return
    if ctx.user.role != Role.REPRESENTATIVE or ctx.user.unit_id is None:
        ctx.say(
            "commitments/not_registered",
            options=[ctx.option("menu/register_org", "cmd:dangkycoso")],
        )
        return
    rule = _catalog(ctx).kinds.get(ctx.user.unit_kind or "")
    if rule is None or not rule.commits:
        raise InvalidInput("commitments/kind_does_not_commit")
    shown = await commitments.current(ctx.session, unit_id=ctx.user.unit_id)
    if shown is None or shown.status == "rejected":
        if shown is not None:
            ctx.say("commitments/status", c=shown)
        await _begin(ctx)
        return
    _status(ctx, shown)


def _status(ctx: Context, shown: CommitmentView) -> None:
    options = [ctx.option("commitments/get_letter", flow.payload("letter", shown.id))]
    if shown.status in ("awaiting_signature", "submitted"):
        options.append(ctx.option("commitments/send_signed", flow.payload("signed", shown.id)))
    if shown.status in ("submitted", "verified") and any(a.status != "done" for a in shown.actions):
        options.append(ctx.option("commitments/progress", flow.payload("progress", shown.id)))
    ctx.finish()
    ctx.say("commitments/status", c=shown, options=options)


# ----------------------------------------------------------------------------- the roadmap


async def _begin(ctx: Context) -> None:
    ctx.go(STATE, step="pick", chosen=[])
    _ask_pick(ctx)


def _checklist(ctx: Context) -> list[ActionSpec]:
    return _catalog(ctx).actions_for(ctx.user.unit_kind or "")


def _ask_pick(ctx: Context, *, again: bool = False) -> None:
    """The checklist; after a choice only the count (the long list was shown once)."""
    chosen = ctx.data["chosen"]
    actions = _checklist(ctx)
    options = [
        ctx.option(
            "commitments/pick_option",
            flow.payload("toggle", a.key),
            short=a.short,
            chosen=a.key in chosen,
        )
        for a in actions
    ]
    options.append(ctx.option("commitments/picked_button", flow.payload("picked")))
    if again:
        ctx.say("commitments/picked_count", count=len(chosen), options=options)
        return
    ctx.say(
        "commitments/intro",
        unit=ctx.user.unit_name,
        note=_catalog(ctx).compliance_note,
        actions=actions,
        chosen=chosen,
        options=options,
    )


@flow.button("toggle", roles=REP, at=("step",))
async def toggle(ctx: Context, key: str) -> None:
    """Choose or drop one action."""
    if ctx.data.get("step") != "pick" or key not in {a.key for a in _checklist(ctx)}:
        ctx.say("errors/stale_button")
        return
    chosen: list[str] = ctx.data["chosen"]
    if key in chosen:
        chosen.remove(key)
    else:
        chosen.append(key)
    _ask_pick(ctx, again=True)


@flow.button("picked", roles=REP, at=("step",))
async def picked(ctx: Context, _arg: str) -> None:
    """'Xong': ask the date of each chosen action, in checklist order."""
    if ctx.data.get("step") != "pick":
        ctx.say("errors/stale_button")
        return
    order = [a.key for a in _checklist(ctx) if a.key in ctx.data["chosen"]]
    if not order:
        raise InvalidInput("commitments/pick_expected")
    ctx.remember(step="date", order=order, index=0, dates={})
    _ask_date(ctx)


def _quick_dates(today: date) -> list[date]:
    """The end of this year (if still ahead), mid and end of next year."""
    end = date(today.year, 12, 31)
    dates = [end] if end - today >= timedelta(days=14) else []
    dates += [date(today.year + 1, 6, 30), date(today.year + 1, 12, 31)]
    return [d for d in dates if d <= inputs.PLAN_END]


def _ask_date(ctx: Context) -> None:
    order, index = ctx.data["order"], ctx.data["index"]
    action = _catalog(ctx).action(order[index])
    assert action is not None  # noqa: S101 (keys come from the checklist)
    options = [
        ctx.option(
            "commitments/date_option", flow.payload("date", d.isoformat()), day=f"{d:%d/%m/%Y}"
        )
        for d in _quick_dates(_today(ctx))
    ]
    options.append(ctx.option("commitments/already_done", flow.payload("date", "done")))
    ctx.say(
        "commitments/ask_date",
        i=index + 1,
        n=len(order),
        label=action.label,
        options=options,
        columns=2,
    )


async def _take_date(ctx: Context, value: str) -> None:
    dates: dict[str, Any] = ctx.data["dates"]
    key = ctx.data["order"][ctx.data["index"]]
    dates[key] = value
    if ctx.data["index"] + 1 < len(ctx.data["order"]):
        ctx.remember(index=ctx.data["index"] + 1)
        _ask_date(ctx)
        return
    ctx.remember(step="confirm")
    _summary(ctx)


def _steps(ctx: Context) -> list[Step]:
    today = _today(ctx)
    return [
        Step(key, today, done=True) if value == "done" else Step(key, date.fromisoformat(value))
        for key, value in ((k, ctx.data["dates"][k]) for k in ctx.data["order"])
    ]


def _summary(ctx: Context) -> None:
    catalog = _catalog(ctx)
    actions = [
        {
            "label": (catalog.action(s.key) or ActionSpec(s.key, s.key, ())).label,
            "due": s.due,
            "done": s.done,
        }
        for s in _steps(ctx)
    ]
    options = [
        ctx.option("commitments/confirm", flow.payload("save")),
        ctx.option("commitments/redo", flow.payload("redo")),
        ctx.option("commitments/cancel", "cmd:huy"),
    ]
    ctx.say(
        "commitments/summary", unit=ctx.user.unit_name, actions=actions, options=options, columns=3
    )


@flow.button("date", roles=REP, at=("step",))
async def chosen_date(ctx: Context, value: str) -> None:
    """A quick date or 'Đã thực hiện'."""
    if ctx.data.get("step") != "date":
        ctx.say("errors/stale_button")
        return
    if value != "done":
        today = _today(ctx)
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = date.min
        if not today <= day <= inputs.PLAN_END:
            raise InvalidInput("commitments/date_range", {"today": today, "end": inputs.PLAN_END})
    await _take_date(ctx, value)


@flow.button("redo", roles=REP, at=("step",))
async def redo(ctx: Context, _arg: str) -> None:
    """Choose the actions again (keeping the choice)."""
    ctx.remember(step="pick")
    _ask_pick(ctx)


@flow.step("step")
async def typed(ctx: Context, incoming: Incoming) -> None:
    """Typed dates; the signed copy; anything else gets one sentence."""
    step = ctx.data.get("step")
    if step == "signed":
        await _take_signed(ctx, incoming)
        return
    if step == "date" and incoming.kind == InputKind.TEXT:
        day = inputs.parse_due_date(incoming.text, today=_today(ctx))
        await _take_date(ctx, day.isoformat())
        return
    if step == "pick":
        raise InvalidInput("commitments/pick_expected")
    if step == "date":
        raise InvalidInput("commitments/date_format", {"end": inputs.PLAN_END})
    raise InvalidInput("commitments/confirm_expected")


@flow.button("save", roles=REP, at=("step",))
async def save(ctx: Context, _arg: str) -> None:
    """Record the roadmap, send the letter, wait for the signed copy."""
    if ctx.data.get("step") != "confirm":
        ctx.say("errors/stale_button")
        return
    created = await commitments.create(
        ctx.session,
        user=ctx.user,
        steps=_steps(ctx),
        today=_today(ctx),
        now=ctx.now,
        catalog=_catalog(ctx),
    )
    await _send_letter(ctx, created)
    _, deciders = await registration.deciders_of(
        ctx.session, unit_id=created.unit_id, catalog=_catalog(ctx)
    )
    ctx.go(STATE, step="signed", commitment=created.id)
    ctx.say("commitments/letter_ready", c=created, deciders=deciders)


async def _send_letter(ctx: Context, shown: CommitmentView) -> None:
    values = await commitments.letter_values(
        ctx.session, user=ctx.user, commitment_id=shown.id, today=_today(ctx), catalog=_catalog(ctx)
    )
    directory, fonts, now = ctx.config.export_dir, ctx.config.content_dir / "fonts", ctx.now
    for extension in LETTER_FORMATS:

        async def letter_file(extension: str = extension) -> Attachment:
            path, name = await write_letter(
                values, extension, directory=directory, fonts_dir=fonts, now=now
            )
            return Attachment("document", str(path), name)

        kind = "Word" if extension == "docx" else "PDF"
        ctx.say_with_file("commitments/letter_file", letter_file, id=shown.id, format=kind)


@flow.button("letter", roles=(Role.REPRESENTATIVE, Role.COORDINATOR, Role.OFFICIAL), numeric=True)
async def letter(ctx: Context, arg: str) -> None:
    """The letter again (the representative's, or a department's copy)."""
    await _send_letter(ctx, await commitments.get(ctx.session, int(arg)))


@flow.button("signed", roles=REP, numeric=True)
async def ask_signed(ctx: Context, arg: str) -> None:
    """Wait for the signed copy of this commitment."""
    shown = await commitments.get(ctx.session, int(arg))
    if shown.unit_id != ctx.user.unit_id:
        ctx.say("errors/stale_button")
        return
    ctx.go(STATE, step="signed", commitment=shown.id)
    ctx.say("commitments/send_signed_prompt", c=shown)


async def _take_signed(ctx: Context, incoming: Incoming) -> None:
    if incoming.kind not in (InputKind.PHOTO, InputKind.DOCUMENT) or not incoming.photo_ref:
        raise InvalidInput("commitments/signed_expected")
    shown = await commitments.attach_signed(
        ctx.session,
        user=ctx.user,
        commitment_id=ctx.data["commitment"],
        ref=incoming.photo_ref,
        kind="photo" if incoming.kind == InputKind.PHOTO else "document",
        now=ctx.now,
    )
    names = await commitment_review.ask_deciders(ctx, shown)
    ctx.finish()
    ctx.say("commitments/signed_received", c=shown, deciders=names)


# ----------------------------------------------------------------------------- progress


@flow.button("progress", roles=REP, numeric=True)
async def progress(ctx: Context, arg: str) -> None:
    """The actions not yet done, each a button to say it is done."""
    shown = await commitments.get(ctx.session, int(arg))
    if shown.unit_id != ctx.user.unit_id:
        ctx.say("errors/stale_button")
        return
    left = [a for a in shown.actions if a.status != "done"]
    if not left:
        ctx.say("commitments/nothing_left")
        return
    catalog = _catalog(ctx)
    shorts = {a.label: a.short for a in catalog.actions}
    options = [
        ctx.option(
            "commitments/progress_option",
            flow.payload("done", a.id),
            short=shorts.get(a.label, a.label[:40]),
        )
        for a in left
    ]
    ctx.say("commitments/progress_pick", options=options)


@flow.button("done", roles=REP, numeric=True)
async def action_done(ctx: Context, arg: str) -> None:
    """An action done (from a reminder or the progress list)."""
    label, _ = await set_status(
        ctx.session, user=ctx.user, action_id=int(arg), done=True, now=ctx.now
    )
    ctx.say("commitments/action_done", label=label)


@flow.button("late", roles=REP, numeric=True)
async def action_late(ctx: Context, arg: str) -> None:
    """An action behind its date (from a reminder)."""
    label, _ = await set_status(
        ctx.session, user=ctx.user, action_id=int(arg), done=False, now=ctx.now
    )
    ctx.say("commitments/action_late", label=label)
