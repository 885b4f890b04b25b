"""The local terminal chat: one user types, every bot message is printed as it comes."""

import asyncio
import contextlib
import sys
from collections.abc import Callable
from typing import TextIO

from bot.channels.base import Handler, Priority, Webhook
from bot.channels.numbered import render_numbered
from bot.messages import DeliveryResult, DeliveryStatus, Incoming, InputKind, Outgoing

PROMPT = "> "


class ConsoleChannel:
    """Reads lines from stdin, prints replies; works when another program drives the terminal."""

    name = "console"
    # No buttons: options are a numbered list (the outbox keeps the last one per chat).
    numbers_options = True
    send_rate = 1000.0
    webhook: Webhook | None = None
    backlog = 0  # each typed line is handled before the next is read

    def __init__(
        self,
        handle: Handler,
        *,
        chat_id: str,
        display_name: str,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
    ) -> None:
        """Chat as `chat_id`; replies and outbox messages go to `stdout`."""
        self._handle, self.chat_id, self.display_name = handle, chat_id, display_name
        self._stdin, self._stdout = stdin, stdout
        self._task: asyncio.Task[None] | None = None
        # Called when the input ends (Ctrl-D), so the app stops.
        self.on_end: Callable[[], None] = lambda: None

    async def start(self) -> None:
        """Start reading the terminal."""
        self._task = asyncio.create_task(self._read(), name="console")

    async def stop(self) -> None:
        """Stop reading."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run(self) -> None:
        """Greet with /start, then answer each typed line until end of input."""
        await self._send_text("/start")
        while True:
            self._write(PROMPT, end="")
            line = await asyncio.to_thread(self._stdin.readline)
            if not line:
                self._write("")
                return
            if line.strip():
                await self._send_text(line.rstrip("\n"))

    async def _read(self) -> None:
        try:
            await self.run()
        finally:
            self.on_end()

    async def _send_text(self, text: str) -> None:
        incoming = Incoming(
            channel=self.name,
            chat_id=self.chat_id,
            user_id=self.chat_id,
            display_name=self.display_name,
            kind=InputKind.TEXT,
            text=text,
        )
        for reply in await self._handle(incoming):
            self._print(reply)

    def _print(self, message: Outgoing, *, to: str | None = None) -> None:
        header = f"[tin nhắn gửi tới {to}]\n" if to else ""
        attachment = (
            f"\n📎 {message.attachment.filename or message.attachment.ref}"
            if message.attachment
            else ""
        )
        self._write("\n" + header + render_numbered(message) + attachment + "\n")

    def _write(self, text: str, end: str = "\n") -> None:
        self._stdout.write(text + end)
        self._stdout.flush()

    async def deliver(
        self,
        chat_id: str,
        message: Outgoing,
        *,
        priority: Priority = Priority.OUTBOX,
        skip: int = 0,
    ) -> DeliveryResult:
        """Outbox messages: printed, marked with the chat they were meant for if not ours."""
        self._print(message, to=None if chat_id == self.chat_id else chat_id)
        return DeliveryResult(DeliveryStatus.SENT)
