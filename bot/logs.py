"""Logging set-up: one line per event, ids rather than names."""

import logging
import os
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The console chat's log: a terminal shows only the conversation, never log lines over it.
CONSOLE_LOG = Path("var") / "console.log"


def configure_logging(level: str, *, to_file: Path | None = None) -> None:
    """Log to stderr at the given level, or to a file (the console chat); chatty libraries
    quieter (fontTools, which charts and PDFs load, says hundreds of lines at INFO).
    """
    if to_file is None:
        logging.basicConfig(level=level, format=FORMAT)
    else:
        to_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(to_file, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600))
        logging.basicConfig(level=level, format=FORMAT, filename=to_file, force=True)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic", "fontTools"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
