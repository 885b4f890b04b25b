"""/thi/app: the contest page as a Telegram Mini App.

Telegram opens it with its signed launch data in the address's fragment (#tgWebAppData=…),
which a browser never sends by itself; the page's own small script (script-src 'self',
nothing loaded from Telegram) posts it here. The server checks it with the bot's token,
finds the student by their Telegram chat (a private chat's id is the user's id) and sends
them on to their own personal link: the same attempt, rules, clock and scoring.
"""

from aiohttp import web

from bot.services.contest.web_links import MINI_APP_PATH, read_contest_token, student_token
from bot.services.core.errors import DomainError
from bot.services.people.mini_app import MiniAppRefused, telegram_user_id
from bot.web.auth import RateLimit, client_address
from bot.web.pages import Site

CHANNEL = "telegram"


def mini_app_routes(
    site: Site, limit: RateLimit, refused: RateLimit | None = None
) -> list[web.AbstractRouteDef]:
    """The entry page and the post of its launch data.

    `limit` is the contest page's own (per student); `refused` counts forged or stale launch
    data per address, not "not registered yet", so a class behind one school address is never
    locked out by its own students.
    """
    app = _MiniApp(site, limit, refused or RateLimit(30, 300))
    return [web.get(MINI_APP_PATH, app.show), web.post(MINI_APP_PATH, app.open)]


class _MiniApp:
    def __init__(self, site: Site, limit: RateLimit, refused: RateLimit) -> None:
        self.site, self.limit, self.refused = site, limit, refused

    def refuse(self, template: str, status: int) -> web.Response:
        problem = self.site.texts.render(template)
        return self.site.pages.render("contest_app", status=status, problem=problem)

    async def show(self, _request: web.Request) -> web.Response:
        if not self.site.telegram_token:
            return self.refuse("web/mini_app_off", 404)
        return self.site.pages.render("contest_app", problem=None)

    async def open(self, request: web.Request) -> web.Response:
        bot_token = self.site.telegram_token
        if not bot_token:
            return self.refuse("web/mini_app_off", 404)
        address = client_address(request, self.site.trusted_proxies)
        if self.refused.exhausted(address):
            return self.refuse("web/mini_app_too_many", 429)
        init_data = (await request.post()).get("init_data")
        now = self.site.clock()
        try:
            telegram_id = telegram_user_id(str(init_data or ""), bot_token=bot_token, now=now)
            async with self.site.sessions() as db:
                token = await student_token(
                    db, self.site.signer, channel=CHANNEL, chat_id=str(telegram_id), now=now
                )
        except DomainError as exc:
            if isinstance(exc, MiniAppRefused):  # forged or stale: only these count
                self.refused.note(address)
            return self.refuse(exc.template, 403)
        found = read_contest_token(self.site.signer, token, now=now)
        if found is None or not self.limit.allow(str(found[0])):
            return self.refuse("web/mini_app_student_busy", 429)
        return web.Response(status=303, headers={"Location": f"/thi/{token}"})
