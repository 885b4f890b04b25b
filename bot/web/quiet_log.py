"""Log lines that repeat (a flood of bad requests) are written once a minute, with a count."""

import logging
import time
from collections.abc import Callable

EVERY_SECONDS = 60.0


class QuietLog:
    """Writes a line of a given kind at most once per `every` seconds, counting the rest."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        every: float = EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Rate-limit lines of `logger`."""
        self._log, self._every, self._clock = logger, every, clock
        self._last: dict[str, float] = {}
        self._skipped: dict[str, int] = {}

    def warning(self, kind: str, message: str, *args: object) -> None:
        """Log at WARNING unless a line of this kind went out within the period."""
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self._every:
            self._skipped[kind] = self._skipped.get(kind, 0) + 1
            return
        self._last[kind] = now
        skipped = self._skipped.pop(kind, 0)
        suffix = f" (and {skipped} more like it)" if skipped else ""
        self._log.warning(message + suffix, *args)
