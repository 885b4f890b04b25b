"""Logging set-up: one line per event, ids rather than names."""

import logging


def configure_logging(level: str) -> None:
    """Log to stderr at the given level; keep chatty libraries quieter."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
