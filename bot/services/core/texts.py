"""Every user-visible sentence comes from a Jinja2 template under content/templates/."""

from datetime import date, datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined


def _number(value: float) -> str:
    """Vietnamese number style: 1.234,5 (dot for thousands, comma for decimals)."""
    whole = f"{value:,.1f}".rstrip("0").rstrip(".")
    return whole.replace(",", " ").replace(".", ",").replace(" ", ".")


def _date(value: date | datetime) -> str:
    return value.strftime("%d/%m/%Y")


def _datetime(value: datetime) -> str:
    return value.strftime("%H:%M %d/%m/%Y")


class Texts:
    """Renders message templates; a missing variable is an error, never a blank."""

    def __init__(self, templates_dir: Path) -> None:
        """Load templates from the given folder."""
        self._env = Environment(
            loader=FileSystemLoader(templates_dir),
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 (plain-text chat messages, not HTML)
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        self._env.filters.update(number=_number, vndate=_date, vndatetime=_datetime)

    def render(self, name: str, **values: object) -> str:
        """Render `content/templates/<name>.txt.j2` and trim surrounding blank space."""
        return self._env.get_template(f"{name}.txt.j2").render(**values).strip()

    def exists(self, name: str) -> bool:
        """Whether a template of that name is present."""
        return f"{name}.txt.j2" in self._env.list_templates()
