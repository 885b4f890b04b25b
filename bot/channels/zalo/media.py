"""Photos users send on Zalo, copied from Zalo's CDN (whose links expire) into the media folder."""

import asyncio
import logging
import re
from datetime import UTC, datetime
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

MAX_PHOTO_BYTES = 10 * 1024 * 1024
ATTEMPTS = 3
_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/webp": ".webp",
    "image/gif": ".gif",
}


class PhotoDownloadError(Exception):
    """The photo could not be fetched (gone, too big, not an image)."""


class PhotoStore:
    """Downloads a photo once per message id and names it by that id, so a retry overwrites."""

    def __init__(
        self,
        media_dir: Path,
        *,
        timeout: float = 20.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Files go under `<media_dir>/zalo/<yyyy>/<mm>/`."""
        self._dir = media_dir
        self._http = httpx.AsyncClient(timeout=timeout, transport=transport, follow_redirects=True)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()

    async def fetch(self, url: str, *, key: str, now: datetime | None = None) -> str:
        """Download `url` and return its reference: a path relative to the media folder."""
        content, extension = await self._download_with_retries(url)
        moment = now or datetime.now(UTC)
        relative = Path("zalo") / f"{moment:%Y}" / f"{moment:%m}" / (_safe(key) + extension)
        await asyncio.to_thread(self._write, relative, content)
        return relative.as_posix()

    async def _download_with_retries(self, url: str) -> tuple[bytes, str]:
        """Network trouble is retried; an answer that is not a usable image is not."""
        for attempt in range(ATTEMPTS):
            try:
                return await self._download(url)
            except httpx.TransportError as exc:
                if attempt == ATTEMPTS - 1:
                    raise PhotoDownloadError(type(exc).__name__) from None
                await asyncio.sleep(0.5 * 2**attempt)
        raise PhotoDownloadError("no attempt")  # unreachable: the loop returns or raises

    async def _download(self, url: str) -> tuple[bytes, str]:
        async with self._http.stream("GET", url) as answer:
            if answer.status_code != 200:
                raise PhotoDownloadError(f"HTTP {answer.status_code}")
            kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind and not kind.startswith("image/"):
                raise PhotoDownloadError(f"not an image: {kind}")
            chunks: list[bytes] = []
            size = 0
            async for chunk in answer.aiter_bytes():
                size += len(chunk)
                if size > MAX_PHOTO_BYTES:
                    raise PhotoDownloadError("too large")
                chunks.append(chunk)
        return b"".join(chunks), _EXTENSIONS.get(kind, ".jpg")

    def _write(self, relative: Path, content: bytes) -> None:
        target = self._dir / relative
        # Evidence photos show people and places: readable by the bot's user only.
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.touch(mode=0o600)
        partial.write_bytes(content)
        partial.replace(target)


def _safe(key: str) -> str:
    """A file name from a message id (hex-like on Zalo; anything else is made safe)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", key)[:100] or "photo"
