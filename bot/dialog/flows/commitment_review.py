"""The departments' side of commitments: /camket's overview for coordinators, the signed copy
sent to whoever verifies, Xác minh / Từ chối (with a reason)."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.messages import Attachment, Incoming, InputKind
from bot.services.content.commitment_specs import Catalog, load_catalog
from bot.services.core.access import Role
from bot.services.core.errors import InvalidInput
from bot.services.organisations import commitments, registration
from bot.services.organisations import overview as org_overview
from bot.services.organisations.commitments import CommitmentView
from bot.services.plan.units import COMMUNE_KINDS, find_typed_units

flow = Flow("commitrev")
DECIDERS = (Role.COORDINATOR, Role.OFFICIAL)


def _catalog(ctx: Context) -> Catalog:
    return load_catalog(ctx.config.content_dir)


async def overview(ctx: Context, args: str) -> None:
    """Per kind and state; flagged roadmaps; those waiting for this coordinator. With a
    commune's name: that commune's establishments and where each stands."""
    catalog = _catalog(ctx)
    if args:
        commune = (await find_typed_units(ctx.session, args, kinds=COMMUNE_KINDS))[0]
        rows = await org_overview.commune_states(
            ctx.session, actor=ctx.user, commune_id=commune.id, catalog=catalog
        )
        ctx.say("commitments/commune", commune=commune.title, rows=rows)
        return
    kinds = await org_overview.kind_counts(ctx.session, actor=ctx.user, catalog=catalog)
    waiting = await org_overview.to_verify(ctx.session, actor=ctx.user, catalog=catalog)
    flagged = await org_overview.flagged(ctx.session, actor=ctx.user)
    ctx.say("commitments/overview", kinds=kinds, waiting=len(waiting), flagged=flagged)
    for shown in waiting[:5]:
        ctx.say(
            "commitments/decider_signed",
            c=shown,
            attached=True,
            options=_options(ctx, shown),
            columns=2,
        )


def _options(ctx: Context, shown: CommitmentView) -> list:  # type: ignore[type-arg]
    return [
        ctx.option("commitments/verify_button", flow.payload("verify", shown.id)),
        ctx.option("commitments/reject_button", flow.payload("reject", shown.id)),
        ctx.option("commitments/signed_button", flow.payload("copy", shown.id)),
        ctx.option("commitments/get_letter", f"commit:letter:{shown.id}"),
    ]


async def ask_deciders(ctx: Context, shown: CommitmentView) -> str:
    """Tell whoever verifies that a signed copy came; returns their names."""
    deciders, names = await registration.deciders_of(
        ctx.session, unit_id=shown.unit_id, catalog=_catalog(ctx)
    )
    for decider in deciders:
        await ctx.notify(
            decider.id,
            "commitments/decider_signed",
            c=shown,
            attached=decider.channel == shown.signed_channel,
            options=_options(ctx, shown),
        )
    return names


@flow.button("copy", roles=DECIDERS, numeric=True)
async def signed_copy(ctx: Context, arg: str) -> None:
    """The signed letter itself, on the channel it came by."""
    shown = await commitments.signed_copy(
        ctx.session, actor=ctx.user, commitment_id=int(arg), catalog=_catalog(ctx)
    )
    if shown.signed_ref is None:
        raise InvalidInput("commitments/not_submitted", {"status": shown.status})
    if shown.signed_channel != ctx.user.channel:
        ctx.say("commitments/signed_elsewhere", c=shown)
        return
    kind = "photo" if shown.signed_kind == "photo" else "document"
    ctx.say(
        "commitments/signed_copy",
        c=shown,
        attachment=Attachment(kind, shown.signed_ref, f"cam-ket-{shown.id}-da-ky.pdf"),
    )


@flow.button("verify", roles=DECIDERS, numeric=True)
async def verify(ctx: Context, arg: str) -> None:
    """Xác minh: the commitment counts from now; the representative is told."""
    shown = await commitments.review(
        ctx.session,
        actor=ctx.user,
        commitment_id=int(arg),
        verify=True,
        reason=None,
        now=ctx.now,
        catalog=_catalog(ctx),
    )
    await _tell(ctx, shown)
    ctx.say("commitments/verified", c=shown)


@flow.button("reject", roles=DECIDERS, numeric=True)
async def reject(ctx: Context, arg: str) -> None:
    """Từ chối: ask the reason first."""
    shown = await commitments.get(ctx.session, int(arg))
    if shown.status != "submitted":
        raise InvalidInput("commitments/not_submitted", {"status": shown.status})
    ctx.go("commitrev.reason", commitment=shown.id)
    ctx.say("commitments/ask_reason", id=shown.id)


@flow.step("reason")
async def typed_reason(ctx: Context, incoming: Incoming) -> None:
    """The reason, sent to the representative with the rejection."""
    text = incoming.text if incoming.kind == InputKind.TEXT else ""
    shown = await commitments.review(
        ctx.session,
        actor=ctx.user,
        commitment_id=ctx.data["commitment"],
        verify=False,
        reason=text,
        now=ctx.now,
        catalog=_catalog(ctx),
    )
    await _tell(ctx, shown)
    ctx.finish()
    ctx.say("commitments/rejected", c=shown)


async def _tell(ctx: Context, shown: CommitmentView) -> None:
    for user_id in await registration.representatives_of(ctx.session, unit_id=shown.unit_id):
        await ctx.notify(user_id, f"commitments/told_{shown.status}", c=shown)
