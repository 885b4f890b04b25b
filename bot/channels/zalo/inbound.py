"""Zalo update bodies (webhook or getUpdates, wrapped in `{ok, result}` or not) as values."""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from bot.messages import Incoming, InputKind

CHANNEL = "zalo"
TEXT_EVENT = "message.text.received"
IMAGE_EVENT = "message.image.received"


@dataclass(frozen=True)
class ZaloUpdate:
    """One Zalo event, reduced to the fields the bot reads; ids are strings, dates in ms."""

    event_name: str
    key: str
    chat_id: str | None = None
    user_id: str | None = None
    display_name: str | None = None
    text: str = ""
    photo_url: str | None = None
    date_ms: int = 0
    is_group: bool = False
    is_bot: bool = False


def unwrap(body: object) -> dict[str, Any] | None:
    """The event object of a body: `{ok, result: {event_name…}}` or `{event_name…}` alike."""
    if not isinstance(body, dict):
        return None
    result = body.get("result")
    if isinstance(result, dict) and "event_name" in result:
        return result
    return body if "event_name" in body else None


def update_key(event: dict[str, Any]) -> str:
    """The dedupe key: the message id, else a digest of the event (a re-delivery is identical)."""
    message = event.get("message")
    if isinstance(message, dict) and message.get("message_id"):
        return str(message["message_id"])[:128]
    canonical = json.dumps(event, sort_keys=True, ensure_ascii=False).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()


def parse_update(body: object) -> ZaloUpdate | None:
    """The event in a body, or None when the body is not a Zalo event at all."""
    event = unwrap(body)
    if event is None:
        return None
    message = event.get("message")
    message = message if isinstance(message, dict) else {}
    chat, sender = _dict(message.get("chat")), _dict(message.get("from"))
    chat_id = _text(chat.get("id")) or _text(sender.get("id"))
    photo = _text(message.get("photo_url")) or _text(message.get("photo"))
    text = _text(message.get("text")) or _text(message.get("caption")) or ""
    return ZaloUpdate(
        event_name=str(event.get("event_name") or ""),
        key=update_key(event),
        chat_id=chat_id,
        user_id=_text(sender.get("id")) or chat_id,
        display_name=_text(sender.get("display_name"))
        or _text(sender.get("name"))
        or _text(sender.get("first_name")),
        text=text,
        photo_url=photo if photo and photo.startswith(("http://", "https://")) else None,
        date_ms=_int(message.get("date")),
        is_group=str(chat.get("chat_type") or "").upper() == "GROUP",
        is_bot=sender.get("is_bot") is True,
    )


def to_incoming(
    update: ZaloUpdate, *, photo_ref: str | None = None, inbox_id: int | None = None
) -> Incoming | None:
    """The update for the dialog engine; None when there is nobody to answer (or a group).

    Text is text; an image is a PHOTO (with `photo_ref`, the stored copy, and its caption);
    stickers, voice, files and anything unknown are OTHER, which gets a polite sentence.
    """
    if update.chat_id is None or update.is_group or update.is_bot:
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": update.chat_id,
        "user_id": update.user_id or update.chat_id,
        "display_name": update.display_name,
        "update_key": update.key,
        "inbox_id": inbox_id,
    }
    if update.event_name == TEXT_EVENT and update.text:
        return Incoming(kind=InputKind.TEXT, text=update.text, **base)
    if update.event_name == IMAGE_EVENT and photo_ref:
        return Incoming(kind=InputKind.PHOTO, photo_ref=photo_ref, text=update.text, **base)
    return Incoming(kind=InputKind.OTHER, **base)


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0
