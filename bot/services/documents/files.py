"""Files built for one chat: written readable by the bot's user only, old ones removed."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Files written for the chat are sent at once; older ones are only clutter with personal data.
KEEP_FILES = timedelta(hours=1)


def save_private(path: Path, data: bytes, *, now: datetime, pattern: str = "*") -> Path:
    """Write the file (0600) in a folder only the bot's user reads; drop files older than an hour
    that match `pattern`."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = path.parent.stat()
    if folder.st_uid != os.getuid():
        msg = f"{path.parent} belongs to another user"
        raise PermissionError(msg)
    if folder.st_mode & 0o077:
        path.parent.chmod(0o700)
    for old in path.parent.glob(pattern):
        if datetime.fromtimestamp(old.stat().st_mtime, UTC) < now - KEEP_FILES:
            old.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_bytes(data)
    return path
