"""The webhook receiver: the secret in constant time, bodies stored before 200."""

from typing import Any

import pytest

from bot.channels.zalo.webhook import WebhookReceiver

SECRET = "s3cret-webhook"


class Store:
    def __init__(self, fail: bool = False) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail = fail

    async def __call__(self, body: dict[str, Any]) -> None:
        if self.fail:
            raise RuntimeError("database down")
        self.bodies.append(body)


@pytest.mark.parametrize(
    ("secret", "status"), [(None, 401), ("wrong", 403), (SECRET + "x", 403), ("", 403)]
)
async def test_a_missing_or_wrong_secret_is_refused(secret: str | None, status: int) -> None:
    store = Store()
    assert await WebhookReceiver(SECRET, store).receive(secret, b'{"event_name": "x"}') == status
    assert store.bodies == []


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b'"text"'])
async def test_a_body_that_is_not_an_object_is_a_bad_request(raw: bytes) -> None:
    assert await WebhookReceiver(SECRET, Store()).receive(SECRET, raw) == 400


async def test_a_stored_body_is_answered_200() -> None:
    store = Store()
    assert await WebhookReceiver(SECRET, store).receive(SECRET, b'{"event_name": "x"}') == 200
    assert store.bodies == [{"event_name": "x"}]


async def test_a_body_that_could_not_be_stored_is_not_acknowledged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await WebhookReceiver(SECRET, Store(fail=True)).receive(SECRET, b"{}") == 500
    assert "could not store" in caplog.text
