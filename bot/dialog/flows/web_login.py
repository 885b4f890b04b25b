"""/dangnhapweb: a coordinator gets a one-time link to the dashboard (10 minutes, once)."""

from bot.dialog.context import Context
from bot.dialog.router import Flow
from bot.services.core.access import Role
from bot.services.people.web_logins import LINK_LIFETIME, create_login

flow = Flow("web_login")
COORDINATOR = (Role.COORDINATOR,)
flow.menu_item("menu/web_login", "dangnhapweb", roles=COORDINATOR, order=33)
LOGIN_PATH = "/dieu-phoi/dang-nhap"


@flow.command(
    "dangnhapweb", roles=COORDINATOR, aliases=("dang nhap web", "trang dieu phoi", "dieu phoi")
)
async def web_login(ctx: Context, _args: str) -> None:
    """The link, when the web server has a public address; otherwise why there is none."""
    base = ctx.config.public_base_url
    if base is None:
        ctx.say("web/no_address")
        return
    token = await create_login(ctx.session, user=ctx.user, now=ctx.now)
    minutes = int(LINK_LIFETIME.total_seconds() // 60)
    ctx.say("web/login_link", url=f"{base}{LOGIN_PATH}?t={token}", minutes=minutes)
