"""/thi: the online contest for THPT students (task I.4).

Rules and consent -> name -> date of birth -> school (typed, matched) -> class -> phone (may be
skipped) -> a parent's or guardian's consent when under 16 -> confirmation -> the attempt.
Questions go through the outbox (their delivery starts their clock, the send queue is not
charged) with buttons that carry an opaque id only; typed letters or numbers work too. The
attempt lives in the database, so /huy, a restart or a lost message never stops its clock:
/thi sends the current question again.
"""

from datetime import date

from bot.dialog.context import Context
from bot.dialog.router import ALL_ROLES, Flow
from bot.messages import Incoming, InputKind, Option, Outgoing, WebPage
from bot.services.contest import attempts, registration
from bot.services.contest.registry import RoundView, current_round, get_round
from bot.services.contest.views import AnswerOutcome, QuestionView
from bot.services.contest.web_links import MINI_APP_PATH, contest_token
from bot.services.core.errors import InvalidInput
from bot.services.core.matching import fold

flow = Flow("thi")
flow.menu_item("menu/contest", "thi", roles=ALL_ROLES, order=45)
flow.state("rules", "ready", "confirm")


@flow.command("thi", aliases=("thi", "cuoc thi", "du thi", "vao thi", "thi truc tuyen"))
async def contest(ctx: Context, _args: str) -> None:
    """Where the student stands in the current round: rules, registration, attempt or result."""
    ctx.finish()
    contest_round = await current_round(ctx.session, now=ctx.now)
    if contest_round is None:
        ctx.say("contest/no_round")
        return
    state = contest_round.state(ctx.now)
    if state == "scheduled":
        ctx.say("contest/scheduled", round=contest_round, tz=ctx.config.timezone)
        return
    entry = await registration.find_entry(
        ctx.session, user_id=ctx.user.id, round_id=contest_round.id
    )
    if state in ("closed", "published"):
        await _after_close(ctx, contest_round, has_entry=entry is not None)
    elif entry is None:
        ctx.go("thi.rules", round=contest_round.id)
        ctx.say(
            "contest/rules",
            round=contest_round,
            tz=ctx.config.timezone,
            options=[
                ctx.option("contest/agree", flow.payload("agree")),
                ctx.option("contest/decline", flow.payload("decline")),
            ],
        )
    else:
        await _continue(ctx, contest_round)


async def _continue(ctx: Context, contest_round: RoundView) -> None:
    """Resume an attempt, ask the prediction, offer a (new) attempt, or show the result."""
    current = await attempts.open_attempt(
        ctx.session, user_id=ctx.user.id, round_id=contest_round.id, now=ctx.now
    )
    if current is not None and current.status == "active":
        question = await attempts.current_question(
            ctx.session, user_id=ctx.user.id, attempt_id=current.id, now=ctx.now
        )
        if question is not None:
            await _send_question(ctx, question)
            return
        current = await attempts.open_attempt(
            ctx.session, user_id=ctx.user.id, round_id=contest_round.id, now=ctx.now
        )
    if current is not None:
        await _ask_prediction(ctx, current.id, late=current.timed_out, direct=True)
        return
    done = await attempts.list_attempts(
        ctx.session, user_id=ctx.user.id, round_id=contest_round.id, now=ctx.now
    )
    options = []
    if len(done) < contest_round.max_attempts:
        label = "contest/start_button" if not done else "contest/retry_button"
        options.append(ctx.option(label, flow.payload("start", contest_round.id)))
    ctx.go("thi.ready", round=contest_round.id)
    page = _web_page(ctx, contest_round) if options else None
    ctx.say(
        "contest/ready",
        round=contest_round,
        attempts=done,
        options=options,
        web_page=page,
        on_web=page is not None,
    )


def _web_page(ctx: Context, contest_round: RoundView) -> WebPage | None:
    """The contest page for the same attempt: the student's personal link, or (on Telegram,
    over https) the Mini App that finds the student itself."""
    base, signer = ctx.config.public_base_url, ctx.config.web_signer
    if base is None or signer is None:
        return None
    token = contest_token(signer, user_id=ctx.user.id, contest_round=contest_round)
    return WebPage(
        ctx.render("contest/web_button"), f"{base}/thi/{token}", app_url=base + MINI_APP_PATH
    )


async def _after_close(ctx: Context, contest_round: RoundView, *, has_entry: bool) -> None:
    done = (
        await attempts.list_attempts(
            ctx.session, user_id=ctx.user.id, round_id=contest_round.id, now=ctx.now
        )
        if has_entry
        else []
    )
    options = [ctx.option("contest/review_button", flow.payload("review", a.id)) for a in done]
    ctx.say("contest/closed", round=contest_round, attempts=done, options=options)


# ----------------------------------------------------------------------------- registration


@flow.button("agree", at=("rules",))
async def agreed(ctx: Context, _arg: str) -> None:
    """The student accepts the rules and the data notice: ask the full name."""
    ctx.conversation.state = "thi.name"
    ctx.say("contest/ask_name")


