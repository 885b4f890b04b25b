"""Signed public files: leaflets, documents made for a user, chart pictures.

A link names a folder by a short key, an expiry and a path inside that folder, and carries an
HMAC of the three: nothing is listed, nothing outside the folders is reachable, a link cannot be
changed or kept alive, and a file that was never linked cannot be guessed.
"""

import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from aiohttp import web

from bot.services.core.signing import Signer

__all__ = ["Clock", "FileLinks", "Folder", "Signer", "file_routes", "utcnow"]

PREFIX = "/tep"
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    """The current moment (UTC)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Folder:
    """A folder whose files may be linked, and how long a link to one lasts."""

    path: Path
    lifetime: timedelta


class FileLinks:
    """Makes signed links to files under known folders, and finds the file of a link."""

    def __init__(
        self,
        signer: Signer,
        folders: Mapping[str, Folder],
        *,
        base_url: str | None,
        clock: Clock = utcnow,
    ) -> None:
        """`folders` by key (relative references are looked up in their order)."""
        self.signer, self._base, self._clock = signer, base_url, clock
        self._folders = {key: Folder(f.path.resolve(), f.lifetime) for key, f in folders.items()}

    def url(self, ref: str) -> str | None:
        """A signed URL for a file reference (a path relative to a folder, or absolute), or
        None when it is no file of ours (a platform file id) or there is no public address."""
        found = self._locate(ref)
        if found is None or self._base is None:
            return None
        key, relative = found
        return self._base + self.path(key, relative)

    def path_of(self, ref: str) -> str | None:
        """The signed path (without the host) of a file reference, for links in our pages."""
        found = self._locate(ref)
        return None if found is None else self.path(*found)

    def path(self, key: str, relative: PurePosixPath) -> str:
        """The signed path (without the host) of a file inside folder `key`."""
        expires = int((self._clock() + self._folders[key].lifetime).timestamp())
        signature = self.signer.sign(_message(key, expires, relative))
        return f"{PREFIX}/{key}/{expires}/{signature}/{quote(relative.as_posix())}"

    def _locate(self, ref: str) -> tuple[str, PurePosixPath] | None:
        given = Path(ref)
        if ".." in given.parts:
            return None
        # A relative reference is the process's own path ("var/exports/x.xlsx") or one inside
        # a served folder ("leaflets/x.pdf").
        candidates = (
            [given]
            if given.is_absolute()
            else [given, *(f.path / given for f in self._folders.values())]
        )
        for candidate in candidates:
            resolved = candidate.resolve()
            for key, folder in self._folders.items():
                if resolved.is_relative_to(folder.path) and resolved.is_file():
                    return key, PurePosixPath(resolved.relative_to(folder.path).as_posix())
        return None

    def open(self, key: str, expires: str, signature: str, relative: str) -> Path | None:
        """The file a link points to, if the link is ours, unexpired and the file is there."""
        folder = self._folders.get(key)
        if folder is None or not expires.isdigit() or len(expires) > 12:
            return None
        path = PurePosixPath(relative)
        if path.is_absolute() or ".." in path.parts or "\\" in relative or "\x00" in relative:
            return None
        if not self.signer.check(_message(key, int(expires), path), signature):
            return None
        if int(expires) < self._clock().timestamp():
            return None
        resolved = (folder.path / path).resolve()
        if not resolved.is_relative_to(folder.path) or not resolved.is_file():
            return None
        return resolved


def _message(key: str, expires: int, relative: PurePosixPath) -> str:
    return f"file\n{key}\n{expires}\n{relative.as_posix()}"


def file_routes(links: FileLinks, *, refusal: str) -> list[web.AbstractRouteDef]:
    """The route that serves signed files; everything else under it is 404 with `refusal`."""

    async def serve(request: web.Request) -> web.StreamResponse:
        info = request.match_info
        path = links.open(info["key"], info["expires"], info["signature"], info["path"])
        if path is None:
            raise web.HTTPNotFound(text=refusal)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        disposition = (
            "inline" if kind.startswith("image/") or kind == "application/pdf" else ("attachment")
        )
        return web.FileResponse(
            path,
            headers={
                "Content-Type": kind,
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(path.name)}",
                "Cache-Control": "private, max-age=3600",
            },
        )

    return [web.get(PREFIX + "/{key}/{expires}/{signature}/{path:.+}", serve)]
