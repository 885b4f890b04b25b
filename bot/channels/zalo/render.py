"""Outgoing values as Zalo sends: numbered options in the text, media by public URL only."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

from bot.channels.numbered import render_numbered
from bot.channels.zalo.client import split_text
from bot.messages import Attachment, Outgoing

Render = Callable[..., str]


@dataclass(frozen=True)
class TextSend:
    """One sendMessage."""

    text: str


@dataclass(frozen=True)
class PhotoSend:
    """One sendPhoto by public URL."""

    url: str


Send = TextSend | PhotoSend


Link = Callable[[str], str | None]


def no_link(_ref: str) -> str | None:
    """No public address: nothing can be sent by URL."""
    return None


@dataclass(frozen=True)
class MediaSource:
    """Where media can be fetched from by Zalo: a URL as is, a file of ours by a signed link
    the bot's web server serves (`link`, from the app)."""

    link: Link = no_link

    def public_url(self, ref: str) -> str | None:
        """A URL Zalo can fetch for an attachment reference, or None."""
        if ref.startswith(("http://", "https://")):
            return ref
        return self.link(ref)


def plan_sends(message: Outgoing, *, media: MediaSource, render: Render) -> list[Send]:
    """The API calls for one message: its text (split under 2,000 characters), then any photo.

    Zalo has no buttons and no documents: options become a numbered list, a document becomes a
    link line (or a sentence saying how to get it), a photo goes by URL when there is one.
    """
    attachment = message.attachment
    photo_url = None
    if attachment is not None:
        url = media.public_url(attachment.ref)
        if attachment.kind == "photo" and url is not None:
            photo_url = url
        else:  # under the text it belongs to, before the options that follow it
            line = _attachment_line(attachment, url, render)
            message = replace(message, text=f"{message.text}\n\n{line}")
    text = render_numbered(message)
    if message.options:
        text += "\n" + render("zalo/options_hint" if message.numbered else "zalo/options_by_name")
    sends: list[Send] = [TextSend(piece) for piece in split_text(text)]
    if photo_url is not None:
        sends.append(PhotoSend(photo_url))
    return sends


def _attachment_line(attachment: Attachment, url: str | None, render: Render) -> str:
    filename = attachment.filename or PurePosixPath(attachment.ref).name
    if attachment.kind == "photo":
        return render("zalo/photo_unavailable")
    if url is None:
        return render("zalo/document_unavailable", filename=filename)
    return render("zalo/document_link", filename=filename, url=url)