@flow.button("decline", at=("rules", "guardian"))
async def declined(ctx: Context, _arg: str) -> None:
    """No consent: nothing is stored."""
    ctx.finish()
    ctx.say("contest/declined")


def _text(incoming: Incoming, template: str) -> str:
    if incoming.kind != InputKind.TEXT or not incoming.text.strip():
        raise InvalidInput(template)
    return incoming.text


@flow.step("name")
async def typed_name(ctx: Context, incoming: Incoming) -> None:
    """The full name, as on the school's records."""
    ctx.remember(name=registration.parse_full_name(_text(incoming, "contest/name_invalid")))
    ctx.conversation.state = "thi.birth"
    ctx.say("contest/ask_birth")


@flow.step("birth")
async def typed_birth(ctx: Context, incoming: Incoming) -> None:
    """The date of birth, dd/mm/yyyy."""
    born = registration.parse_birth_date(
        _text(incoming, "contest/birth_invalid"), today=_today(ctx)
    )
    ctx.remember(birth=born.isoformat())
    ctx.conversation.state = "thi.school"
    ctx.say("contest/ask_school")


@flow.step("school")
async def typed_school(ctx: Context, incoming: Incoming) -> None:
    """The school's name as typed: the closest schools of the registry to choose from."""
    found = await registration.find_schools(ctx.session, _text(incoming, "contest/school_expected"))
    options = [Option(school.name, flow.payload("school", school.id)) for school in found]
    ctx.say("contest/choose_school", options=options)


@flow.button("school", at=("school",), numeric=True)
async def chosen_school(ctx: Context, arg: str) -> None:
    """The school chosen: ask the class."""
    name = await registration.school_name(ctx.session, int(arg))
    ctx.remember(school=int(arg), school_name=name)
    ctx.conversation.state = "thi.class"
    ctx.say("contest/ask_class")


@flow.step("class")
async def typed_class(ctx: Context, incoming: Incoming) -> None:
    """The class (10A1, 11 Toán…): then the optional phone number."""
    ctx.remember(class_name=registration.parse_class(_text(incoming, "contest/class_invalid")))
    ctx.conversation.state = "thi.phone"
    ctx.say("contest/ask_phone", options=[ctx.option("contest/skip", flow.payload("skip"))])


@flow.step("phone")
async def typed_phone(ctx: Context, incoming: Incoming) -> None:
    """A phone number to reach a prize winner (optional)."""
    ctx.remember(phone=registration.parse_phone(_text(incoming, "contest/phone_invalid")))
    await _after_phone(ctx)


@flow.button("skip", at=("phone",))
async def skipped_phone(ctx: Context, _arg: str) -> None:
    """No phone number."""
    ctx.remember(phone=None)
    await _after_phone(ctx)


async def _after_phone(ctx: Context) -> None:
    born = date.fromisoformat(ctx.data["birth"])
    if registration.is_child(born, _today(ctx)):
        ctx.conversation.state = "thi.guardian"
        ctx.say(
            "contest/ask_guardian",
            options=[ctx.option("contest/guardian_declines", flow.payload("decline"))],
        )
        return
    ctx.remember(guardian=None)
    _confirm(ctx)


@flow.step("guardian")
async def typed_guardian(ctx: Context, incoming: Incoming) -> None:
    """The parent or guardian types their own full name: their consent, recorded."""
    typed = _text(incoming, "contest/guardian_invalid")
    if "khong" in fold(typed).split():  # "không đồng ý", "bố mẹ không đồng ý": a refusal
        await declined(ctx, "")
        return
    name = registration.parse_full_name(typed)
    ctx.remember(guardian=name)
    _confirm(ctx)


def _confirm(ctx: Context) -> None:
    ctx.conversation.state = "thi.confirm"
    ctx.say(
        "contest/confirm",
        d=ctx.data,
        birth=date.fromisoformat(ctx.data["birth"]),
        options=[
            ctx.option("contest/confirm_button", flow.payload("register")),
            ctx.option("contest/restart_button", flow.payload("again")),
        ],
    )


@flow.button("again", at=("confirm",))
async def restart_registration(ctx: Context, arg: str) -> None:
    """Start the details again (registered nothing yet)."""
    await agreed(ctx, arg)


@flow.button("register", at=("confirm",))
async def register(ctx: Context, _arg: str) -> None:
    """Store the entry, then offer to start."""
    data = ctx.data
    await registration.register(
        ctx.session,
        user_id=ctx.user.id,
        round_id=int(data["round"]),
        full_name=data["name"],
        birth_date=date.fromisoformat(data["birth"]),
        school_id=int(data["school"]),
        class_name=data["class_name"],
        phone=data.get("phone"),
        guardian_name=data.get("guardian"),
        now=ctx.now,
        today=_today(ctx),
    )
    contest_round = await get_round(ctx.session, int(data["round"]))
    ctx.say("contest/registered")
    await _continue(ctx, contest_round)


# ----------------------------------------------------------------------------- the attempt


