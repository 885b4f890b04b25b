"""Telegram updates as values: the key and chat of a raw body, and the Incoming of an Update."""

from typing import Any

from telegram import Update

from bot.messages import Incoming, InputKind

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query"]


def update_key(body: dict[str, Any]) -> str | None:
    """The update id as the inbox key; None when the body is not a Telegram update."""
    update_id = body.get("update_id")
    return (
        str(update_id) if isinstance(update_id, int) and not isinstance(update_id, bool) else None
    )


def chat_of(body: dict[str, Any]) -> str | None:
    """The private chat an update belongs to (its updates are processed in order)."""
    message = body.get("message")
    if not isinstance(message, dict):
        query = body.get("callback_query")
        sender = query.get("from") if isinstance(query, dict) else None
        return _id(sender)
    return _id(message.get("chat"))


def _id(value: object) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), int):
        return str(value["id"])
    return None


def to_incoming(update: Update, *, inbox_id: int | None = None) -> Incoming | None:
    """The update as an Incoming; None for what the bot ignores (groups, edits, channels)."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != "private":
        return None
    base: dict[str, Any] = {
        "channel": CHANNEL,
        "chat_id": str(chat.id),
        "user_id": str(user.id),
        "display_name": user.full_name,
        "update_key": str(update.update_id),
        "inbox_id": inbox_id,
    }
    if update.callback_query is not None:
        return Incoming(kind=InputKind.BUTTON, payload=update.callback_query.data or "", **base)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return Incoming(kind=InputKind.TEXT, text=message.text, **base)
    # A photo, or a file such as a signed letter as PDF.
    file = message.photo[-1] if message.photo else message.document
    if file is not None:
        return Incoming(
            kind=InputKind.PHOTO if message.photo else InputKind.DOCUMENT,
            photo_ref=file.file_id,
            text=message.caption or "",
            **base,
        )
    return Incoming(kind=InputKind.OTHER, **base)
