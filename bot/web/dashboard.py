"""/dieu-phoi: the coordinators' dashboard. Thin handlers: the rules and figures are the
services' (the same as /tongquan, /xacminh, /xuatexcel and /baocaoky in the chat)."""

import asyncio
from datetime import datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.dialog.flows.report_history import open_button
from bot.messages import Outgoing
from bot.services.core.errors import DomainError
from bot.services.documents.reports import build_document
from bot.services.insights import exports, status
from bot.services.insights.dashboard import SORTS, select_rows, unit_reports
from bot.services.insights.digests import coordinator_digest
from bot.services.insights.periodic_report import assemble_report, file_name, find_period
from bot.services.messaging import outbox
from bot.services.people.users import UserView
from bot.services.plan.tasks import get_plan_info, list_tasks
from bot.services.reports.changes import list_unreviewed, review_report
from bot.services.reports.recording import ReportView
from bot.services.reports.review_notices import count_waiting
from bot.web.auth import (
    DATA_VERSION,
    HOME,
    Coordinators,
    Handler,
    Page,
    WebSession,
    coordinator_page,
    login_routes,
)
from bot.web.communes import CommuneRows, CommuneTables
from bot.web.pages import Site
from bot.web.versions import DataVersions

REVIEW_PAGE = 50


def dashboard_routes(site: Site) -> list[web.AbstractRouteDef]:
    """Every dashboard page, each behind the coordinator check."""
    pages = _Pages(site)
    known = Coordinators(DataVersions(site.sessions))

    def guard(page: Page) -> Handler:
        return coordinator_page(site, page, known)

    return [
        *login_routes(site, known),
        web.get(HOME, guard(pages.overview)),
        web.get(HOME + "/xa", guard(pages.communes)),
        web.get(HOME + r"/xa/{id:\d{1,9}}", guard(pages.commune)),
        web.get(HOME + r"/nhiem-vu/{code:[IVX]{1,4}\.\d{1,2}}", guard(pages.task)),
        web.get(HOME + "/xac-minh", guard(pages.to_review)),
        web.post(HOME + r"/xac-minh/{id:\d{1,9}}", guard(pages.review)),
        web.get(HOME + "/tai-ve/excel", guard(pages.excel)),
        web.get(HOME + "/tai-ve/word", guard(pages.word)),
    ]


