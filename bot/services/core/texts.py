"""Every user-visible sentence comes from a Jinja2 template under content/templates/."""

from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta

from bot.services.core.wording import format_number, shorten


def _date(value: date | datetime) -> str:
    return value.strftime("%d/%m/%Y")


def _datetime(value: datetime) -> str:
    return value.strftime("%H:%M %d/%m/%Y")


class Texts:
    """Renders message templates; a missing variable is an error, never a blank."""

    def __init__(self, templates_dir: Path) -> None:
        """Load templates from the given folder."""
        self._loader = FileSystemLoader(templates_dir)
        self._env = Environment(
            loader=self._loader,
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 (plain-text chat messages, not HTML)
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            # Templates change with a release, not while the bot runs: no stat() per message.
            auto_reload=False,
        )
        # `number` is the one number style of every message; `shorten` cuts titles between words.
        self._env.filters.update(
            number=format_number, shorten=shorten, vndate=_date, vndatetime=_datetime
        )

    def render(self, name: str, **values: object) -> str:
        """Render `content/templates/<name>.txt.j2` and trim surrounding blank space."""
        return self._env.get_template(f"{name}.txt.j2").render(**values).strip()

    def exists(self, name: str) -> bool:
        """Whether a template of that name is present."""
        return f"{name}.txt.j2" in self._env.list_templates()

    def names(self) -> list[str]:
        """Every template's name, as `render` takes it."""
        return sorted(n.removesuffix(".txt.j2") for n in self._env.list_templates(".j2"))

    def variables(self, name: str) -> set[str]:
        """The values a template reads from its caller (the content checks fill them in)."""
        source, _, _ = self._loader.get_source(self._env, f"{name}.txt.j2")
        return meta.find_undeclared_variables(self._env.parse(source))
