"""Every path of the web server besides the webhooks, /healthz and /metrics."""

from aiohttp import web

from bot.web.contest import contest_routes
from bot.web.dashboard import dashboard_routes
from bot.web.files import file_routes
from bot.web.library import library_routes
from bot.web.pages import Site, static_route


def site_routes(site: Site) -> list[web.AbstractRouteDef]:
    """Signed files, the stylesheet, the public library, the dashboard."""
    return [
        *file_routes(site.links, refusal=site.texts.render("web/link_invalid")),
        static_route(site.content_dir / "web" / "static"),
        *library_routes(site),
        *dashboard_routes(site),
        *contest_routes(site),
    ]
