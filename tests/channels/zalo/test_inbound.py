"""Every kind of Zalo event, wrapped and unwrapped, becomes the right Incoming (or none)."""

import json
from pathlib import Path
from typing import Any

import pytest

from bot.channels.zalo.inbound import parse_update, to_incoming, unwrap, update_key
from bot.messages import InputKind

FIXTURES = Path(__file__).parent / "fixtures"
CHAT = "e4ea2cd5189df1c3a88c"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def shaped(name: str, form: str) -> dict[str, Any]:
    event = load(name)
    return {"ok": True, "result": event} if form == "wrapped" else event


FORMS = ["wrapped", "unwrapped"]


@pytest.mark.parametrize("form", FORMS)
def test_text(form: str) -> None:
    update = parse_update(shaped("text", form))
    assert update is not None
    assert update.key == "16f6366b3f02645a3d15"
    assert update.date_ms == 1766619597466
    incoming = to_incoming(update)
    assert incoming is not None
    assert incoming.kind == InputKind.TEXT
    assert (incoming.channel, incoming.chat_id, incoming.user_id) == ("zalo", CHAT, CHAT)
    assert incoming.text == "bao cao"
    assert incoming.display_name == "Nguyễn Văn A"
    assert incoming.update_key == "16f6366b3f02645a3d15"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("image", "https://photo-stal-1.zdn.vn/ab/cd/ef/anh-hien-truong.jpg"),
        ("image_legacy_photo", "https://photo-stal-1.zdn.vn/12/34/56/anh-cu.jpg"),
    ],
)
def test_image_is_a_photo_once_stored(form: str, name: str, url: str) -> None:
    update = parse_update(shaped(name, form))
    assert update is not None
    assert update.photo_url == url
    incoming = to_incoming(update, photo_ref="zalo/2026/11/x.jpg")
    assert incoming is not None
    assert incoming.kind == InputKind.PHOTO
    assert incoming.photo_ref == "zalo/2026/11/x.jpg"
    # Without a stored copy there is nothing to keep as evidence.
    unstored = to_incoming(update)
    assert unstored is not None
    assert unstored.kind == InputKind.OTHER


def test_the_caption_comes_with_the_photo() -> None:
    update = parse_update(load("image"))
    assert update is not None
    incoming = to_incoming(update, photo_ref="ref")
    assert incoming is not None
    assert incoming.text == "Ảnh hiện trường"


def test_the_legacy_sender_name_is_read() -> None:
    update = parse_update(load("image_legacy_photo"))
    assert update is not None
    assert update.display_name == "Nguyễn Văn A"


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("name", ["sticker", "voice", "unsupported"])
def test_what_the_bot_cannot_read_is_other(form: str, name: str) -> None:
    update = parse_update(shaped(name, form))
    assert update is not None
    incoming = to_incoming(update)
    assert incoming is not None
    assert incoming.kind == InputKind.OTHER
    assert incoming.chat_id == CHAT


@pytest.mark.parametrize("form", FORMS)
def test_unsupported_without_a_message_has_nobody_to_answer(form: str) -> None:
    update = parse_update(shaped("unsupported_no_message", form))
    assert update is not None
    assert update.key.startswith("sha256:")
    assert to_incoming(update) is None


def test_group_messages_are_ignored() -> None:
    update = parse_update(load("group_text"))
    assert update is not None
    assert update.is_group
    assert to_incoming(update) is None


def test_bots_are_ignored() -> None:
    event = load("text")
    event["message"]["from"]["is_bot"] = True
    update = parse_update(event)
    assert update is not None
    assert to_incoming(update) is None


@pytest.mark.parametrize(
    "body", [None, [], "text", {"ok": True}, {"ok": True, "result": {"message": {}}}, {"a": 1}]
)
def test_bodies_that_are_not_events(body: object) -> None:
    assert unwrap(body) is None
    assert parse_update(body) is None


def test_the_key_of_an_event_without_id_is_stable() -> None:
    event = load("unsupported_no_message")
    assert update_key(event) == update_key(json.loads(json.dumps(event)))
    assert update_key(event) != update_key({**event, "extra": 1})


def test_numbers_as_ids_become_strings() -> None:
    event = load("text")
    event["message"]["chat"]["id"] = 12345
    event["message"]["from"]["id"] = 12345
    update = parse_update(event)
    assert update is not None
    assert (update.chat_id, update.user_id) == ("12345", "12345")