class _Pages:
    def __init__(self, site: Site) -> None:
        self.site = site
        self.tables = CommuneTables(site)
        self.rows = CommuneRows(site.pages)

    def render(self, name: str, s: WebSession, user: UserView, **values: Any) -> web.Response:
        page = self.site.pages.render(
            f"dashboard/{name}", csrf=s.csrf, me=user, section=name, **values
        )
        # Names, phones and reports: not kept by the browser (Back after logging out on a
        # shared computer shows nothing).
        page.headers["Cache-Control"] = "no-store"
        return page

    def now(self) -> datetime:
        return self.site.clock()

    def sentence(self, error: DomainError) -> str:
        return self.site.texts.render(error.template, **error.values)

    async def overview(self, _r: web.Request, user: UserView, s: WebSession) -> web.Response:
        async with self.site.sessions() as db:
            digest = await coordinator_digest(
                db, actor_role=user.role, now=self.now(), tz=self.site.tz
            )
            tasks = await list_tasks(db) + await list_tasks(db, kind="duty")
        texts = self.site.texts
        figures = [(f, texts.render("kpi/target", f=f), _progress(f)) for f in digest.figures]
        return self.render("overview", s, user, d=digest, figures=figures, tasks=tasks)

    async def communes(self, request: web.Request, user: UserView, s: WebSession) -> web.Response:
        query = request.query.get("q", "").strip()[:100]
        standing = request.query.get("trang-thai", "")
        sort = request.query.get("sap-xep", "name")
        sort = sort if sort.removeprefix("-") in SORTS else "name"
        table = await self.tables.get(user, request.get(DATA_VERSION))
        rows = self.rows.html(table, query=query, standing=standing, sort=sort)
        # The figures are those of the version read for this request: true as of now.
        shown = select_rows(table, query=query, standing=standing, sort=sort, as_of=self.now())
        return self.render("communes", s, user, t=shown, rows=rows)

    async def commune(self, request: web.Request, user: UserView, s: WebSession) -> web.Response:
        unit_id = int(request.match_info["id"])
        async with self.site.sessions() as db:
            try:
                year = (await get_plan_info(db)).reporting_year(
                    self.now().astimezone(self.site.tz).date()
                )
                found = await status.unit_status(
                    db, actor_role=user.role, unit_id=unit_id, year=year
                )
                history = await unit_reports(db, actor=user, unit_id=unit_id, now=self.now())
            except DomainError as exc:
                return self.render("problem", s, user, message=self.sentence(exc), status=404)
        photos = {
            report_id: [self.site.links.path_of(ref) for _channel, ref in refs]
            for report_id, refs in history.photos.items()
        }
        return self.render("commune", s, user, u=found, h=history, photos=photos)

    async def task(self, request: web.Request, user: UserView, s: WebSession) -> web.Response:
        async with self.site.sessions() as db:
            try:
                year = (await get_plan_info(db)).reporting_year(
                    self.now().astimezone(self.site.tz).date()
                )
                found = await status.task_status(
                    db, actor_role=user.role, code=request.match_info["code"], year=year
                )
            except DomainError as exc:
                return self.render("problem", s, user, message=self.sentence(exc), status=404)
        return self.render("task", s, user, t=found)

    async def to_review(self, request: web.Request, user: UserView, s: WebSession) -> web.Response:
        reports, waiting = await self._waiting(user)
        done = request.query.get("xong", "")
        outcome = request.query.get("kq", "")
        return self.render(
            "review",
            s,
            user,
            reports=reports,
            waiting=waiting,
            done=int(done) if done.isdigit() else None,
            outcome=outcome if outcome in ("verified", "rejected") else None,
            problem=None,
        )

    async def review(self, request: web.Request, user: UserView, s: WebSession) -> web.Response:
        form = await request.post()
        report_id = int(request.match_info["id"])
        action = form.get("action")
        if action not in ("verify", "reject"):
            raise web.HTTPBadRequest(text=self.site.texts.render("web/bad_request"))
        reason = str(form.get("reason") or "").strip()
        verified = action == "verify"
        try:
            async with self.site.session() as db:
                outcome = await review_report(
                    db,
                    actor=user,
                    report_id=report_id,
                    verified=verified,
                    reason=None if verified else reason,
                    now=self.now(),
                )
                await self._tell(db, outcome.reporter_id, outcome.report)
        except DomainError as exc:
            reports, waiting = await self._waiting(user)
            page = self.render(
                "review",
                s,
                user,
                reports=reports,
                waiting=waiting,
                done=None,
                outcome=None,
                problem=(report_id, self.sentence(exc)),
            )
            page.set_status(400)
            return page
        kind = "verified" if verified else "rejected"
        return web.Response(
            status=303, headers={"Location": f"{HOME}/xac-minh?xong={report_id}&kq={kind}"}
        )

    async def _waiting(self, user: UserView) -> tuple[list[ReportView], int]:
        """The first page of reports to verify, and how many wait in all."""
        async with self.site.sessions() as db:
            reports = await list_unreviewed(db, actor=user, now=self.now(), limit=REVIEW_PAGE)
            waiting, _oldest = await count_waiting(db)
        return reports, waiting

    async def _tell(self, db: Any, reporter_id: int | None, report: Any) -> None:
        """The author hears of it in their chat, as after /xacminh."""
        if reporter_id is None:
            return
        texts = self.site.texts
        text = texts.render(f"history/told_{report.status}", r=report)
        button = open_button(texts.render, report.id)
        await outbox.enqueue(
            db, user_id=reporter_id, message=Outgoing(text, (button,)), now=self.now()
        )

    async def excel(self, _r: web.Request, user: UserView, _s: WebSession) -> web.StreamResponse:
        async with self.site.sessions() as db:
            sheets = await exports.read_for_chat(
                db, actor_role=user.role, now=self.now(), tz=self.site.tz
            )
        # Laid out once the session is closed, in a worker thread: the loop never waits on it.
        data = await asyncio.to_thread(exports.build_workbook, sheets)
        local = self.now().astimezone(self.site.tz)
        return _download(data, f"SXTDBV-{local:%Y-%m-%d}.xlsx", XLSX)

    async def word(self, request: web.Request, user: UserView, s: WebSession) -> web.Response:
        local = self.now().astimezone(self.site.tz)
        typed = request.query.get("ky", "").strip()[:40]
        async with self.site.sessions() as db:
            try:
                period = await find_period(db, typed=typed, today=local.date())
                content = await assemble_report(
                    db,
                    actor_role=user.role,
                    period=period,
                    texts=self.site.texts,
                    now=self.now(),
                    tz=self.site.tz,
                )
            except DomainError as exc:
                return self.render("problem", s, user, message=self.sentence(exc), status=400)
        data = await asyncio.to_thread(build_document, content)
        return _download(data, file_name(period), DOCX)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _download(data: bytes, name: str, kind: str) -> web.Response:
    return web.Response(
        body=data,
        headers={
            "Content-Type": kind,
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "no-store",
        },
    )


def _progress(figure: Any) -> tuple[float, float] | None:
    """The bar of a target: the share counted, and what pending reports would add (percent)."""
    if figure.current is None:
        return None
    whole = figure.denominator if figure.kind == "registry_share" else figure.target
    if not whole:
        return None
    pending = 0 if figure.counts_pending else (figure.pending or 0)
    done = min(100.0, 100.0 * figure.current / whole)
    return done, min(100.0 - done, 100.0 * pending / whole)
