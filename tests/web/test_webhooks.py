"""Webhooks: the secret before the body, small and quick bodies, JSON objects, stored before 200."""

import asyncio
import json
import logging
import resource
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.services.core.texts import Texts
from bot.web.server import Address, WebServer

SECRET = "s3cret-webhook"
HEADER = "X-Bot-Api-Secret-Token"


class Store:
    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail = False

    async def __call__(self, body: dict[str, Any]) -> bool:
        if self.fail:
            raise RuntimeError("database down")
        self.bodies.append(body)
        return True


async def healthy() -> dict[str, Any]:
    return {"database": "ok"}


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
async def client(store: Store, texts: Texts) -> AsyncIterator[TestClient[Any, Any]]:
    server = WebServer([Address("127.0.0.1", 0)], health=healthy, texts=texts)
    server.add_webhook(name="zalo", path="/hook", secret_header=HEADER, secret=SECRET, accept=store)
    async with TestClient(TestServer(server.app)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("secret", "status"), [(None, 401), ("wrong", 403), (SECRET + "x", 403), ("", 403)]
)
async def test_a_missing_or_wrong_secret_is_refused(
    client: TestClient[Any, Any], store: Store, secret: str | None, status: int
) -> None:
    headers = {HEADER: secret} if secret is not None else {}
    response = await client.post("/hook", json={"event_name": "x"}, headers=headers)
    assert response.status == status
    assert store.bodies == []


@pytest.mark.parametrize(
    "raw",
    [b"not json", b"[1, 2]", b'"text"', b"\xff\xfe{}", b"[" * 100_000 + b"]" * 100_000],
)
async def test_a_body_that_is_not_a_json_object_is_a_bad_request(
    client: TestClient[Any, Any], store: Store, raw: bytes
) -> None:
    response = await client.post("/hook", data=raw, headers={HEADER: SECRET})
    assert response.status == 400
    assert store.bodies == []


async def test_a_stored_body_is_answered_200(client: TestClient[Any, Any], store: Store) -> None:
    response = await client.post("/hook", json={"event_name": "x"}, headers={HEADER: SECRET})
    assert response.status == 200
    assert store.bodies == [{"event_name": "x"}]


async def test_a_body_that_could_not_be_stored_is_not_acknowledged(
    client: TestClient[Any, Any], store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    store.fail = True
    response = await client.post("/hook", json={}, headers={HEADER: SECRET})
    assert response.status == 500
    assert "could not store" in caplog.text


async def test_a_large_body_is_refused_without_reading_it(
    client: TestClient[Any, Any], store: Store
) -> None:
    big = json.dumps({"text": "x" * 300_000}).encode()
    response = await client.post("/hook", data=big, headers={HEADER: SECRET})
    assert response.status == 413

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted while read
        for _ in range(40):
            yield b" " * 10_000

    response = await client.post("/hook", data=chunks(), headers={HEADER: SECRET})
    assert response.status == 413
    assert store.bodies == []


async def test_the_secret_is_checked_before_the_body_is_read(client: TestClient[Any, Any]) -> None:
    """A 90 MB announced body without the secret is refused at once, with nothing read."""
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(b"POST /hook HTTP/1.1\r\nHost: x\r\nContent-Length: 94371840\r\n\r\n{")
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    assert b" 401 " in status_line
    writer.close()


async def test_a_body_that_never_finishes_is_dropped(
    client: TestClient[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.web.webhooks.BODY_SECONDS", 0.3)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    request = f"POST /hook HTTP/1.1\r\nHost: x\r\n{HEADER}: {SECRET}\r\nContent-Length: 100\r\n\r\n"
    writer.write(request.encode() + b'{"half": ')
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 5)
    assert b" 408 " in status_line
    writer.close()


async def test_a_flood_of_bad_requests_logs_one_line_a_minute(
    client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.web.webhooks"):
        for _ in range(50):
            response = await client.post("/hook", json={}, headers={HEADER: "wrong"})
            assert response.status == 403
    assert len([r for r in caplog.records if "refused" in r.getMessage()]) == 1


async def test_health_and_metrics(client: TestClient[Any, Any]) -> None:
    response = await client.get("/healthz")
    assert (response.status, await response.json()) == (200, {"database": "ok"})
    metrics = await (await client.get("/metrics")).text()
    assert "bot_updates_total" in metrics


async def test_a_thousand_half_sent_bodies_do_not_keep_a_real_update_out(
    client: TestClient[Any, Any], store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.web.webhooks.BODY_SECONDS", 2.0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096 <= hard or hard == resource.RLIM_INFINITY:
        resource.setrlimit(resource.RLIMIT_NOFILE, (4096, hard))
    elif soft < 4096:
        pytest.skip(f"this machine allows {hard} open files; the test needs 4096")
    head = f"POST /hook HTTP/1.1\r\nHost: x\r\n{HEADER}: {SECRET}\r\nContent-Length: 100\r\n\r\n"
    writers = []
    for _ in range(1_100):
        _reader, writer = await asyncio.open_connection(client.host, client.port)
        writer.write(head.encode() + b'{"half": ')
        writers.append(writer)
    try:
        started = asyncio.get_running_loop().time()
        response = await client.post("/hook", json={"update_id": 1}, headers={HEADER: SECRET})
        assert response.status == 200
        assert asyncio.get_running_loop().time() - started < 2.0
        assert store.bodies == [{"update_id": 1}]
    finally:
        for writer in writers:
            writer.close()
