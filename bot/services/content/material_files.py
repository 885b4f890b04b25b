"""Reading content/materials/: topics.yaml and one Markdown file with front matter per material."""

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from bot.services.content.files import FileProblem, decode_utf8
from bot.services.content.plan_file import load_yaml_list
from bot.services.content.problems import Problems

AUDIENCES = ("officials", "businesses", "students", "citizens")
FORMATS = ("text", "document", "image", "video_link")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class TopicSpec:
    """A topic of the library."""

    key: str
    label: str
    emoji: str | None


@dataclass(frozen=True)
class MaterialSpec:
    """One material file."""

    slug: str
    title: str
    topics: tuple[str, ...]
    audiences: tuple[str, ...]
    format: str
    summary: str
    body: str
    leaflet: bool
    link: str | None
    source: str
    published_on: date
    path: Path

    @property
    def leaflet_path(self) -> str:
        """Where its PDF leaflet lives, relative to the content folder."""
        return f"leaflets/{self.slug}.pdf"


def load_topics(folder: Path, problems: Problems) -> list[TopicSpec]:
    """The topics of topics.yaml."""
    path = folder / "topics.yaml"
    topics = []
    for item in load_yaml_list(path, "topics", problems):
        key, label = str(item.get("key") or ""), str(item.get("label") or "")
        if not SLUG.match(key) or not label:
            problems.add(path, item.line, "a topic needs an ASCII key and a label")
            continue
        topics.append(TopicSpec(key, label, item.get("emoji")))
    return topics


def load_materials(folder: Path, topics: set[str], problems: Problems) -> list[MaterialSpec]:
    """Every `*.md` file of the folder, checked."""
    return [m for path in sorted(folder.glob("*.md")) if (m := _material(path, topics, problems))]


def _material(path: Path, topics: set[str], problems: Problems) -> MaterialSpec | None:
    try:
        text = decode_utf8(path.read_bytes())
    except FileProblem as exc:
        problems.add(path, exc.line, str(exc))
        return None
    head, body = _split(text)
    if head is None:
        problems.add(path, 1, "expected YAML front matter between '---' lines")
        return None
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(path, (mark.line + 2) if mark else 1, f"front matter is not valid YAML: {exc}")
        return None
    if not isinstance(meta, dict):
        problems.add(path, 1, "front matter must be a mapping")
        return None
    return _checked(path, meta, body.strip(), topics, problems)


def _split(text: str) -> tuple[str | None, str]:
    if not text.startswith("---\n"):
        return None, text
    end = text.find("\n---", 4)
    if end < 0:
        return None, text
    return text[4:end], text[end + 4 :]


def _checked(
    path: Path, meta: dict[str, Any], body: str, topics: set[str], problems: Problems
) -> MaterialSpec | None:
    missing = [
        k
        for k in ("id", "title", "topics", "audiences", "format", "summary", "source", "date")
        if not meta.get(k)
    ]
    if missing or not body:
        problems.add(path, 1, f"missing {', '.join(missing) or 'body'}")
        return None
    slug = str(meta["id"])
    errors = []
    if slug != path.stem or not SLUG.match(slug):
        errors.append(f"id {slug!r} must be the file name, ASCII lowercase with hyphens")
    errors += [f"unknown topic {t!r}" for t in meta["topics"] if t not in topics]
    errors += [f"unknown audience {a!r}" for a in meta["audiences"] if a not in AUDIENCES]
    if meta["format"] not in FORMATS:
        errors.append(f"format must be one of {', '.join(FORMATS)}")
    if not isinstance(meta["date"], date):
        errors.append("date must be YYYY-MM-DD")
    for error in errors:
        problems.add(path, 1, error)
    if errors:
        return None
    return MaterialSpec(
        slug,
        str(meta["title"]),
        tuple(meta["topics"]),
        tuple(meta["audiences"]),
        str(meta["format"]),
        str(meta["summary"]),
        body,
        bool(meta.get("leaflet")),
        meta.get("link") or None,
        str(meta["source"]),
        meta["date"],
        path,
    )
