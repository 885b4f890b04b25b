"""The outreach library: topics, paged lists, search, deliveries and subscriptions."""

import re
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Action, Option, Outgoing, action_payload
from bot.services.core.errors import InvalidInput, NotFound
from bot.services.core.matching import fold
from bot.services.core.texts import Texts
from bot.services.messaging import outbox
from db.models import Delivery, Material, Subscription, Topic, User

PAGE_SIZE = 8
SEARCH_CUTOFF = 75
_BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class TopicView:
    """A topic with how many materials it holds."""

    key: str
    label: str
    emoji: str | None
    count: int


@dataclass(frozen=True)
class MaterialView:
    """A material ready to be shown in a chat."""

    id: int
    title: str
    summary: str
    text: str
    attachment: str | None
    link: str | None
    source: str
    topics: tuple[str, ...] = ()


# Words around a request in plain speech ("cho tôi tài liệu về rác thải"), folded.
FILLER = frozenset(
    [
        "cho",
        "toi",
        "minh",
        "em",
        "anh",
        "chi",
        "ban",
        "xin",
        "tim",
        "muon",
        "can",
        "doc",
        "xem",
        "tai",
        "lieu",
        "ve",
        "cac",
        "nhung",
        "gi",
        "a",
        "voi",
        "nhe",
        "oi",
        "hoi",
        "co",
        "khong",
        "biet",
        "thong",
        "tin",
        "huong",
        "dan",
        "lam",
        "sao",
        "the",
        "nao",
        "va",
        "hay",
        "giup",
        "duoc",
    ]
)
MIN_PHRASE = 4
RELATED = 3


def request_words(text: str) -> str:
    """What a plain request is about: its words without the filler, folded ("rac thai")."""
    return " ".join(w for w in fold(text).split() if w not in FILLER)


def chat_text(body: str) -> str:
    """Markdown made plain for chat: bullets as '•', bold markers and heading marks dropped."""
    lines = []
    for line in body.splitlines():
        stripped = _BOLD.sub(r"\1", line.strip())
        if stripped.startswith(("- ", "* ")):
            stripped = "• " + stripped[2:]
        lines.append(stripped.lstrip("#").strip() if stripped.startswith("#") else stripped)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _view(material: Material) -> MaterialView:
    return MaterialView(
        material.id,
        material.title,
        material.summary,
        chat_text(material.body),
        material.attachment,
        material.link,
        material.source,
        tuple(material.topics),
    )


async def list_topics(session: AsyncSession) -> list[TopicView]:
    """Topics in order, with their material counts."""
    materials = list(await session.scalars(select(Material.topics)))
    topics = await session.scalars(select(Topic).order_by(Topic.position))
    return [TopicView(t.key, t.label, t.emoji, sum(t.key in m for m in materials)) for t in topics]


async def get_topic(session: AsyncSession, key: str) -> TopicView:
    """One topic; NotFound for a stale or forged key."""
    for topic in await list_topics(session):
        if topic.key == key:
            return topic
    raise NotFound("materials/topic_gone")


