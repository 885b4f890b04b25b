"""What the fake platform servers share: serving on loopback from a thread, faults, waiting.

A fake (`FakeTelegram`, `FakeZalo`) is a `LoopbackServer`: an aiohttp application served on
127.0.0.1 from a background thread with its own event loop, so that sync and async tests can
drive it alike. The port is the kernel's choice, read once the socket is bound: no port is
picked in advance, so two tests never race for one. State is guarded by one condition
(`self.cond`); `wait_until` waits on it for what the bot does.

`Faults` queues per-method faults: an error answer (5xx, 429 with `retry_after`…), a call
carried out whose answer is dropped or delayed, a connection cut. Each fake answers them in
its platform's error shape.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

import aiohttp
from aiohttp import web

T = TypeVar("T")
HOST = "127.0.0.1"


class LoopbackServer:
    """An aiohttp application on 127.0.0.1 (a port the kernel picks), served from a thread."""

    name = "fake server"
    client_max_size = 1024**2

    def __init__(self) -> None:
        """Nothing listens until `start()`."""
        self.cond = threading.Condition(threading.RLock())
        self.loop: asyncio.AbstractEventLoop | None = None
        self.session: aiohttp.ClientSession | None = None  # for the fake's own requests
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._startup_error: BaseException | None = None

    def routes(self, app: web.Application) -> None:
        """Add the fake's routes."""
        raise NotImplementedError

    async def on_start(self) -> None:
        """Runs in the server's loop once it listens."""

    async def on_stop(self) -> None:
        """Runs in the server's loop before the port closes (end long polls, deliveries)."""

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Self:
        """Serve; returns once the port is open."""
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already started")
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name=self.name, daemon=True
        )
        self._thread.start()
        if not ready.wait(10) or self._startup_error is not None or self._port is None:
            raise RuntimeError(f"{self.name} could not start") from self._startup_error
        return self

    def stop(self) -> None:
        """Stop serving and close the port."""
        loop, thread = self.loop, self._thread
        if loop is None or thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._serve_stop(), loop).result(15)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self.loop, self._thread = None, None

    def __enter__(self) -> Self:
        """Start for a `with` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop at the end of a `with` block."""
        self.stop()

    @property
    def port(self) -> int:
        """The port the kernel gave."""
        if self._port is None:
            raise RuntimeError(f"{self.name} is not started")
        return self._port

    @property
    def root_url(self) -> str:
        """http://127.0.0.1:PORT"""
        return f"http://{HOST}:{self.port}"

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self.loop = loop
        try:
            loop.run_until_complete(self._serve_start())
        except Exception as exc:  # handed to start(), which raises it
            self._startup_error = exc
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            pending = asyncio.all_tasks(loop)
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _serve_start(self) -> None:
        app = web.Application(client_max_size=self.client_max_size)
        self.routes(app)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((HOST, 0))  # the kernel picks a free port: nothing to race for
        site = web.SockSite(runner, listener)
        await site.start()
        self._runner, self.session = runner, aiohttp.ClientSession()
        self._port = int(listener.getsockname()[1])
        await self.on_start()

    async def _serve_stop(self) -> None:
        await self.on_stop()
        if self.session is not None:
            await self.session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ threads and waiting

    def call_soon(self, callback: Callable[..., object], *args: object) -> None:
        """Run `callback(*args)` in the server's loop (from any thread), if it runs."""
        loop = self.loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(callback, *args)

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine in the server's loop from another thread and wait for it."""
        assert self.loop is not None, f"{self.name} is not started"
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def notify(self) -> None:
        """Wake whoever waits on the state (call with `cond` held or not)."""
        with self.cond:
            self.cond.notify_all()

    def wait_until(
        self, found: Callable[[], T | None], timeout: float, describe: Callable[[], str]
    ) -> T:
        """Wait until `found()` gives something (checked under `cond`), or fail with
        `describe()`."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                value = found()
                if value is not None and value is not False:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout} s: {describe()}")
                self.cond.wait(left)

    async def await_until(
        self, found: Callable[[], T | None], seconds: float, describe: Callable[[], str]
    ) -> T:
        """`wait_until` from a coroutine (waits in a worker thread)."""
        return await asyncio.to_thread(self.wait_until, found, seconds, describe)


@dataclass
class Fault:
    """What the next calls of a method meet.

    `error_code` > 0: answered with that error, not carried out. `drop_answer`: carried out,
    then the connection is cut before the answer. `delay`: carried out, answered that many
    seconds later. `disconnect`: the connection is cut before anything is done.
    """

    remaining: int
    error_code: int = 0
    description: str = ""
    retry_after: int | None = None
    drop_answer: bool = False
    delay: float = 0.0
    disconnect: bool = False
    skip: int = 0  # good calls to let through first

    @property
    def carried_out(self) -> bool:
        """Whether the call is done despite the fault (its answer dropped or late)."""
        return not self.error_code and not self.disconnect


class Faults:
    """Faults queued per method (thread-safe with the server's condition)."""

    def __init__(self, cond: threading.Condition) -> None:
        """Share the server's condition."""
        self._cond = cond
        self._queues: dict[str, deque[Fault]] = {}

    def add(self, method: str, fault: Fault) -> None:
        """Queue a fault for the next calls of `method`."""
        with self._cond:
            self._queues.setdefault(method, deque()).append(fault)

    def take(self, method: str) -> Fault | None:
        """The fault this call of `method` meets, if any."""
        with self._cond:
            queue = self._queues.get(method)
            if not queue:
                return None
            fault = queue[0]
            if fault.skip > 0:
                fault.skip -= 1
                return None
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            return fault

    def clear(self) -> None:
        """Forget every queued fault."""
        with self._cond:
            self._queues.clear()


def cut(request: web.Request) -> web.Response:
    """Drop the connection: the client gets no answer at all."""
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)  # never reaches the client


def utf16_units(text: str) -> int:
    """Length as Telegram and Zalo count it: UTF-16 code units (an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


class PortTaken(Exception):
    """The port was free when picked, and another process bound it before we did."""


def unused_port() -> int:
    """A loopback port free a moment ago (use with `on_a_free_port`, which retries)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def port_taken(log: str) -> bool:
    """Whether a process's output says its port was taken."""
    return "address already in use" in log.lower()


def on_a_free_port(start: Callable[[int], T], *, attempts: int = 5) -> T:
    """`start(port)` on a port that was free a moment ago; when another process took it in
    between (`start` raises `PortTaken`, or an OSError "address already in use"), another."""
    for attempt in range(1, attempts + 1):
        try:
            return start(unused_port())
        except (PortTaken, OSError) as exc:
            if attempt == attempts or not (isinstance(exc, PortTaken) or port_taken(str(exc))):
                raise
    raise AssertionError("unreachable")