@flow.button("start", numeric=True)
async def start(ctx: Context, arg: str) -> None:
    """Start (or resume) the attempt: the first question comes through the outbox."""
    attempt = await attempts.start_attempt(
        ctx.session,
        user_id=ctx.user.id,
        round_id=int(arg),
        channel=ctx.conversation.channel,
        now=ctx.now,
    )
    if attempt.status == "predicting":
        await _ask_prediction(ctx, attempt.id, late=attempt.timed_out, direct=True)
        return
    question = await attempts.current_question(
        ctx.session, user_id=ctx.user.id, attempt_id=attempt.id, now=ctx.now
    )
    if question is None:
        await _ask_prediction(ctx, attempt.id, late=True, direct=True)
        return
    await _send_question(ctx, question)


@flow.button("a")
async def answered(ctx: Context, arg: str) -> None:
    """An option's button: its opaque id says which question of which attempt."""
    outcome = await attempts.answer(ctx.session, user_id=ctx.user.id, answer_id=arg, now=ctx.now)
    await _after_answer(ctx, outcome)


@flow.button("t")
async def toggled(ctx: Context, arg: str) -> None:
    """Several options may be right: select or unselect one, then submit."""
    question = await attempts.toggle(ctx.session, user_id=ctx.user.id, answer_id=arg, now=ctx.now)
    if question is None:  # the time is over
        attempt_id = await attempts.attempt_of_answer(
            ctx.session, user_id=ctx.user.id, answer_id=arg
        )
        await _ask_prediction(ctx, attempt_id, late=True, direct=False)
        return
    await _send_question(ctx, question)


@flow.button("s")
async def submitted(ctx: Context, arg: str) -> None:
    """Submit the options selected."""
    outcome = await attempts.submit_selection(
        ctx.session, user_id=ctx.user.id, token=arg, now=ctx.now
    )
    await _after_answer(ctx, outcome)


@flow.step("question")
async def typed_answer(ctx: Context, incoming: Incoming) -> None:
    """A typed answer: a letter or a number ('b', '2'), several for several ('a c')."""
    outcome = await attempts.answer_typed(
        ctx.session,
        user_id=ctx.user.id,
        attempt_id=int(ctx.data["attempt"]),
        text=_text(incoming, "contest/answer_expected_any"),
        now=ctx.now,
    )
    await _after_answer(ctx, outcome)


async def _after_answer(ctx: Context, outcome: AnswerOutcome) -> None:
    if outcome.next_question is not None:
        await _send_question(ctx, outcome.next_question)
        return
    await _ask_prediction(ctx, outcome.attempt.id, late=outcome.late, direct=False)


async def _send_question(ctx: Context, question: QuestionView) -> None:
    """Queue the question (the outbox records its delivery); no reply now, so the student
    never gets two messages within the platform's one-a-second limit per chat."""
    if question.multiple:
        options = [
            Option(("☑ " if o.letter in question.selected else "") + o.letter,
                   flow.payload("t", o.answer_id))
            for o in question.options
        ]  # fmt: skip
        options.append(ctx.option("contest/submit_button", flow.payload("s", question.token)))
    else:
        options = [Option(o.letter, flow.payload("a", o.answer_id)) for o in question.options]
    text = ctx.render("contest/question", q=question)
    message = Outgoing(text, tuple(options), columns=len(question.options), numbered=False)
    if await attempts.queue_question(
        ctx.session, user_id=ctx.user.id, question=question, message=message, now=ctx.now
    ):
        ctx.queued += 1
    # No numeric_input flag: while no options are on screen (answers get no reply) a typed digit
    # reaches the step; after /menu it picks from the menu, as the person expects.
    ctx.go("thi.question", attempt=question.attempt_id)


async def _ask_prediction(ctx: Context, attempt_id: int, *, late: bool, direct: bool) -> None:
    """The questions are over: the tie-break prediction, typed as a number. Right after a
    question it goes through the outbox, paced like the questions."""
    ctx.go("thi.predict", attempt=attempt_id)
    if direct:
        ctx.say("contest/ask_prediction", late=late)
    else:
        await ctx.notify(ctx.user.id, "contest/ask_prediction", late=late)


@flow.step("predict")
async def typed_prediction(ctx: Context, incoming: Incoming) -> None:
    """The prediction: the attempt is submitted; score and time shown."""
    attempt = await attempts.predict(
        ctx.session,
        user_id=ctx.user.id,
        attempt_id=int(ctx.data["attempt"]),
        text=_text(incoming, "contest/prediction_invalid_any"),
        now=ctx.now,
    )
    ctx.finish()
    ctx.say("contest/finished", a=attempt)


@flow.button("review", numeric=True)
async def review(ctx: Context, arg: str) -> None:
    """After the round closed: the questions with their correct answers."""
    rows = await attempts.review(ctx.session, user_id=ctx.user.id, attempt_id=int(arg), now=ctx.now)
    ctx.say("contest/review", rows=rows)


def _today(ctx: Context) -> date:
    return ctx.now.astimezone(ctx.config.timezone).date()
