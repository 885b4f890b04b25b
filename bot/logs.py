"""Logging set-up: one line per event, ids rather than names, no secret in any line."""

import logging
import os
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The console chat's log: a terminal shows only the conversation, never log lines over it.
CONSOLE_LOG = Path("var") / "console.log"
# Libraries that log request URLs (`…/bot<token>/…`) or whole API calls (message texts, names)
# at DEBUG or INFO: never below WARNING, whatever LOG_LEVEL says.
CHATTY = (
    "httpx",
    "httpcore",
    "hpack",
    "telegram",
    "aiohttp.client",
    "apscheduler",
    "aiosqlite",
    "alembic",
    "fontTools",
    "urllib3",
    # SQL and, at DEBUG, the rows it reads (names, messages); SQLAlchemy sets WARNING itself.
    "sqlalchemy",
)
# A bot token in a URL path (Telegram and Zalo both use `/bot<token>/<method>`), and Telegram's
# token shape anywhere (digits, a colon, 30 or more URL-safe characters).
TOKEN_PATTERNS = (
    re.compile(r"(?<=[^/]/bot)[^/\s'\"?#]+(?=/)"),
    re.compile(r"\b\d{3,}:[A-Za-z0-9_-]{30,}"),
)
HIDDEN = "***"
# What the person being served typed and their name: hidden from any line logged meanwhile (an
# exception quoting the input, say). Shorter values would hide digits of every timestamp.
PRIVATE_MIN_LENGTH = 5
_private: ContextVar[tuple[str, ...]] = ContextVar("private_texts", default=())


@contextmanager
def private(*values: str | None) -> Iterator[None]:
    """While one person's message is handled, their text and name never reach the log."""
    kept = tuple(v for v in values if v and len(v) >= PRIVATE_MIN_LENGTH)
    token = _private.set(kept)
    try:
        yield
    finally:
        _private.reset(token)


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then hides secrets in the whole text, the traceback included."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        """`secrets`: exact values (tokens, webhook secrets, passwords) never to be written."""
        super().__init__(fmt)
        # Longest first, so a secret containing another is hidden whole.
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def format(self, record: logging.LogRecord) -> str:
        """The record as one redacted text."""
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        """The text without any known secret or anything shaped like a bot token."""
        return redact(text, self._secrets)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """`text` with the given secrets and anything shaped like a bot token replaced by ***
    (also for the command line's one-line errors, which quote library messages)."""
    hidden = {s for s in secrets if len(s) >= 4} | set(_private.get())
    for secret in sorted(hidden, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    for pattern in TOKEN_PATTERNS:
        text = pattern.sub(HIDDEN, text)
    return text


def configure_logging(
    level: str, *, to_file: Path | None = None, secrets: Iterable[str] = ()
) -> None:
    """Log to stderr at the given level, or to a file (the console chat), through the
    redacting formatter; chatty libraries stay at WARNING (see CHATTY).
    """
    if to_file is None:
        logging.basicConfig(level=level, format=FORMAT)
    else:
        to_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(to_file, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        logging.basicConfig(level=level, format=FORMAT, filename=to_file, force=True)
    formatter = RedactingFormatter(FORMAT, secrets)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)
    threshold = max(logging.WARNING, logging.getLevelNamesMapping()[level])
    for chatty in CHATTY:
        logging.getLogger(chatty).setLevel(threshold)
