"""The communes table of /dieu-phoi/xa kept per data version, and its rows kept as HTML."""

import asyncio
from datetime import date, datetime

from markupsafe import Markup

from bot.services.insights.dashboard import STANDINGS, CommuneTable, commune_table, select_rows
from bot.services.people.users import UserView
from bot.web.pages import Pages, Site


class CommuneTables:
    """The communes table, computed once per change of the data and shared by every
    coordinator of this process (filters and sorting are applied per request).

    It is kept under the data version the request read before anything else (see auth: the
    database raises it on every committed change of reports, units, the plan or officials, in
    any process) and the local date (standings move with the day). A new report, a review or
    a new official shows on the next load; a page costs one primary-key read while nothing
    changed. Requests that miss together wait for one computation.
    """

    def __init__(self, site: Site) -> None:
        """Nothing kept yet."""
        self.site = site
        self._kept: tuple[tuple[int, date], CommuneTable] | None = None
        self._pending: dict[tuple[int, date], asyncio.Future[CommuneTable]] = {}

    async def get(self, user: UserView, version: int | None) -> CommuneTable:
        """The table at the data version this request read (None: computed, not kept)."""
        now = self.site.clock()
        if version is None:  # no counter to go by: nothing is kept
            return await self._compute(user.role, now)
        key = (version, now.astimezone(self.site.tz).date())
        kept = self._kept
        if kept is not None and kept[0] == key:
            return kept[1]
        pending = self._pending.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._compute_and_keep(key, user.role, now))
            self._pending[key] = pending
            pending.add_done_callback(lambda _done: self._pending.pop(key, None))
        # Shielded: a coordinator who leaves does not cancel the others' table.
        return await asyncio.shield(pending)

    async def _compute_and_keep(
        self, key: tuple[int, date], role: str, now: datetime
    ) -> CommuneTable:
        table = await self._compute(role, now)
        kept = self._kept
        if kept is None or key > kept[0]:  # a slower, older computation never wins
            self._kept = (key, table)
        return table

    async def _compute(self, role: str, now: datetime) -> CommuneTable:
        async with self.site.sessions() as db:
            return await commune_table(db, actor_role=role, now=now, tz=self.site.tz)


class CommuneRows:
    """The filters and rows of the communes table as HTML, per filter and order, for the table
    they were rendered from: the same for every coordinator, so rendered once."""

    LIMIT = 256  # filters typed by hand are many; forget them all rather than grow

    def __init__(self, pages: Pages) -> None:
        """Nothing rendered yet."""
        self.pages = pages
        self._table: CommuneTable | None = None
        self._html: dict[tuple[str, str, str], Markup] = {}

    def html(self, table: CommuneTable, *, query: str, standing: str, sort: str) -> Markup:
        """The filters and rows of `table` filtered and ordered so."""
        if table is not self._table or len(self._html) >= self.LIMIT:
            self._table, self._html = table, {}
        key = (query, standing, sort)
        found = self._html.get(key)
        if found is None:
            found = self._html[key] = self.pages.fragment(
                "dashboard/communes_rows",
                t=select_rows(table, query=query, standing=standing, sort=sort),
                q=query,
                standing=standing,
                sort=sort,
                standings=STANDINGS,
            )
        return found
