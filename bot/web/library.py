"""/tai-lieu: the public library of outreach materials, by topic, with search."""

from aiohttp import web

from bot.services.core.errors import DomainError
from bot.services.outreach import materials
from bot.web.pages import Site

MAX_QUERY = 100


def library_routes(site: Site) -> list[web.AbstractRouteDef]:
    """The library's pages."""

    async def index(request: web.Request) -> web.Response:
        query = request.query.get("q", "").strip()[:MAX_QUERY]
        topic_key = request.query.get("chu-de", "")
        problem = None
        async with site.sessions() as session:
            topics = [t for t in await materials.list_topics(session) if t.count]
            topic = next((t for t in topics if t.key == topic_key), None)
            if query:
                try:
                    shown = await materials.search(session, query, limit=30)
                except DomainError:
                    shown, problem = [], "short"
            elif topic is not None:
                shown, _ = await materials.list_page(session, topic=topic.key, page=0, size=200)
            else:
                shown = []
        return site.pages.render(
            "library", topics=topics, topic=topic, query=query, shown=shown, problem=problem
        )

    async def material(request: web.Request) -> web.Response:
        raw = request.match_info["id"]
        async with site.sessions() as session:
            try:
                found = await materials.get_material(session, int(raw))
            except DomainError:
                found = None
        if found is None:
            return site.pages.render("not_found", status=404)
        leaflet = site.links.path_of(found.attachment) if found.attachment else None
        return site.pages.render("material", m=found, leaflet=leaflet)

    return [web.get("/tai-lieu", index), web.get(r"/tai-lieu/{id:\d{1,9}}", material)]