async def list_page(
    session: AsyncSession, *, topic: str, page: int, size: int = PAGE_SIZE
) -> tuple[list[MaterialView], int]:
    """One page (at most `size`, 8 in a chat) of a topic's materials, and the number of pages."""
    materials = [
        m
        for m in await session.scalars(select(Material).order_by(Material.position, Material.id))
        if topic in m.topics
    ]
    pages = max(1, -(-len(materials) // size))
    page = min(max(page, 0), pages - 1)
    return [_view(m) for m in materials[page * size : (page + 1) * size]], pages


async def get_material(session: AsyncSession, material_id: int) -> MaterialView:
    """One material; NotFound when it no longer exists."""
    material = await session.get(Material, material_id)
    if material is None:
        raise NotFound("materials/gone")
    return _view(material)


async def search(
    session: AsyncSession, query: str, *, limit: int = PAGE_SIZE
) -> list[MaterialView]:
    """Materials matching the words in title, topics or body, typos tolerated, best first."""
    folded = fold(query)
    if len(folded) < 2:
        raise InvalidInput("materials/query_too_short")
    labels = {t.key: t.label for t in await session.scalars(select(Topic))}
    scored = []
    for material in await session.scalars(select(Material)):
        title = fold(material.title)
        topics = fold(" ".join(labels.get(t, t) for t in material.topics))
        score = max(
            fuzz.partial_ratio(folded, title) + 5,
            fuzz.partial_ratio(folded, topics),
            fuzz.partial_ratio(folded, fold(material.body)) - 5,
        )
        if score >= SEARCH_CUTOFF:
            scored.append((score, material.position, material))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [_view(m) for _, _, m in scored[:limit]]


async def find_by_words(session: AsyncSession, text: str) -> list[MaterialView]:
    """Materials that contain what a plain request is about ("tui nilon" in "túi ni lông"):
    stricter than `search`, since the person did not ask the library. Titles first."""
    phrase = request_words(text)
    joined = phrase.replace(" ", "")
    if len(joined) < MIN_PHRASE:
        return []
    labels = {t.key: t.label for t in await session.scalars(select(Topic))}
    ranked = []
    query = select(Material).order_by(Material.position, Material.id)
    for material in await session.scalars(query):
        # Topic keys are words too ("rac-thai": "rác thải" is nowhere in the texts).
        topics = " ".join(f"{labels.get(t, t)} {t.replace('-', ' ')}" for t in material.topics)
        for rank, field in enumerate((material.title, topics, material.body)):
            folded = fold(field)
            if phrase in folded or joined in folded.replace(" ", ""):
                ranked.append((rank, material.position, material))
                break
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [_view(m) for _, _, m in ranked[:PAGE_SIZE]]


async def list_related(session: AsyncSession, material: MaterialView) -> list[MaterialView]:
    """A few other materials sharing a topic with this one, in library order."""
    query = select(Material).where(Material.id != material.id)
    others = await session.scalars(query.order_by(Material.position, Material.id))
    shared = [m for m in others if set(m.topics) & set(material.topics)]
    return [_view(m) for m in shared[:RELATED]]


async def record_delivery(
    session: AsyncSession, *, material_id: int, user_id: int, via: str, now: datetime
) -> None:
    """Log that someone received a material (on request or by broadcast)."""
    user = await session.get(User, user_id)
    session.add(
        Delivery(
            material_id=material_id,
            user_id=user_id,
            unit_id=user.unit_id if user else None,
            channel=user.channel if user else "",
            via=via,
            delivered_at=now,
        )
    )


async def subscribed_topics(session: AsyncSession, user_id: int) -> set[str]:
    """The topics a user follows."""
    rows = await session.scalars(select(Subscription.topic).where(Subscription.user_id == user_id))
    return set(rows)


async def toggle_subscription(
    session: AsyncSession, *, user_id: int, topic: str, now: datetime
) -> bool:
    """Follow a topic, or stop following it; True when now subscribed."""
    await get_topic(session, topic)
    if topic in await subscribed_topics(session, user_id):
        await session.execute(
            delete(Subscription).where(Subscription.user_id == user_id, Subscription.topic == topic)
        )
        return False
    session.add(Subscription(user_id=user_id, topic=topic, created_at=now))
    return True


async def announce_new(session: AsyncSession, *, texts: Texts, now: datetime) -> int:
    """Tell each topic's subscribers about materials not announced yet; messages queued."""
    queued = 0
    pending = await session.scalars(select(Material).where(Material.announced_at.is_(None)))
    for material in pending:
        followers = await session.scalars(
            select(Subscription.user_id).where(Subscription.topic.in_(material.topics)).distinct()
        )
        view = _view(material)
        message = Outgoing(
            texts.render("materials/announce", m=view),
            (
                Option(
                    texts.render("materials/open"),
                    action_payload(Action.OPEN_MATERIAL, material.id),
                ),
            ),
        )
        for user_id in followers:
            queued += await outbox.enqueue(
                session, user_id=user_id, message=message, now=now, material_id=material.id
            )
        material.announced_at = now
    return queued
