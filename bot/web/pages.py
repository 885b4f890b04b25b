"""Server-rendered pages: Jinja2 templates under content/web/, escaped HTML, no build step."""

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.core.texts import Texts
from bot.services.core.wording import format_number
from bot.settings import LOOPBACK, IPNetwork
from bot.web.files import Clock, FileLinks, Signer, utcnow


@dataclass(frozen=True)
class Block:
    """A heading, a paragraph or a bulleted list of a material's text."""

    kind: str  # 'heading', 'paragraph' or 'list'
    lines: tuple[str, ...]


def blocks(text: str) -> list[Block]:
    """Chat text ('•' bullets, blank lines between paragraphs) as blocks for HTML: runs of
    bullets become lists, a short line without a full stop before more lines a heading."""
    found: list[Block] = []
    for chunk in text.split("\n\n"):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if len(lines) > 1 and len(lines[0]) < 80 and not lines[0].endswith((".", ":", ";")):
            found.append(Block("heading", (lines.pop(0),)))
        run: list[str] = []
        for line in [*lines, ""]:
            bullet = line.startswith("• ")
            if run and (not line or bullet != run[0].startswith("• ")):
                if run[0].startswith("• "):
                    found.append(Block("list", tuple(x.removeprefix("• ") for x in run)))
                else:
                    found.append(Block("paragraph", tuple(run)))
                run = []
            if line:
                run.append(line)
    return found


class Pages:
    """Renders `content/web/<name>.html.j2` into a response (autoescaped)."""

    def __init__(self, folder: Path, tz: ZoneInfo) -> None:
        """Load templates from `folder`; times are shown in `tz`."""
        self._env = Environment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(["j2", "html"]),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._tz = tz
        self._env.filters.update(
            number=format_number, vndate=_date, vndatetime=self._datetime, blocks=blocks
        )

    def _datetime(self, value: datetime | None) -> str:
        return "" if value is None else value.astimezone(self._tz).strftime("%H:%M %d/%m/%Y")

    def render(self, name: str, *, status: int = 200, **values: Any) -> web.Response:
        """An HTML page."""
        html = self._env.get_template(f"{name}.html.j2").render(**values)
        return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")

    def fragment(self, name: str, **values: Any) -> Markup:
        """A piece of a page (escaped already), to be rendered once and placed in pages."""
        return Markup(self._env.get_template(f"{name}.html.j2").render(**values))  # noqa: S704


def _date(value: date | datetime | None) -> str:
    return "" if value is None else value.strftime("%d/%m/%Y")


@dataclass(frozen=True)
class Site:
    """What page handlers share: sessions, pages, links, the key, the clock."""

    sessions: async_sessionmaker[AsyncSession]
    pages: Pages
    links: FileLinks
    signer: Signer
    texts: Texts
    tz: ZoneInfo
    content_dir: Path
    public_base_url: str | None
    clock: Clock = utcnow
    # Set the cookie's Secure flag (the public address is https).
    secure: bool = False
    # Where generated downloads are written (the same folder as the chat's exports).
    export_dir: Path = Path("var") / "exports"
    # The Telegram bot's token: it checks who opens the contest's Mini App (None: no Mini App).
    telegram_token: str | None = field(default=None, repr=False)
    # Proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES): limits go by the real client.
    trusted_proxies: tuple[IPNetwork, ...] = LOOPBACK

    def session(self) -> Any:
        """A read-write transaction (committed on leaving the block)."""
        return self.sessions.begin()


def static_route(folder: Path) -> web.AbstractRouteDef:
    """The pages' stylesheet and small script (no listing, no symbolic links followed)."""
    return web.static("/static", folder, show_index=False, follow_symlinks=False)
