"""Loading the materials library (topics and material files) into the database."""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.content.material_files import MaterialSpec, TopicSpec
from bot.services.seeding.rows import SeedSummary, assign
from db.models import Material, Topic


async def apply_library(
    session: AsyncSession,
    topics: tuple[TopicSpec, ...],
    materials: tuple[MaterialSpec, ...],
    summary: SeedSummary,
) -> None:
    """Upsert topics by key and materials by id (slug); new materials await announcement."""
    await _apply_topics(session, topics, summary)
    existing = {m.slug: m for m in await session.scalars(select(Material))}
    for position, material in enumerate(materials, start=1):
        values = _values(material, position)
        row = existing.get(material.slug)
        if row is None:
            session.add(Material(slug=material.slug, **values))
            summary.created["materials"] += 1
        elif assign(row, values):
            summary.updated["materials"] += 1


async def _apply_topics(
    session: AsyncSession, topics: tuple[TopicSpec, ...], summary: SeedSummary
) -> None:
    existing = {t.key: t for t in await session.scalars(select(Topic))}
    for position, topic in enumerate(topics, start=1):
        values: dict[str, object] = {
            "label": topic.label,
            "emoji": topic.emoji,
            "position": position,
        }
        row = existing.get(topic.key)
        if row is None:
            session.add(Topic(key=topic.key, **values))
            summary.created["topics"] += 1
        elif assign(row, values):
            summary.updated["topics"] += 1
    await session.flush()


def _values(spec: MaterialSpec, position: int) -> dict[str, object]:
    return {
        "title": spec.title,
        "topics": list(spec.topics),
        "audiences": list(spec.audiences),
        "format": spec.format,
        "summary": spec.summary,
        "body": spec.body,
        "attachment": spec.leaflet_path if spec.leaflet else None,
        "link": spec.link,
        "source": spec.source,
        "published_on": spec.published_on,
        "position": position,
    }


def leaflets_to_build(materials: tuple[MaterialSpec, ...], content_dir: Path) -> list[MaterialSpec]:
    """Materials whose leaflet is missing or older than their Markdown file."""
    result = []
    for spec in materials:
        target = content_dir / spec.leaflet_path
        if spec.leaflet and (
            not target.exists() or target.stat().st_mtime < spec.path.stat().st_mtime
        ):
            result.append(spec)
    return result
