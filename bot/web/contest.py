"""/thi/<personal link>: the student's attempt on the web, the same as in the chat.

Same round, bank, rules, scoring and clock (bot.services.contest.attempts): a question's clock
starts when the page shows it. Plain forms, no script needed; each answer is posted, stored,
then the page moves on (post, redirect, get), so a reload never answers twice.
"""

from aiohttp import web

from bot.services.contest import attempts
from bot.services.contest.web_links import read_contest_token
from bot.services.core.errors import DomainError
from bot.web.auth import RateLimit
from bot.web.mini_app import mini_app_routes
from bot.web.pages import Site

PREFIX = "/thi/{token:[0-9]{1,12}\\.[0-9]{1,12}\\.[0-9]{1,12}\\.[0-9a-f]{40}}"


def contest_routes(site: Site, limit: RateLimit | None = None) -> list[web.AbstractRouteDef]:
    """The page and its three forms (start, answer, predict), and its Mini App entry, all
    under one limit per student."""
    page = _ContestPage(site, limit or RateLimit(120, 60))
    return [
        *mini_app_routes(site, page.limit),
        web.get(PREFIX, page.show),
        web.post(PREFIX + "/bat-dau", page.start),
        web.post(PREFIX + "/tra-loi", page.answer),
        web.post(PREFIX + "/du-doan", page.predict),
    ]


class _ContestPage:
    def __init__(self, site: Site, limit: RateLimit) -> None:
        self.site, self.limit = site, limit

    def who(self, request: web.Request) -> tuple[int, int]:
        """The student and round of the link; 404 for a wrong or expired link."""
        found = read_contest_token(
            self.site.signer, request.match_info["token"], now=self.site.clock()
        )
        if found is None:
            raise web.HTTPNotFound(text=self.site.texts.render("web/link_invalid"))
        if not self.limit.allow(str(found[0])):
            raise web.HTTPTooManyRequests(text=self.site.texts.render("web/too_many"))
        return found

    @staticmethod
    def back(request: web.Request, problem: str | None = None) -> web.Response:
        where = f"/thi/{request.match_info['token']}"
        if problem:
            where += f"?loi={problem}"
        return web.Response(status=303, headers={"Location": where})

    async def show(self, request: web.Request) -> web.Response:
        user_id, round_id = self.who(request)
        now = self.site.clock()
        async with self.site.session() as db:
            shown = await attempts.show_page(db, user_id=user_id, round_id=round_id, now=now)
        problem = request.query.get("loi", "")
        return self.site.pages.render(
            "contest",
            token=request.match_info["token"],
            round=shown.contest_round,
            state=shown.contest_round.state(now),
            registered=shown.registered,
            question=shown.question,
            attempt=shown.attempt,
            done=shown.done,
            problem=self.site.texts.render(PROBLEMS[problem]) if problem in PROBLEMS else None,
        )

    async def start(self, request: web.Request) -> web.Response:
        user_id, round_id = self.who(request)
        try:
            async with self.site.session() as db:
                await attempts.start_attempt(
                    db, user_id=user_id, round_id=round_id, channel="web", now=self.site.clock()
                )
        except DomainError as exc:
            return self.back(request, _problem(exc))
        return self.back(request)

    async def answer(self, request: web.Request) -> web.Response:
        user_id, _round_id = self.who(request)
        chosen = [str(v) for v in (await request.post()).getall("a", [])][:4]
        if not chosen:
            return self.back(request, "choose_first")
        try:
            async with self.site.session() as db:
                await attempts.answer_selected(
                    db, user_id=user_id, answer_ids=chosen, now=self.site.clock(), following=False
                )
        except DomainError as exc:
            return self.back(request, _problem(exc))
        return self.back(request)

    async def predict(self, request: web.Request) -> web.Response:
        user_id, round_id = self.who(request)
        typed = str((await request.post()).get("n") or "")[:20]
        now = self.site.clock()
        try:
            async with self.site.session() as db:
                current = await attempts.open_attempt(
                    db, user_id=user_id, round_id=round_id, now=now
                )
                if current is not None:
                    await attempts.predict(
                        db, user_id=user_id, attempt_id=current.id, text=typed, now=now
                    )
        except DomainError as exc:
            return self.back(request, _problem(exc))
        return self.back(request)


# The sentences a form may come back with (a query value picks one of these, nothing else).
PROBLEMS = {
    "choose_first": "web/contest_choose",
    "answer_stale": "web/contest_stale",
    "prediction_invalid_any": "contest/prediction_invalid_any",
    "round_not_open": "contest/round_not_open",
    "no_attempts_left": "contest/no_attempts_left",
    "already_started": "contest/already_started",
    "not_registered": "contest/not_registered",
}


def _problem(error: DomainError) -> str:
    name = error.template.removeprefix("contest/")
    if name == "prediction_invalid":
        return "prediction_invalid_any"
    return name if name in PROBLEMS else "answer_stale"
