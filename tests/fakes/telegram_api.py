"""A faithful fake of the Telegram Bot API for end-to-end tests.

`FakeTelegram` serves `<root>/bot<token>/<method>` on a free loopback port from a background
thread with its own event loop, so sync and async tests can both drive it. It is strict where
Telegram is strict (text length in UTF-16 units, HTML and MarkdownV2 parsing, callback data in
bytes, unknown chats, blocked users, edits that change nothing) and answers errors in Telegram's
exact shape. Tests play users (`send_text`, `press_button`, ...) and read what the bot did
(`messages`, `sent`, `wait_for_text`, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

_LOGGER = logging.getLogger(__name__)

JsonDict = dict[str, Any]
"""A Telegram JSON object (Update, Message, reply markup, ...)."""

TEXT_LIMIT: Final = 4096
CAPTION_LIMIT: Final = 1024
CALLBACK_DATA_LIMIT: Final = 64
CALLBACK_ANSWER_LIMIT: Final = 200
MAX_COMMANDS: Final = 100
PHOTO_UPLOAD_LIMIT: Final = 10 * 1024 * 1024
UPLOAD_LIMIT: Final = 50 * 1024 * 1024
DOWNLOAD_LIMIT: Final = 20 * 1024 * 1024

# Update types a bot receives when it never set allowed_updates (Bot API, getUpdates).
_OPT_IN_UPDATES: Final = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_CONFLICT_WEBHOOK: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_CONFLICT_POLLING: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_NOT_MODIFIED: Final = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
_QUERY_TOO_OLD: Final = "query is too old and response timeout expired or query ID is invalid"
_CHAT_ACTIONS: Final = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_SECRET_TOKEN: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND_NAME: Final = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND: Final = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_INTEGER: Final = re.compile(r"\s*[+-]?\d+\s*")


class ApiError(Exception):
    """An error answer in Telegram's shape: HTTP status, description, optional retry_after."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        """Keep the status code, the exact description and, for 429, the wait in seconds."""
        super().__init__(f"{code} {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        """The JSON body Telegram sends for this error."""
        body: JsonDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def _bad(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def _entities_error(detail: str) -> ApiError:
    return _bad(f"can't parse entities: {detail}")


def utf16_len(text: str) -> int:
    """Length of text in UTF-16 code units, the unit of Telegram's limits and entity offsets."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode())


def _normalize_url(url: str) -> str | None:
    """Return the URL Telegram would keep for a text link, or None when it drops the link."""
    url = url.strip()
    scheme = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", url)
    if scheme is not None:
        known = scheme.group(1).lower() in {"http", "https", "tg", "ton", "ftp"}
        return url if known and len(url) > len(scheme.group(0)) else None
    if url and " " not in url and "." in url:
        return f"http://{url}"
    return None


# ----------------------------------------------------------------------- formatted text


@dataclass(frozen=True)
class FormattedText:
    """Text as Telegram stores it: entities parsed out, offsets in UTF-16 code units."""

    text: str
    entities: tuple[JsonDict, ...] = ()


class _TextBuilder:
    """Accumulates plain text and entities while a parser walks its source."""

    def __init__(self, source: str) -> None:
        self.src = source
        self._out: list[str] = []
        self.u16 = 0
        self.entities: list[JsonDict] = []

    def emit(self, chunk: str) -> None:
        if chunk:
            self._out.append(chunk)
            self.u16 += utf16_len(chunk)

    def plain(self) -> str:
        return "".join(self._out)

    def add(self, kind: str, offset: int, **extra: object) -> None:
        length = self.u16 - offset
        if length > 0:
            self.entities.append({"type": kind, "offset": offset, "length": length, **extra})

    def result(self) -> FormattedText:
        entities = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return FormattedText(self.plain(), tuple(entities))

    def byte(self, index: int) -> int:
        return _byte_offset(self.src, index)


_HTML_TAGS: Final = {
    "a": "text_link",
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_HTML_SPECIAL: Final = re.compile(r"[<&]")
_HTML_ENTITY: Final = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,8})|#[xX]([0-9a-fA-F]{1,8}));")
_HTML_NAMED: Final = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_HTML_SPACES: Final = " \t\r\n\v\f"
_HTML_NAME_END: Final = _HTML_SPACES + "=>"


@dataclass
class _OpenTag:
    name: str
    argument: str
    expandable: bool
    offset: int
    char_start: int


def _decode_entity(match: re.Match[str]) -> str | None:
    named, decimal, hexadecimal = match.groups()
    if named:
        return _HTML_NAMED[named]
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code <= 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code)


class _HtmlParser(_TextBuilder):
    """Telegram's HTML parse mode, after tdlib's parse_html, with its error texts."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._stack: list[_OpenTag] = []
        self._last_code: tuple[JsonDict, str] | None = None

    def parse(self) -> FormattedText:
        i, n = 0, len(self.src)
        while i < n:
            match = _HTML_SPECIAL.search(self.src, i)
            end = match.start() if match else n
            self.emit(self.src[i:end])
            if match is None:
                break
            i = self._entity(end) if self.src[end] == "&" else self._tag(end)
        if self._stack:
            name = self._stack[-1].name
            raise _entities_error(f'Can\'t find end tag corresponding to start tag "{name}"')
        return self.result()

    def _entity(self, pos: int) -> int:
        # tdlib keeps a bare "&" as text, but the Bot API docs require escaping it; being
        # stricter here keeps the bot honest about html.escape.
        match = _HTML_ENTITY.match(self.src, pos)
        char = _decode_entity(match) if match else None
        if match is None or char is None:
            raise _entities_error(
                f'Character "&" at byte offset {self.byte(pos)} must be escaped as "&amp;"'
            )
        self.emit(char)
        return match.end()

    def _tag(self, pos: int) -> int:
        if self.src.startswith("</", pos):
            return self._end_tag(pos)
        return self._start_tag(pos)

    def _skip_spaces(self, i: int) -> int:
        while i < len(self.src) and self.src[i] in _HTML_SPACES:
            i += 1
        return i

    def _start_tag(self, pos: int) -> int:
        src, i = self.src, pos + 1
        while i < len(src) and src[i] not in _HTML_SPACES and src[i] != ">":
            i += 1
        if i >= len(src):
            raise _entities_error(f"Unclosed start tag at byte offset {self.byte(pos)}")
        name = src[pos + 1 : i].lower()
        if name not in _HTML_TAGS:
            raise _entities_error(f'Unsupported start tag "{name}" at byte offset {self.byte(pos)}')
        attributes, i, expandable = self._attributes(name, pos, i)
        argument = self._argument(name, attributes, pos)
        self._stack.append(_OpenTag(name, argument, expandable, self.u16, len(self.plain())))
        return i + 1

    def _attributes(self, tag: str, pos: int, i: int) -> tuple[dict[str, str], int, bool]:
        attributes: dict[str, str] = {}
        expandable = False
        while True:
            i = self._skip_spaces(i)
            if i >= len(self.src):
                raise _entities_error(f"Unclosed start tag at byte offset {self.byte(pos)}")
            if self.src[i] == ">":
                return attributes, i, expandable
            start = i
            while i < len(self.src) and self.src[i] not in _HTML_NAME_END:
                i += 1
            name = self.src[start:i].lower()
            if not name:
                raise _entities_error(
                    f'Empty attribute name in the tag "{tag}" at byte offset {self.byte(pos)}'
                )
            i = self._skip_spaces(i)
            if i < len(self.src) and self.src[i] == "=":
                value, i = self._attribute_value(self._skip_spaces(i + 1), pos)
                attributes[name] = value
            elif tag == "blockquote" and name == "expandable":
                expandable = True
            else:
                raise _entities_error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {self.byte(pos)}'
                )

    def _attribute_value(self, i: int, pos: int) -> tuple[str, int]:
        src = self.src
        if i >= len(src):
            raise _entities_error(f"Unclosed start tag at byte offset {self.byte(pos)}")
        if src[i] not in "'\"":
            start = i
            while i < len(src) and (src[i].isalnum() or src[i] in ".-"):
                i += 1
            if i >= len(src) or (src[i] not in _HTML_SPACES and src[i] != ">"):
                raise _entities_error(
                    f"Unexpected end of name token at byte offset {self.byte(start)}"
                )
            return src[start:i].lower(), i
        end = src.find(src[i], i + 1)
        if end == -1:
            raise _entities_error(f"Unclosed start tag at byte offset {self.byte(pos)}")
        raw = src[i + 1 : end]
        # Attribute values decode the entities they contain; a bare "&" in a URL stays as is.
        value = _HTML_ENTITY.sub(lambda m: _decode_entity(m) or m.group(0), raw)
        return value, end + 1

    def _argument(self, tag: str, attributes: dict[str, str], pos: int) -> str:
        if tag == "a":
            return attributes.get("href", "")
        if tag == "code":
            css = attributes.get("class", "")
            return css.removeprefix("language-") if css.startswith("language-") else ""
        if tag == "tg-emoji":
            return attributes.get("emoji-id", "")
        if tag == "span" and attributes.get("class") != "tg-spoiler":
            raise _entities_error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {self.byte(pos)}'
            )
        return ""

    def _end_tag(self, pos: int) -> int:
        if not self._stack:
            raise _entities_error(f"Unexpected end tag at byte offset {self.byte(pos)}")
        src, i = self.src, pos + 2
        while i < len(src) and src[i] not in _HTML_SPACES and src[i] != ">":
            i += 1
        name = src[pos + 2 : i].lower()
        i = self._skip_spaces(i)
        if i >= len(src) or src[i] != ">":
            raise _entities_error(f"Unclosed end tag at byte offset {self.byte(pos)}")
        tag = self._stack[-1]
        if name and name != tag.name:
            raise _entities_error(
                f'Unmatched end tag at byte offset {self.byte(pos)}, expected "</{tag.name}>", '
                f'found "</{name}>"'
            )
        self._stack.pop()
        self._close(tag)
        return i + 1

    def _close(self, tag: _OpenTag) -> None:
        kind = _HTML_TAGS[tag.name]
        if kind == "text_link":
            url = _normalize_url(tag.argument or self.plain()[tag.char_start :])
            if url is not None:
                self.add(kind, tag.offset, url=url)
        elif kind == "custom_emoji":
            self._close_emoji(tag)
        elif kind == "code":
            self.add(kind, tag.offset)
            if self.entities and self.entities[-1]["offset"] == tag.offset:
                self._last_code = (self.entities[-1], tag.argument)
        elif kind == "pre":
            self._close_pre(tag)
        elif kind == "blockquote" and tag.expandable:
            self.add("expandable_blockquote", tag.offset)
        else:
            self.add(kind, tag.offset)

    def _close_emoji(self, tag: _OpenTag) -> None:
        if not tag.argument.isdigit():
            raise _entities_error("Invalid custom emoji identifier specified")
        self.add("custom_emoji", tag.offset, custom_emoji_id=tag.argument)

    def _close_pre(self, tag: _OpenTag) -> None:
        last, language = self._last_code or ({}, "")
        self._last_code = None
        same_range = (last.get("offset"), last.get("length")) == (tag.offset, self.u16 - tag.offset)
        if same_range and self.entities and self.entities[-1] is last:
            # <pre><code class="language-x"> is one pre entity; code never nests inside pre.
            self.entities.pop()
        self.add("pre", tag.offset, **({"language": language} if language else {}))


_MD2_SPECIAL: Final = re.compile(r"[\\_*\[\]()~`>#+\-=|{}.!\n]")
_MD2_SINGLE: Final = {"*": "bold", "_": "italic", "~": "strikethrough", "[": "text_link"}
_MD2_DOUBLE: Final = {"__": "underline", "||": "spoiler", "![": "custom_emoji"}
_MD2_NAMES: Final = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _Mark:
    kind: str
    offset: int
    position: int


class _MarkdownV2Parser(_TextBuilder):
    """Telegram's MarkdownV2 parse mode: reserved characters must be escaped outside entities."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self._stack: list[_Mark] = []
        self._quote: int | None = None

    def parse(self) -> FormattedText:
        i, n = 0, len(self.src)
        while i < n:
            match = _MD2_SPECIAL.search(self.src, i)
            end = match.start() if match else n
            self.emit(self.src[i:end])
            if match is None:
                break
            i = self._special(end)
        if self._quote is not None:
            self.add("blockquote", self._quote)
        if self._stack:
            mark = self._stack[-1]
            raise _entities_error(
                f"Can't find end of {_MD2_NAMES[mark.kind]} entity at byte offset "
                f"{self.byte(mark.position)}"
            )
        return self.result()

    def _reserved(self, i: int) -> ApiError:
        return _entities_error(
            f"Character '{self.src[i]}' is reserved and must be escaped with the preceding '\\'"
        )

    def _special(self, i: int) -> int:
        char = self.src[i]
        handler = {
            "\\": self._escape,
            "\n": self._newline,
            "`": self._code,
            "]": self._link_end,
        }.get(char)
        if handler is not None:
            return handler(i)
        if char == ">" and (i == 0 or self.src[i - 1] == "\n"):
            if self._quote is None:
                self._quote = self.u16
            return i + 1
        kind = _MD2_DOUBLE.get(self.src[i : i + 2])
        width = 2
        if kind is None:
            kind, width = _MD2_SINGLE.get(char), 1
        if kind is None:
            raise self._reserved(i)
        return self._toggle(kind, i, width)

    def _escape(self, i: int) -> int:
        if i + 1 < len(self.src) and 0 < ord(self.src[i + 1]) <= 126:
            self.emit(self.src[i + 1])
            return i + 2
        raise self._reserved(i)

    def _newline(self, i: int) -> int:
        if self._quote is not None and not self.src.startswith(">", i + 1):
            self.add("blockquote", self._quote)
            self._quote = None
        self.emit("\n")
        return i + 1

    def _toggle(self, kind: str, i: int, width: int) -> int:
        top = self._stack[-1] if self._stack else None
        if kind in {"text_link", "custom_emoji"}:
            self._stack.append(_Mark(kind, self.u16, i))
        elif top is not None and top.kind == kind:
            self._stack.pop()
            self.add(kind, top.offset)
        elif any(mark.kind == kind for mark in self._stack) and top is not None:
            raise _entities_error(
                f"Can't find end of {_MD2_NAMES[top.kind]} entity at byte offset "
                f"{self.byte(top.position)}"
            )
        else:
            self._stack.append(_Mark(kind, self.u16, i))
        return i + width

    def _scan(self, i: int, closing: str) -> tuple[str, int] | None:
        """Read escaped content up to `closing`; return it and the closing index."""
        chunk: list[str] = []
        while i < len(self.src):
            if self.src[i] == "\\" and i + 1 < len(self.src):
                chunk.append(self.src[i + 1])
                i += 2
            elif self.src.startswith(closing, i):
                return "".join(chunk), i
            else:
                chunk.append(self.src[i])
                i += 1
        return None

    def _code(self, i: int) -> int:
        fence = "```" if self.src.startswith("```", i) else "`"
        start, language = i + len(fence), ""
        if fence == "```":
            newline = self.src.find("\n", start)
            first = self.src[start:newline] if newline != -1 else ""
            if first and not any(c.isspace() or c == "`" for c in first):
                language, start = first, newline + 1
        scanned = self._scan(start, fence)
        if scanned is None:
            name = "Pre" if fence == "```" else "Code"
            raise _entities_error(f"Can't find end of {name} entity at byte offset {self.byte(i)}")
        content, end = scanned
        offset = self.u16
        self.emit(content)
        if fence == "`":
            self.add("code", offset)
        else:
            self.add("pre", offset, **({"language": language} if language else {}))
        return end + len(fence)

    def _link_end(self, i: int) -> int:
        top = self._stack[-1] if self._stack else None
        if top is None or top.kind not in {"text_link", "custom_emoji"}:
            raise self._reserved(i)
        self._stack.pop()
        if not self.src.startswith("(", i + 1):
            return i + 1
        scanned = self._scan(i + 2, ")")
        if scanned is None:
            raise _entities_error(f"Can't find end of a URL at byte offset {self.byte(i + 1)}")
        url, end = scanned
        if top.kind == "custom_emoji":
            emoji = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
            if emoji is None:
                raise _entities_error("Custom emoji entity must contain a tg://emoji URL")
            self.add("custom_emoji", top.offset, custom_emoji_id=emoji.group(1))
        elif (checked := _normalize_url(url)) is not None:
            self.add("text_link", top.offset, url=checked)
        return end + 1


_MD_SPECIAL: Final = re.compile(r"[\\_*`\[]")
_MD_KINDS: Final = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}


class _MarkdownParser(_TextBuilder):
    """Telegram's legacy Markdown parse mode: flat *bold*, _italic_, `code`, [links](url)."""

    def parse(self) -> FormattedText:
        i, n = 0, len(self.src)
        while i < n:
            match = _MD_SPECIAL.search(self.src, i)
            end = match.start() if match else n
            self.emit(self.src[i:end])
            if match is None:
                break
            i = self._special(end)
        return self.result()

    def _unclosed(self, i: int) -> ApiError:
        return _entities_error(
            f"Can't find end of the entity starting at byte offset {self.byte(i)}"
        )

    def _special(self, i: int) -> int:
        src = self.src
        if src[i] == "\\":
            escaped = i + 1 < len(src) and src[i + 1] in "_*`["
            self.emit(src[i + 1] if escaped else "\\")
            return i + 2 if escaped else i + 1
        if src[i] == "[":
            return self._link(i)
        fence = "```" if src.startswith("```", i) else src[i]
        end = src.find(fence, i + len(fence))
        if end == -1:
            raise self._unclosed(i)
        content = src[i + len(fence) : end]
        offset = self.u16
        self.emit(content)
        self.add(_MD_KINDS[fence], offset)
        return end + len(fence)

    def _link(self, i: int) -> int:
        close = self.src.find("]", i + 1)
        url_end = self.src.find(")", close + 2) if close != -1 else -1
        if close == -1 or not self.src.startswith("(", close + 1) or url_end == -1:
            raise self._unclosed(i)
        offset = self.u16
        self.emit(self.src[i + 1 : close])
        url = _normalize_url(self.src[close + 2 : url_end])
        if url is not None:
            self.add("text_link", offset, url=url)
        return url_end + 1


_TRIMMED: Final = " \t\n\r"


def _trim(formatted: FormattedText) -> FormattedText:
    """Strip outer whitespace as Telegram does, moving entity offsets along."""
    text = formatted.text
    left = text.lstrip(_TRIMMED)
    lead = len(text) - len(left)  # only ASCII was stripped: chars == UTF-16 units
    result = left.rstrip(_TRIMMED)
    if len(result) == len(text):
        return formatted
    limit = utf16_len(result)
    entities = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, limit)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(result, tuple(entities))


def _explicit_entities(text: str, raw: object) -> FormattedText:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise _bad("can't parse entities JSON object")
    limit = utf16_len(text)
    kept = []
    for entity in raw:
        offset, length = entity.get("offset"), entity.get("length")
        if not isinstance(entity.get("type"), str) or not isinstance(offset, int):
            raise _bad('can\'t parse MessageEntity: Field "type" must be of type String')
        if isinstance(length, int) and length > 0 and 0 <= offset < limit:
            kept.append({**entity, "length": min(length, limit - offset)})
    return FormattedText(text, tuple(kept))


def parse_formatted(text: str, parse_mode: str | None, entities: object = None) -> FormattedText:
    """Parse a text or caption like Telegram: entities win over parse_mode; trims the result.

    Raises:
        ApiError: 400 with Telegram's "can't parse entities" description.
    """
    if entities is not None:
        return _trim(_explicit_entities(text, entities))
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return _trim(FormattedText(text))
    parsers: dict[str, type[_HtmlParser | _MarkdownV2Parser | _MarkdownParser]] = {
        "html": _HtmlParser,
        "markdownv2": _MarkdownV2Parser,
        "markdown": _MarkdownParser,
    }
    parser = parsers.get(mode)
    if parser is None:
        raise _bad("unsupported parse_mode")
    return _trim(parser(text).parse())


# ----------------------------------------------------------------------- reply markup

_INLINE_ACTIONS: Final = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_INLINE_BUTTON: Final = "can't parse InlineKeyboardButton: "
_REPLY_BUTTON: Final = "can't parse KeyboardButton: "


def _is_rows(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(row, list) for row in value)


def _check_inline_action(name: str, value: object) -> None:
    if name in {"url", "callback_data"} and not isinstance(value, str):
        raise _bad(f'{_INLINE_BUTTON}Field "{name}" must be of type String')
    if name == "callback_data" and len(str(value).encode()) > CALLBACK_DATA_LIMIT:
        raise _bad("BUTTON_DATA_INVALID")
    if name == "url" and not re.match(r"(https?|tg)://\S", str(value)):
        raise _bad("BUTTON_URL_INVALID")


def _check_inline_button(button: object) -> None:
    if not isinstance(button, dict):
        raise _bad(f"{_INLINE_BUTTON}InlineKeyboardButton must be an Object")
    if not isinstance(button.get("text"), str):
        raise _bad(f'{_INLINE_BUTTON}Field "text" must be of type String')
    if not button["text"].strip():
        raise _bad("BUTTON_TEXT_INVALID")
    # An empty string counts as a missing field (so callback_data "" is a "text button").
    actions = [name for name in _INLINE_ACTIONS if button.get(name) not in (None, "")]
    if not actions:
        raise _bad(f"{_INLINE_BUTTON}Text buttons are not allowed in the inline keyboard")
    if len(actions) > 1:
        raise _bad(f"{_INLINE_BUTTON}exactly one of the optional fields must be used")
    _check_inline_action(actions[0], button[actions[0]])


def _check_reply_button(button: object) -> None:
    text = button if isinstance(button, str) else None
    if isinstance(button, dict):
        text = button.get("text")
    if not isinstance(text, str):
        raise _bad(f'{_REPLY_BUTTON}Field "text" must be of type String')
    if not text.strip():
        raise _bad("keyboard button text is empty")


def _check_inline_keyboard(rows: object) -> None:
    if not _is_rows(rows):
        raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
    assert isinstance(rows, list)
    for row in rows:
        for button in row:
            _check_inline_button(button)


def _check_reply_keyboard(markup: JsonDict) -> None:
    rows = markup["keyboard"]
    if not _is_rows(rows):
        raise _bad('field "keyboard" of the ReplyKeyboardMarkup must be an Array of Arrays')
    for row in rows:
        for button in row:
            _check_reply_button(button)
    if len(str(markup.get("input_field_placeholder") or "")) > 64:
        raise _bad("input field placeholder is too long")


def _check_markup_object(markup: JsonDict) -> None:
    if "inline_keyboard" in markup:
        _check_inline_keyboard(markup["inline_keyboard"])
    elif "keyboard" in markup:
        _check_reply_keyboard(markup)
    elif markup.get("remove_keyboard") is not True and markup.get("force_reply") is not True:
        raise _bad("can't parse reply keyboard markup JSON object")


def parse_reply_markup(raw: object) -> JsonDict | None:
    """Decode and validate reply_markup (PTB sends it as a JSON string) like Telegram does.

    Raises:
        ApiError: 400 with Telegram's description (e.g. "BUTTON_DATA_INVALID").
    """
    if raw is None or raw == "":
        return None
    markup = raw
    if isinstance(raw, str):
        try:
            markup = json.loads(raw)
        except ValueError:
            raise _bad("can't parse reply keyboard markup JSON object") from None
    if not isinstance(markup, dict):
        raise _bad("can't parse reply keyboard markup JSON object")
    _check_markup_object(markup)
    return markup


def _inline_part(markup: JsonDict | None) -> JsonDict | None:
    if markup is None or "inline_keyboard" not in markup:
        return None
    return {"inline_keyboard": markup["inline_keyboard"]}


# ----------------------------------------------------------------------- request parameters


@dataclass(frozen=True)
class Upload:
    """A file part of a multipart request."""

    field: str
    filename: str
    content_type: str
    data: bytes


# Fields whose values are JSON objects or arrays (PTB sends them JSON-encoded in form fields).
_JSON_FIELDS: Final = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "allowed_updates",
        "commands",
        "scope",
        "reply_parameters",
        "link_preview_options",
        "menu_button",
        "media",
    }
)


class _Params:
    """Parameters of one Bot API call, whatever their transport, coerced per field like Telegram."""

    def __init__(self, values: dict[str, object], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files

    def raw(self, name: str) -> object:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value) if isinstance(value, int | float) else json.dumps(value)

    def integer(self, name: str) -> int | None:
        value = self.values.get(name)
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _INTEGER.fullmatch(value):
            return int(value)
        return None

    def number(self, name: str) -> float | None:
        value = self.values.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        try:
            return float(value) if isinstance(value, str) else None
        except ValueError:
            return None

    def flag(self, name: str) -> bool:
        value = self.values.get(name)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "1"}
        return value is True or value == 1

    def json(self, name: str) -> object:
        value = self.values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise _bad(f"can't parse {name} JSON object") from None

    def snapshot(self) -> JsonDict:
        """The parameters as a test reads them: JSON-valued fields decoded, files summarised."""
        result: JsonDict = {}
        for name, value in self.values.items():
            result[name] = value
            if name in _JSON_FIELDS and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    result[name] = json.loads(value)
        for name, upload in self.files.items():
            result[name] = {
                "filename": upload.filename,
                "size": len(upload.data),
                "content_type": upload.content_type,
            }
        return result


async def _read_multipart(
    request: web.Request, values: dict[str, object], files: dict[str, Upload]
) -> None:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        if part.filename is None:
            values[part.name] = await part.text()
            continue
        data = bytes(await part.read(decode=False))
        content_type = part.headers.get(aiohttp.hdrs.CONTENT_TYPE, "application/octet-stream")
        files[part.name] = Upload(part.name, part.filename, content_type, data)


async def _read_params(request: web.Request) -> _Params:
    """Merge query string and body (urlencoded, JSON or multipart) as Telegram accepts them."""
    values: dict[str, object] = {key: request.query[key] for key in request.query}
    files: dict[str, Upload] = {}
    if not request.can_read_body:
        return _Params(values, files)
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise _bad("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise _bad("JSON object expected")
        values.update(body)
    elif request.content_type == "multipart/form-data":
        await _read_multipart(request, values, files)
    else:
        form = await request.post()
        values.update({key: value for key, value in form.items() if isinstance(value, str)})
    return _Params(values, files)


# ----------------------------------------------------------------------- records for tests


@dataclass(frozen=True)
class BotCall:
    """One Bot API call the bot made (getUpdates excluded), accepted or rejected."""

    method: str
    chat_id: int | None
    params: JsonDict
    result: object
    error_code: int | None
    description: str | None
    timestamp: float

    @property
    def ok(self) -> bool:
        """Whether the fake accepted the call."""
        return self.error_code is None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot has in a chat, in its current (possibly edited) state."""

    chat_id: int
    message_id: int
    kind: str
    text: str | None
    caption: str | None
    raw: str | None
    parse_mode: str | None
    entities: tuple[JsonDict, ...]
    reply_markup: JsonDict | None
    date: int
    payload: JsonDict
    file_id: str | None = None
    file_name: str | None = None
    file_size: int | None = None
    file_url: str | None = None
    edit_date: int | None = None
    deleted: bool = False

    @property
    def content(self) -> str:
        """The text or caption a user sees (entities parsed out)."""
        return self.text if self.text is not None else self.caption or ""

    def buttons(self) -> list[JsonDict]:
        """The inline keyboard's buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_texts(self) -> list[str]:
        """Labels of the inline buttons (or reply keyboard buttons), in order."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
        return [b if isinstance(b, str) else str(b.get("text")) for row in rows for b in row]

    def callback_data(self, label: str) -> str:
        """The callback_data of the first inline button whose label contains `label`."""
        for button in self.buttons():
            if label in str(button.get("text")) and "callback_data" in button:
                return str(button["callback_data"])
        raise AssertionError(
            f"no inline button containing {label!r} in message {self.message_id}; "
            f"buttons: {self.button_texts()!r}"
        )


@dataclass(frozen=True)
class WebhookConfig:
    """The webhook the bot set with setWebhook."""

    url: str
    secret_token: str | None
    max_connections: int
    allowed_updates: tuple[str, ...] | None
    ip_address: str | None
    has_custom_certificate: bool


@dataclass(frozen=True)
class WebhookDelivery:
    """One attempt to POST an update to the webhook."""

    update_id: int
    attempt: int
    url: str
    status: int | None
    error: str | None
    secret_token: str | None
    timestamp: float

    @property
    def ok(self) -> bool:
        """Whether the webhook answered 2xx."""
        return self.status is not None and 200 <= self.status < 300


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answerCallbackQuery for a button press."""

    query_id: str
    update_id: int
    user_id: int
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int


@dataclass
class _Fault:
    error_code: int
    retry_after: int
    description: str
    disconnect: bool
    remaining: int
    # Do the call anyway: after `delay` seconds (a slow platform), and/or then drop the
    # connection before answering (a lost answer).
    perform: bool = False
    delay: float = 0.0


@dataclass
class _Query:
    update_id: int
    user_id: int
    answered: bool = False


@dataclass
class _StoredFile:
    file_id: str
    unique_id: str
    kind: str
    size: int | None
    content: bytes | None
    path: str
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None
    photo: tuple[JsonDict, ...] = ()

    def document(self) -> JsonDict:
        data: JsonDict = {"file_id": self.file_id, "file_unique_id": self.unique_id}
        optional = {"file_name": self.file_name, "mime_type": self.mime_type}
        data.update({k: v for k, v in optional.items() if v is not None})
        if self.size is not None:
            data["file_size"] = self.size
        return data


@dataclass
class _Chat:
    user: JsonDict
    chat: JsonDict
    chat_instance: str
    blocked: bool = False
    last_message_id: int = 0
    payloads: dict[int, JsonDict] = field(default_factory=dict)
    records: dict[int, BotMessage] = field(default_factory=dict)
    keyboard: JsonDict | None = None

    def next_message_id(self) -> int:
        self.last_message_id += 1
        return self.last_message_id


@dataclass(frozen=True)
class _Content:
    kind: str
    formatted: FormattedText | None
    raw: str | None
    parse_mode: str | None
    media: JsonDict
    file: _StoredFile | None = None


@dataclass
class _Webhook:
    config: WebhookConfig
    semaphore: asyncio.Semaphore


@dataclass(frozen=True)
class _Described:
    """A successful result that also carries Telegram's top-level description."""

    value: object
    description: str


def _drop_none(data: JsonDict) -> JsonDict:
    return {key: value for key, value in data.items() if value is not None}


def _update_type(update: JsonDict) -> str:
    return next((key for key in update if key != "update_id"), "")


def _update_chat(update: JsonDict) -> int:
    """The chat an update belongs to, so webhook deliveries keep per-chat order."""
    body = update.get(_update_type(update))
    if not isinstance(body, dict):
        return 0
    chat = body.get("chat") or (body.get("message") or {}).get("chat") or body.get("from")
    return int(chat.get("id", 0)) if isinstance(chat, dict) else 0


def _fault_description(code: int, retry_after: int) -> str:
    if code == 429:
        return f"Too Many Requests: retry after {retry_after}"
    known = {400: "Bad Request", 403: "Forbidden", 409: "Conflict", 502: "Bad Gateway"}
    if code in known:
        return known[code]
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "Unknown Error"


def _json_response(body: JsonDict, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _error_response(error: ApiError) -> web.Response:
    return _json_response(error.payload(), status=error.code)


def _ok_response(value: object) -> web.Response:
    if isinstance(value, _Described):
        return _json_response({"ok": True, "result": value.value, "description": value.description})
    return _json_response({"ok": True, "result": value})


def _connection_error(exc: BaseException) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "Connection refused"
    if isinstance(exc, TimeoutError):
        return "Read timeout expired"
    return f"{type(exc).__name__}: {exc}"


def _command_entities(text: str) -> list[JsonDict]:
    match = _BOT_COMMAND.match(text)
    if match is None:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(match.group(0))}]


def _check_length(formatted: FormattedText, limit: int, too_long: str) -> None:
    if utf16_len(formatted.text) > limit:
        raise _bad(too_long)


# ----------------------------------------------------------------------- the fake server


class FakeTelegram:
    """A local Telegram Bot API server that tests own: users, chats, updates and bot calls.

    All public methods are thread-safe. Start it with `start()` or a `with` block; point
    python-telegram-bot at `base_url=f"{root_url}/bot"` (or `TELEGRAM_API_BASE_URL=root_url`).
    """

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",  # noqa: S107 - a made-up token for tests
        bot_username: str = "hatinh_spc_test_bot",
        *,
        bot_first_name: str = "Hà Tĩnh SPC (test)",
        first_update_id: int = 100_000_001,
        webhook_attempts: int = 4,
        webhook_backoff: float = 0.05,
        webhook_timeout: float = 30.0,
        fetch_urls: bool = False,
        strict_webhook_url: bool = False,
    ) -> None:
        """Describe the bot; nothing listens until `start()`.

        Args:
            token: the only token the fake accepts; its numeric part is the bot's user id.
            bot_username: the bot's username in getMe.
            bot_first_name: the bot's first name in getMe.
            first_update_id: the update_id of the first injected update.
            webhook_attempts: POSTs per update before the fake gives up on a webhook.
            webhook_backoff: seconds before the first retry; doubles on each retry.
            webhook_timeout: seconds the fake waits for the webhook's answer.
            fetch_urls: download http(s) URLs given to sendPhoto/sendDocument like Telegram
                (a failure is a 400); off by default so tests can use made-up URLs.
            strict_webhook_url: refuse webhooks that Telegram refuses (not https, or a port
                other than 443, 80, 88, 8443); off by default because tests use loopback http.
        """
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self._webhook_attempts = webhook_attempts
        self._webhook_backoff = webhook_backoff
        self._webhook_timeout = webhook_timeout
        self._fetch_urls = fetch_urls
        self._strict_webhook_url = strict_webhook_url
        self._cond = threading.Condition(threading.RLock())
        self._init_server_state()
        self._init_bot_state(first_update_id)
        self._handlers: dict[str, Callable[[_Params], object]] = self._build_handlers()
        self._method_names = {name.lower(): name for name in [*self._handlers, "getUpdates"]}

    def _init_server_state(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._port: int | None = None
        self._startup_error: BaseException | None = None
        self._poll_waiters: list[asyncio.Future[str]] = []
        self._delivery_tasks: set[asyncio.Task[None]] = set()
        self._chat_locks: dict[int, asyncio.Lock] = {}

    def _init_bot_state(self, first_update_id: int) -> None:
        self._chats: dict[int, _Chat] = {}
        self._next_update_id = first_update_id
        self._pending: dict[int, JsonDict] = {}
        self._allowed_updates: tuple[str, ...] = ()
        self._confirmed: set[int] = set()
        self._filtered = 0
        self._webhook: _Webhook | None = None
        self._scheduled: set[int] = set()
        self._deliveries: list[WebhookDelivery] = []
        self._webhook_error: tuple[int, str] | None = None
        self._webhook_dropped = 0
        self._calls: list[BotCall] = []
        self._calls_by_method: dict[str, list[BotCall]] = {}
        self._counts: dict[str, int] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._queries: dict[str, _Query] = {}
        self._answers: list[CallbackAnswer] = []
        self._files: dict[str, _StoredFile] = {}
        self._file_paths: dict[str, _StoredFile] = {}
        self._ids = itertools.count(1)
        self._commands: dict[tuple[str, int | None, int | None, str], list[JsonDict]] = {}
        self._menu_button: JsonDict = {"type": "commands"}
        self._profile: dict[str, str] = {}

    def _build_handlers(self) -> dict[str, Callable[[_Params], object]]:
        return {
            "getMe": self._api_get_me,
            "logOut": self._api_true,
            "close": self._api_true,
            "setWebhook": self._api_set_webhook,
            "deleteWebhook": self._api_delete_webhook,
            "getWebhookInfo": self._api_get_webhook_info,
            "sendMessage": self._api_send_message,
            "sendPhoto": self._api_send_photo,
            "sendDocument": self._api_send_document,
            "sendChatAction": self._api_send_chat_action,
            "editMessageText": self._api_edit_message_text,
            "editMessageCaption": self._api_edit_message_caption,
            "editMessageReplyMarkup": self._api_edit_message_reply_markup,
            "deleteMessage": self._api_delete_message,
            "answerCallbackQuery": self._api_answer_callback_query,
            "getFile": self._api_get_file,
            "setMyCommands": self._api_set_my_commands,
            "getMyCommands": self._api_get_my_commands,
            "deleteMyCommands": self._api_delete_my_commands,
            "setChatMenuButton": self._api_set_chat_menu_button,
            "getChatMenuButton": self._api_get_chat_menu_button,
            "setMyDescription": self._api_set_profile_text,
            "setMyShortDescription": self._api_set_profile_text,
            "setMyName": self._api_set_profile_text,
        }

    # ------------------------------------------------------------------- lifecycle

    def start(self) -> Self:
        """Start serving on 127.0.0.1 on a free port; returns once the port is open."""
        if self._thread is not None:
            raise RuntimeError("FakeTelegram is already started")
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(ready,), name="fake-telegram", daemon=True
        )
        self._thread.start()
        if not ready.wait(10) or self._startup_error is not None:
            raise RuntimeError("FakeTelegram could not start") from self._startup_error
        return self

    def stop(self) -> None:
        """Stop serving: end long polls, cancel webhook deliveries, close the port."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self._serve_stop(), loop).result(15)
        except Exception:  # still stop the loop below; the log says what went wrong
            _LOGGER.exception("FakeTelegram did not shut down cleanly")
        loop.call_soon_threadsafe(loop.stop)
        thread.join(15)
        self._thread = None
        self._loop = None

    def __enter__(self) -> Self:
        """Start the server for a `with` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop the server at the end of a `with` block."""
        self.stop()

    @property
    def root_url(self) -> str:
        """The server root, e.g. "http://127.0.0.1:PORT" (what TELEGRAM_API_BASE_URL takes)."""
        if self._port is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """The value for PTB's `base_url` (the token is appended by PTB)."""
        return f"{self.root_url}/bot"

    @property
    def base_file_url(self) -> str:
        """The value for PTB's `base_file_url`."""
        return f"{self.root_url}/file/bot"

    def _run(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
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
            self._close_loop(loop)

    @staticmethod
    def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()

    async def _serve_start(self) -> None:
        app = web.Application(client_max_size=UPLOAD_LIMIT + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self._session = aiohttp.ClientSession()
        address = runner.addresses[0]
        self._port = int(address[1])

    async def _serve_stop(self) -> None:
        with self._cond:
            self._end_polls("stop")
            self._cancel_deliveries()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def _in_loop(self, callback: Callable[[int], None], argument: int) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(callback, argument)

    # ------------------------------------------------------------------- HTTP entry points

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:  # noqa: PLR0911
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        name = self._method_names.get(request.match_info["method"].lower())
        if name is None:
            return _error_response(ApiError(404, "Not Found"))
        try:
            params = await _read_params(request)
        except ApiError as exc:
            return _error_response(exc)
        fault = self._count_call(name)
        if fault is not None and not fault.perform:
            return self._answer_fault(request, name, params, fault)
        try:
            # Done at once, even if the bot stops waiting: Telegram finishes what it received.
            value = await asyncio.shield(self._invoke(name, params))
        except ApiError as exc:
            return _error_response(exc)
        if fault is not None:
            await asyncio.sleep(fault.delay)
        if fault is not None and fault.disconnect:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        return _ok_response(value)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return _error_response(ApiError(401, "Unauthorized"))
        with self._cond:
            stored = self._file_paths.get(request.match_info["path"])
        if stored is None or stored.content is None:
            return _error_response(ApiError(404, "Not Found"))
        return web.Response(body=stored.content, content_type="application/octet-stream")

    def _count_call(self, name: str) -> _Fault | None:
        with self._cond:
            self._counts[name] = self._counts.get(name, 0) + 1
            self._cond.notify_all()
            queue = self._faults.get(name)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            return fault

    def _answer_fault(
        self, request: web.Request, name: str, params: _Params, fault: _Fault
    ) -> web.StreamResponse:
        code = 0 if fault.disconnect else fault.error_code
        description = "connection dropped" if fault.disconnect else fault.description
        with self._cond:
            self._record(name, params, None, ApiError(code, description))
        if fault.disconnect:
            if request.transport is not None:
                request.transport.abort()
            return web.Response(status=500)  # never reaches the client
        retry_after = fault.retry_after if fault.error_code == 429 else None
        return _error_response(ApiError(code, description, retry_after=retry_after))

    async def _invoke(self, name: str, params: _Params) -> object:
        if name == "getUpdates":
            return await self._api_get_updates(params)
        if self._fetch_urls and name in {"sendPhoto", "sendDocument"}:
            await self._fetch_url(params, "photo" if name == "sendPhoto" else "document")
        with self._cond:
            try:
                value = self._handlers[name](params)
            except ApiError as exc:
                self._record(name, params, None, exc)
                raise
            self._record(name, params, value, None)
            return value

    def _record(self, name: str, params: _Params, value: object, error: ApiError | None) -> None:
        chat = params.integer("chat_id")
        result = value.value if isinstance(value, _Described) else value
        call = BotCall(
            method=name,
            chat_id=chat,
            params=params.snapshot(),
            result=result,
            error_code=error.code if error else None,
            description=error.description if error else None,
            timestamp=time.time(),
        )
        self._calls.append(call)
        self._calls_by_method.setdefault(name, []).append(call)
        self._cond.notify_all()

    async def _fetch_url(self, params: _Params, field_name: str) -> None:
        url = params.text(field_name) or ""
        if params.files.get(field_name) or not url.startswith(("http://", "https://")):
            return
        assert self._session is not None
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                data = await resp.read()
                ok = resp.status == 200
                content_type = resp.content_type
        except (aiohttp.ClientError, TimeoutError):
            raise _bad("failed to get HTTP URL content") from None
        if not ok:
            raise _bad("failed to get HTTP URL content")
        if field_name == "photo" and not content_type.startswith("image/"):
            raise _bad("wrong type of the web page content")
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "file"
        params.files[f"url:{field_name}"] = Upload(field_name, name, content_type, data)

    # ------------------------------------------------------------------- getUpdates

    async def _api_get_updates(self, params: _Params) -> object:
        offset = params.integer("offset")
        limit = params.integer("limit") or 100
        limit = limit if 1 <= limit <= 100 else 100
        timeout = max(params.number("timeout") or 0.0, 0.0)
        allowed = params.json("allowed_updates")
        loop = asyncio.get_running_loop()
        with self._cond:
            self._check_polling()
            self._end_polls("conflict")
            self._confirm(offset)
            self._set_allowed_updates(allowed)
            batch = self._take(limit)
            if batch or timeout <= 0:
                return batch
            waiter: asyncio.Future[str] = loop.create_future()
            self._poll_waiters.append(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(waiter), timeout)
        finally:
            with self._cond:
                if waiter in self._poll_waiters:
                    self._poll_waiters.remove(waiter)
        return self._after_poll(waiter, limit)

    def _after_poll(self, waiter: asyncio.Future[str], limit: int) -> object:
        reason = waiter.result() if waiter.done() else "timeout"
        if reason == "conflict":
            raise ApiError(409, _CONFLICT_POLLING)
        with self._cond:
            self._check_polling()
            return [] if reason == "stop" else self._take(limit)

    def _check_polling(self) -> None:
        if self._webhook is not None:
            raise ApiError(409, _CONFLICT_WEBHOOK)

    def _end_polls(self, reason: str) -> None:
        for waiter in self._poll_waiters:
            if not waiter.done():
                waiter.set_result(reason)
        self._poll_waiters.clear()

    def _confirm(self, offset: int | None) -> None:
        if offset is None or offset == 0:
            return
        if offset < 0:
            keep = list(self._pending)[offset:]
            offset = keep[0] if keep else self._next_update_id
        for update_id in list(itertools.takewhile(lambda u: u < offset, self._pending)):
            del self._pending[update_id]
            self._confirmed.add(update_id)
        self._cond.notify_all()

    def _set_allowed_updates(self, allowed: object) -> None:
        if isinstance(allowed, list):
            self._allowed_updates = tuple(str(kind) for kind in allowed)

    def _accepts(self, kind: str) -> bool:
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATES

    def _take(self, limit: int) -> list[JsonDict]:
        return list(itertools.islice(self._pending.values(), limit))

    def _wake_polls(self, update_id: int) -> None:
        """Loop thread: an update arrived; answer waiting long polls, push it to a webhook."""
        with self._cond:
            self._end_polls("update")
        self._schedule_delivery(update_id)

    # ------------------------------------------------------------------- webhook

    def _api_set_webhook(self, params: _Params) -> object:
        url = (params.text("url") or "").strip()
        if not url:
            return self._api_delete_webhook(params)
        self._check_webhook_url(url)
        secret = params.text("secret_token") or None
        if secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            raise _bad("secret token contains unallowed characters")
        allowed = params.json("allowed_updates")
        self._set_allowed_updates(allowed)
        config = WebhookConfig(
            url=url,
            secret_token=secret,
            max_connections=min(max(params.integer("max_connections") or 40, 1), 100),
            allowed_updates=self._allowed_updates or None,
            ip_address=params.text("ip_address"),
            has_custom_certificate="certificate" in params.files,
        )
        if params.flag("drop_pending_updates"):
            self._drop_pending()
        previous = self._webhook
        self._cancel_deliveries()
        self._webhook = _Webhook(config, asyncio.Semaphore(config.max_connections))
        self._end_polls("webhook")
        for update_id in list(self._pending):
            self._schedule_delivery(update_id)
        if previous is not None and previous.config == config:
            return _Described(True, "Webhook is already set")
        return _Described(True, "Webhook was set")

    def _check_webhook_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if not self._strict_webhook_url:
            return
        if parts.scheme != "https":
            raise _bad("bad webhook: An HTTPS URL must be provided for webhook")
        if (parts.port or 443) not in {443, 80, 88, 8443}:
            raise _bad("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")

    def _api_delete_webhook(self, params: _Params) -> object:
        if params.flag("drop_pending_updates"):
            self._drop_pending()
        if self._webhook is None:
            return _Described(True, "Webhook is already deleted")
        self._cancel_deliveries()
        self._webhook = None
        self._webhook_error = None
        return _Described(True, "Webhook was deleted")

    def _drop_pending(self) -> None:
        self._confirmed.update(self._pending)
        self._pending.clear()

    def _api_get_webhook_info(self, params: _Params) -> object:
        return self.webhook_info()

    def _cancel_deliveries(self) -> None:
        for task in self._delivery_tasks:
            task.cancel()
        self._delivery_tasks.clear()
        self._scheduled.clear()

    def _schedule_delivery(self, update_id: int) -> None:
        """Loop thread: start delivering one pending update to the webhook, if one is set."""
        with self._cond:
            hook = self._webhook
            update = self._pending.get(update_id)
            if hook is None or update is None or update_id in self._scheduled:
                return
            self._scheduled.add(update_id)
            chat = _update_chat(update)
        task = asyncio.get_running_loop().create_task(self._deliver(hook, update_id, chat))
        self._delivery_tasks.add(task)
        task.add_done_callback(self._delivery_tasks.discard)

    async def _deliver(self, hook: _Webhook, update_id: int, chat: int) -> None:
        # One delivery at a time per chat keeps a chat's updates in order, as Telegram does;
        # the semaphore caps parallel connections at the webhook's max_connections.
        lock = self._chat_locks.setdefault(chat, asyncio.Lock())
        async with lock, hook.semaphore:
            for attempt in range(1, self._webhook_attempts + 1):
                with self._cond:
                    update = self._pending.get(update_id) if self._webhook is hook else None
                if update is None:
                    return
                status, error = await self._post_update(hook.config, update)
                if self._finish_attempt(hook, update_id, attempt, status, error):
                    return
                if attempt < self._webhook_attempts:
                    await asyncio.sleep(self._webhook_backoff * 2 ** (attempt - 1))
            self._give_up(hook, update_id)

    async def _post_update(
        self, config: WebhookConfig, update: JsonDict
    ) -> tuple[int | None, str | None]:
        assert self._session is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": config.secret_token or ""}
        if config.secret_token is None:
            headers.clear()
        timeout = aiohttp.ClientTimeout(total=self._webhook_timeout)
        try:
            async with self._session.post(
                config.url, json=update, headers=headers, timeout=timeout
            ) as response:
                await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            _LOGGER.debug("webhook delivery to %s failed: %r", config.url, exc)
            return None, _connection_error(exc)
        if 200 <= response.status < 300:
            return response.status, None
        return response.status, (
            f"Wrong response from the webhook: {response.status} {response.reason}"
        )

    def _finish_attempt(
        self, hook: _Webhook, update_id: int, attempt: int, status: int | None, error: str | None
    ) -> bool:
        with self._cond:
            self._deliveries.append(
                WebhookDelivery(
                    update_id=update_id,
                    attempt=attempt,
                    url=hook.config.url,
                    status=status,
                    error=error,
                    secret_token=hook.config.secret_token,
                    timestamp=time.time(),
                )
            )
            self._cond.notify_all()
            if error is not None:
                self._webhook_error = (int(time.time()), error)
                return False
            if self._webhook is hook and self._pending.pop(update_id, None) is not None:
                self._confirmed.add(update_id)
            self._scheduled.discard(update_id)
            return True

    def _give_up(self, hook: _Webhook, update_id: int) -> None:
        with self._cond:
            if self._webhook is hook and self._pending.pop(update_id, None) is not None:
                self._webhook_dropped += 1
            self._scheduled.discard(update_id)
            self._cond.notify_all()

    # ------------------------------------------------------------------- bot identity

    def bot_user(self) -> JsonDict:
        """The bot's User object as getMe returns it."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
            "has_topics_enabled": False,
            "allows_users_to_create_topics": False,
        }

    def _bot_sender(self) -> JsonDict:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _api_get_me(self, params: _Params) -> object:
        return self.bot_user()

    def _api_true(self, params: _Params) -> object:
        return True

    # ------------------------------------------------------------------- sending

    def _target_chat(self, params: _Params, *, check_blocked: bool = True) -> _Chat:
        raw = params.text("chat_id")
        if not raw:
            raise _bad("chat_id is empty")
        chat_id = params.integer("chat_id")
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise _bad("chat not found")
        if check_blocked and chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _reply_target(self, chat: _Chat, params: _Params) -> JsonDict | None:
        reply = params.json("reply_parameters")
        message_id = params.integer("reply_to_message_id")
        allow_missing = params.flag("allow_sending_without_reply")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow_missing = bool(reply.get("allow_sending_without_reply"))
        if not isinstance(message_id, int):
            return None
        target = chat.payloads.get(message_id)
        if target is None and not allow_missing:
            raise _bad("message to be replied not found")
        if target is None:
            return None
        return {key: value for key, value in target.items() if key != "reply_to_message"}

    def _text_of(self, params: _Params, name: str, limit: int, too_long: str) -> FormattedText:
        raw = params.text(name) or ""
        entities_field = "entities" if name == "text" else "caption_entities"
        formatted = parse_formatted(raw, params.text("parse_mode"), params.json(entities_field))
        _check_length(formatted, limit, too_long)
        return formatted

    def _message_text(self, params: _Params) -> FormattedText:
        if not params.text("text"):
            raise _bad("message text is empty")
        formatted = self._text_of(params, "text", TEXT_LIMIT, "message is too long")
        if not formatted.text:
            raise _bad("message must be non-empty")
        return formatted

    def _caption(self, params: _Params) -> FormattedText | None:
        if not params.text("caption"):
            return None
        return self._text_of(params, "caption", CAPTION_LIMIT, "message caption is too long")

    def _api_send_message(self, params: _Params) -> object:
        markup = parse_reply_markup(params.raw("reply_markup"))
        formatted = self._message_text(params)
        chat = self._target_chat(params)
        content = _Content(
            "text", formatted, params.text("text"), params.text("parse_mode"), media={}
        )
        return self._store(chat, content, markup, self._reply_target(chat, params)).payload

    def _api_send_photo(self, params: _Params) -> object:
        return self._send_media(params, "photo")

    def _api_send_document(self, params: _Params) -> object:
        return self._send_media(params, "document")

    def _send_media(self, params: _Params, kind: str) -> object:
        markup = parse_reply_markup(params.raw("reply_markup"))
        caption = self._caption(params)
        chat = self._target_chat(params)
        stored = self._input_file(params, kind)
        media = (
            {"photo": list(stored.photo)} if kind == "photo" else {"document": stored.document()}
        )
        content = _Content(
            kind, caption, params.text("caption"), params.text("parse_mode"), media, stored
        )
        return self._store(chat, content, markup, self._reply_target(chat, params)).payload

    def _input_file(self, params: _Params, kind: str) -> _StoredFile:
        upload = params.files.get(kind) or params.files.get(f"url:{kind}")
        reference = params.text(kind) or ""
        if upload is None and reference.startswith("attach://"):
            upload = params.files.get(reference.removeprefix("attach://"))
        if upload is not None:
            return self._stored_upload(upload, kind)
        if not reference:
            raise _bad(f"there is no {kind} in the request")
        if reference.startswith(("http://", "https://")):
            return self._new_file(kind, None, url=reference, file_name=None, mime_type=None)
        stored = self._files.get(reference)
        if stored is None:
            raise _bad("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise _bad("type of file mismatch")
        return stored

    def _stored_upload(self, upload: Upload, kind: str) -> _StoredFile:
        if not upload.data:
            raise _bad("file must be non-empty")
        if len(upload.data) > (PHOTO_UPLOAD_LIMIT if kind == "photo" else UPLOAD_LIMIT):
            raise ApiError(413, "Request Entity Too Large")
        return self._new_file(
            kind,
            upload.data,
            url=None,
            file_name=upload.filename,
            mime_type=upload.content_type,
        )

    def _new_file(
        self,
        kind: str,
        content: bytes | None,
        *,
        url: str | None,
        file_name: str | None,
        mime_type: str | None,
    ) -> _StoredFile:
        """Register a file under fresh ids; a photo gets three sizes, each its own file."""
        size = len(content) if content is not None else None
        number = next(self._ids)
        prefix = {"photo": "AgACAgIAAxk", "sticker": "CAACAgIAAxk"}.get(kind, "BQACAgIAAxk")
        default_suffix = {"photo": "jpg", "sticker": "webp"}.get(kind, "bin")
        suffix = file_name.rpartition(".")[2] if file_name and "." in file_name else default_suffix
        stored = _StoredFile(
            file_id=f"{prefix}{number:012d}",
            unique_id=f"AgAD{number:08d}",
            kind=kind,
            size=size,
            content=content,
            path=f"{kind}s/file_{number}.{suffix}",
            file_name=None if kind == "photo" else file_name,
            mime_type=None if kind == "photo" else mime_type,
            url=url,
        )
        self._files[stored.file_id] = stored
        self._file_paths[stored.path] = stored
        if kind == "photo":
            self._add_photo_sizes(stored)
        return stored

    def _add_photo_sizes(self, original: _StoredFile) -> None:
        variants: list[tuple[_StoredFile, int]] = []
        for width, share in ((90, 40), (320, 8)):
            number = next(self._ids)
            variant = replace(
                original,
                file_id=f"AgACAgIAAxk{number:012d}",
                unique_id=f"AgAD{number:08d}",
                size=max((original.size or 60_000) // share, 1),
                path=f"photos/file_{number}.jpg",
            )
            self._files[variant.file_id] = variant
            self._file_paths[variant.path] = variant
            variants.append((variant, width))
        variants.append((original, 1280))
        sizes = tuple(
            _drop_none(
                {
                    "file_id": variant.file_id,
                    "file_unique_id": variant.unique_id,
                    "width": width,
                    "height": width * 3 // 4,
                    "file_size": variant.size,
                }
            )
            for variant, width in variants
        )
        for variant, _ in variants:
            variant.photo = sizes

    def _store(
        self, chat: _Chat, content: _Content, markup: JsonDict | None, reply: JsonDict | None
    ) -> BotMessage:
        message_id = chat.next_message_id()
        date = int(time.time())
        payload = self._payload(chat, message_id, date, content, markup)
        if reply is not None:
            payload["reply_to_message"] = reply
        formatted = content.formatted
        stored = content.file
        record = BotMessage(
            chat_id=chat.chat["id"],
            message_id=message_id,
            kind=content.kind,
            text=formatted.text if content.kind == "text" and formatted else None,
            caption=formatted.text if content.kind != "text" and formatted else None,
            raw=content.raw,
            parse_mode=content.parse_mode,
            entities=formatted.entities if formatted else (),
            reply_markup=markup,
            date=date,
            payload=payload,
            file_id=stored.file_id if stored else None,
            file_name=stored.file_name if stored else None,
            file_size=stored.size if stored else None,
            file_url=stored.url if stored else None,
        )
        chat.payloads[message_id] = payload
        chat.records[message_id] = record
        self._update_keyboard(chat, markup)
        return record

    def _payload(
        self,
        chat: _Chat,
        message_id: int,
        date: int,
        content: _Content,
        markup: JsonDict | None,
    ) -> JsonDict:
        payload: JsonDict = {
            "message_id": message_id,
            "from": self._bot_sender(),
            "chat": chat.chat,
            "date": date,
            **content.media,
        }
        formatted = content.formatted
        if formatted is not None and content.kind == "text":
            payload["text"] = formatted.text
            if formatted.entities:
                payload["entities"] = list(formatted.entities)
        elif formatted is not None and formatted.text:
            payload["caption"] = formatted.text
            if formatted.entities:
                payload["caption_entities"] = list(formatted.entities)
        inline = _inline_part(markup)
        if inline is not None:  # Telegram only echoes inline keyboards in a Message
            payload["reply_markup"] = inline
        return payload

    @staticmethod
    def _update_keyboard(chat: _Chat, markup: JsonDict | None) -> None:
        if markup is None:
            return
        if "keyboard" in markup:
            chat.keyboard = markup
        elif markup.get("remove_keyboard") is True:
            chat.keyboard = None

    def _api_send_chat_action(self, params: _Params) -> object:
        self._target_chat(params)
        if params.text("action") not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        return True

    # ------------------------------------------------------------------- editing

    def _editable(self, params: _Params) -> tuple[_Chat, BotMessage]:
        if params.text("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._target_chat(params)
        message_id = params.integer("message_id")
        record = chat.records.get(message_id) if message_id is not None else None
        if record is None or record.deleted:
            if message_id in chat.payloads:
                raise _bad("message can't be edited")
            raise _bad("message to edit not found")
        return chat, record

    def _edit_markup(self, params: _Params) -> JsonDict | None:
        markup = parse_reply_markup(params.raw("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise _bad("inline keyboard expected")
        return markup

    def _api_edit_message_text(self, params: _Params) -> object:
        markup = self._edit_markup(params)
        formatted = self._message_text(params)
        chat, record = self._editable(params)
        if record.kind != "text":
            raise _bad("there is no text in the message to edit")
        same_text = (record.text, record.entities) == (formatted.text, formatted.entities)
        if same_text and _inline_part(record.reply_markup) == markup:
            raise _bad(_NOT_MODIFIED)
        content = _Content(
            "text", formatted, params.text("text"), params.text("parse_mode"), media={}
        )
        return self._replace(chat, record, content, markup).payload

    def _api_edit_message_caption(self, params: _Params) -> object:
        markup = self._edit_markup(params)
        caption = self._caption(params)
        chat, record = self._editable(params)
        if record.kind == "text":
            raise _bad("there is no caption in the message to edit")
        new = caption or FormattedText("")
        same = (record.caption or "", record.entities) == (new.text, new.entities)
        if same and _inline_part(record.reply_markup) == markup:
            raise _bad(_NOT_MODIFIED)
        media: JsonDict = {k: v for k, v in record.payload.items() if k in {"photo", "document"}}
        content = _Content(
            record.kind, caption, params.text("caption"), params.text("parse_mode"), media
        )
        return self._replace(chat, record, content, markup).payload

    def _api_edit_message_reply_markup(self, params: _Params) -> object:
        markup = self._edit_markup(params)
        chat, record = self._editable(params)
        if _inline_part(record.reply_markup) == markup:
            raise _bad(_NOT_MODIFIED)
        text = record.text if record.kind == "text" else record.caption
        formatted = FormattedText(text or "", record.entities) if text is not None else None
        media: JsonDict = {k: v for k, v in record.payload.items() if k in {"photo", "document"}}
        content = _Content(record.kind, formatted, record.raw, record.parse_mode, media)
        return self._replace(chat, record, content, markup).payload

    def _replace(
        self, chat: _Chat, record: BotMessage, content: _Content, markup: JsonDict | None
    ) -> BotMessage:
        edit_date = int(time.time())
        payload = self._payload(chat, record.message_id, record.date, content, markup)
        payload["edit_date"] = edit_date
        if "reply_to_message" in record.payload:
            payload["reply_to_message"] = record.payload["reply_to_message"]
        formatted = content.formatted
        updated = replace(
            record,
            text=formatted.text if content.kind == "text" and formatted else None,
            caption=formatted.text if content.kind != "text" and formatted else None,
            raw=content.raw,
            parse_mode=content.parse_mode,
            entities=formatted.entities if formatted else (),
            reply_markup=markup,
            payload=payload,
            edit_date=edit_date,
        )
        chat.payloads[record.message_id] = payload
        chat.records[record.message_id] = updated
        return updated

    def _api_delete_message(self, params: _Params) -> object:
        chat = self._target_chat(params, check_blocked=False)
        message_id = params.integer("message_id")
        if message_id is None or chat.payloads.pop(message_id, None) is None:
            raise _bad("message to delete not found")
        record = chat.records.get(message_id)
        if record is not None:
            chat.records[message_id] = replace(record, deleted=True)
        return True

    # ------------------------------------------------------------------- callbacks, files

    def _api_answer_callback_query(self, params: _Params) -> object:
        query_id = params.text("callback_query_id") or ""
        query = self._queries.get(query_id)
        if query is None or query.answered:
            raise _bad(_QUERY_TOO_OLD)
        text = params.text("text")
        if text is not None and len(text) > CALLBACK_ANSWER_LIMIT:
            raise _bad("MESSAGE_TOO_LONG")
        query.answered = True
        self._answers.append(
            CallbackAnswer(
                query_id=query_id,
                update_id=query.update_id,
                user_id=query.user_id,
                text=text,
                show_alert=params.flag("show_alert"),
                url=params.text("url"),
                cache_time=params.integer("cache_time") or 0,
            )
        )
        return True

    def _api_get_file(self, params: _Params) -> object:
        stored = self._files.get(params.text("file_id") or "")
        if stored is None:
            raise _bad("invalid file_id")
        if (stored.size or 0) > DOWNLOAD_LIMIT:
            raise _bad("file is too big")
        info: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.unique_id}
        if stored.size is not None:
            info["file_size"] = stored.size
        if stored.content is not None:
            info["file_path"] = stored.path
        return info

    # ------------------------------------------------------------------- commands, profile

    def _command_key(self, params: _Params) -> tuple[str, int | None, int | None, str]:
        scope = params.json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or not isinstance(scope.get("type"), str):
            raise _bad("can't parse BotCommandScope JSON object")
        language = params.text("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        chat = scope.get("chat_id")
        user = scope.get("user_id")
        return (
            scope["type"],
            int(chat) if isinstance(chat, int | str) and str(chat).lstrip("-").isdigit() else None,
            int(user) if isinstance(user, int) else None,
            language,
        )

    def _api_set_my_commands(self, params: _Params) -> object:
        commands = params.json("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > MAX_COMMANDS:
            raise _bad("too many commands specified")
        checked = [self._checked_command(command) for command in commands]
        self._commands[self._command_key(params)] = checked
        return True

    @staticmethod
    def _checked_command(command: object) -> JsonDict:
        if not isinstance(command, dict):
            raise _bad("can't parse BotCommand: BotCommand must be an Object")
        name, description = command.get("command"), command.get("description")
        if not isinstance(name, str) or not _COMMAND_NAME.fullmatch(name):
            raise _bad("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not description.strip():
            raise _bad("command description must be non-empty")
        if len(description) > 256:
            raise _bad("command description is too long")
        return {"command": name, "description": description}

    def _api_get_my_commands(self, params: _Params) -> object:
        return list(self._commands.get(self._command_key(params), []))

    def _api_delete_my_commands(self, params: _Params) -> object:
        self._commands.pop(self._command_key(params), None)
        return True

    def _api_set_chat_menu_button(self, params: _Params) -> object:
        button = params.json("menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in {
            "commands",
            "web_app",
            "default",
        }:
            raise _bad("can't parse MenuButton JSON object")
        if params.text("chat_id"):
            self._target_chat(params, check_blocked=False)
        self._menu_button = button
        return True

    def _api_get_chat_menu_button(self, params: _Params) -> object:
        return dict(self._menu_button)

    def _api_set_profile_text(self, params: _Params) -> object:
        for name in ("description", "short_description", "name"):
            value = params.text(name)
            if value is not None:
                self._profile[name] = value
        return True

    # =================================================================== test-side API

    def add_user(
        self,
        user_id: int,
        first_name: str,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "vi",
    ) -> None:
        """Register a Telegram user and their private chat with the bot (chat id = user id)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        names = {"first_name": first_name, "last_name": last_name, "username": username}
        user = _drop_none({"id": user_id, "is_bot": False, **names, "language_code": language_code})
        chat = _drop_none({"id": user_id, "type": "private", **names})
        with self._cond:
            existing = self._chats.get(user_id)
            if existing is not None:
                existing.user, existing.chat = user, chat
            else:
                instance = str(-(4_000_000_000_000_000_000 + user_id))
                self._chats[user_id] = _Chat(user, chat, instance)

    def block(self, user_id: int, *, notify: bool = True) -> None:
        """The user blocks the bot: sends now fail with 403; Telegram also sends my_chat_member."""
        self._set_blocked(user_id, blocked=True, notify=notify)

    def unblock(self, user_id: int, *, notify: bool = True) -> None:
        """The user restarts the bot after blocking it."""
        self._set_blocked(user_id, blocked=False, notify=notify)

    def _set_blocked(self, user_id: int, *, blocked: bool, notify: bool) -> None:
        with self._cond:
            chat = self._chat(user_id)
            if chat.blocked == blocked:
                return
            chat.blocked = blocked
            if not notify:
                return
            old, new = ("member", "kicked") if blocked else ("kicked", "member")
            self._enqueue(
                {
                    "my_chat_member": {
                        "chat": chat.chat,
                        "from": chat.user,
                        "date": int(time.time()),
                        "old_chat_member": self._member(old),
                        "new_chat_member": self._member(new),
                    }
                }
            )

    def _member(self, status: str) -> JsonDict:
        member: JsonDict = {"user": self._bot_sender(), "status": status}
        if status == "kicked":
            member["until_date"] = 0
        return member

    def _chat(self, user_id: int) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            raise ValueError(f"unknown user {user_id}; call add_user() first")
        return chat

    def inject_update(self, update: JsonDict) -> int:
        """Queue any update as Telegram would (a fresh update_id is assigned and returned)."""
        return self._enqueue(dict(update))

    def _enqueue(self, update: JsonDict) -> int:
        with self._cond:
            update_id = self._next_update_id
            self._next_update_id += 1
            update.pop("update_id", None)
            update = {"update_id": update_id, **update}
            queued = self._accepts(_update_type(update))
            if queued:
                self._pending[update_id] = update
            else:
                self._filtered += 1
            self._cond.notify_all()
        if queued:
            self._in_loop(self._wake_polls, update_id)
        return update_id

    def _user_message(self, user_id: int, body: JsonDict) -> int:
        with self._cond:
            chat = self._chat(user_id)
            if chat.blocked:
                raise ValueError(f"user {user_id} blocked the bot; call unblock() first")
            message_id = chat.next_message_id()
            message = {
                "message_id": message_id,
                "from": chat.user,
                "chat": chat.chat,
                "date": int(time.time()),
                **body,
            }
            chat.payloads[message_id] = message
            return self._enqueue({"message": message})

    def send_text(self, user_id: int, text: str) -> int:
        """The user sends text (a leading /command gets a bot_command entity); returns update_id."""
        body: JsonDict = {"text": text}
        entities = _command_entities(text)
        if entities:
            body["entities"] = entities
        return self._user_message(user_id, body)

    def send_photo(
        self, user_id: int, *, caption: str | None = None, content: bytes | None = None
    ) -> int:
        """The user sends a photo (three sizes, distinct file ids). Returns update_id."""
        data = content if content is not None else b"\xff\xd8\xff\xe0" + bytes(60_000)
        with self._cond:
            stored = self._new_file("photo", data, url=None, file_name=None, mime_type=None)
        return self._user_message(
            user_id, _drop_none({"photo": list(stored.photo), "caption": caption})
        )

    def send_document(
        self,
        user_id: int,
        *,
        file_name: str = "bao-cao.pdf",
        mime_type: str = "application/pdf",
        content: bytes = b"%PDF-1.4\n% fake document\n",
        caption: str | None = None,
    ) -> int:
        """The user sends a file. Returns update_id."""
        with self._cond:
            stored = self._new_file(
                "document", content, url=None, file_name=file_name, mime_type=mime_type
            )
        return self._user_message(
            user_id, _drop_none({"document": stored.document(), "caption": caption})
        )

    def send_sticker(self, user_id: int, *, emoji: str = "👍") -> int:
        """The user sends a sticker. Returns update_id."""
        with self._cond:
            stored = self._new_file(
                "sticker", b"RIFF\0\0\0\0WEBP", url=None, file_name=None, mime_type=None
            )
        sticker = {
            "file_id": stored.file_id,
            "file_unique_id": stored.unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
            "file_size": stored.size,
        }
        return self._user_message(user_id, {"sticker": sticker})

    def send_location(self, user_id: int, latitude: float, longitude: float) -> int:
        """The user shares a location. Returns update_id."""
        return self._user_message(
            user_id, {"location": {"latitude": latitude, "longitude": longitude}}
        )

    def send_contact(self, user_id: int, phone_number: str) -> int:
        """The user shares their own phone number (a request_contact button). Returns update_id."""
        with self._cond:
            user = self._chat(user_id).user
        contact = {"phone_number": phone_number, "first_name": user["first_name"]}
        return self._user_message(user_id, {"contact": {**contact, "user_id": user_id}})

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> int:
        """The user presses an inline button of a bot message; any data may be forged.

        Returns:
            The update_id of the callback_query update.
        """
        with self._cond:
            chat = self._chat(user_id)
            record = chat.records.get(message_id)
            if record is None or record.deleted:
                raise ValueError(f"no bot message {message_id} in chat {user_id}")
            query_id = str(4_000_000_000_000 + next(self._ids))
            update_id = self._enqueue(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": chat.user,
                        "message": record.payload,
                        "chat_instance": chat.chat_instance,
                        "data": callback_data,
                    }
                }
            )
            self._queries[query_id] = _Query(update_id, user_id)
            return update_id

    # ------------------------------------------------------------------- reading results

    @property
    def sent(self) -> list[BotCall]:
        """Every call the bot made, accepted or rejected, in order (getUpdates only if faulted)."""
        with self._cond:
            return list(self._calls)

    def calls(self, method: str) -> list[BotCall]:
        """The recorded calls of one method (case-insensitive name)."""
        name = self._method_names.get(method.lower(), method)
        with self._cond:
            return list(self._calls_by_method.get(name, []))

    def call_count(self, method: str) -> int:
        """How many times the bot called a method (getUpdates included, faults included)."""
        name = self._method_names.get(method.lower(), method)
        with self._cond:
            return self._counts.get(name, 0)

    @property
    def call_counts(self) -> dict[str, int]:
        """Calls per method name."""
        with self._cond:
            return dict(self._counts)

    def messages(self, chat_id: int, *, include_deleted: bool = False) -> list[BotMessage]:
        """The bot's messages in a chat, oldest first, each in its current (edited) state."""
        with self._cond:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [m for m in chat.records.values() if include_deleted or not m.deleted]

    def message_count(self, chat_id: int) -> int:
        """How many messages the bot has sent to a chat."""
        with self._cond:
            chat = self._chats.get(chat_id)
            return len(chat.records) if chat is not None else 0

    def last_message(self, chat_id: int) -> BotMessage:
        """The bot's latest message in a chat (AssertionError when there is none)."""
        messages = self.messages(chat_id)
        if not messages:
            raise AssertionError(
                f"the bot sent nothing to chat {chat_id}\n{self.describe(chat_id)}"
            )
        return messages[-1]

    def mark(self, chat_id: int) -> int:
        """The chat's latest message id; pass it as `after=` to wait only for newer messages."""
        with self._cond:
            return self._chat(chat_id).last_message_id

    def current_keyboard(self, chat_id: int) -> JsonDict | None:
        """The reply keyboard the user currently sees, if any."""
        with self._cond:
            return self._chat(chat_id).keyboard

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes of an uploaded or generated file (None for URL files not fetched)."""
        with self._cond:
            stored = self._files.get(file_id)
            return stored.content if stored is not None else None

    def commands(
        self, scope_type: str = "default", *, chat_id: int | None = None, language_code: str = ""
    ) -> list[JsonDict]:
        """The command list the bot set for a scope and language."""
        with self._cond:
            return list(self._commands.get((scope_type, chat_id, None, language_code), []))

    @property
    def menu_button(self) -> JsonDict:
        """The menu button set with setChatMenuButton."""
        with self._cond:
            return dict(self._menu_button)

    @property
    def callback_answers(self) -> list[CallbackAnswer]:
        """The bot's answers to button presses, in order."""
        with self._cond:
            return list(self._answers)

    def callback_answer(self, update_id: int) -> CallbackAnswer | None:
        """The answer to the button press injected as `update_id`, if the bot gave one."""
        with self._cond:
            return next((a for a in self._answers if a.update_id == update_id), None)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed by getUpdates or delivered to the webhook."""
        with self._cond:
            return len(self._pending)

    @property
    def updates_confirmed(self) -> int:
        """Updates confirmed by a getUpdates offset or a 2xx webhook answer."""
        with self._cond:
            return len(self._confirmed)

    def is_confirmed(self, update_id: int) -> bool:
        """Whether the bot confirmed (polling) or accepted (webhook) an update."""
        with self._cond:
            return update_id in self._confirmed

    @property
    def updates_filtered(self) -> int:
        """Injected updates dropped because allowed_updates excluded their type."""
        with self._cond:
            return self._filtered

    @property
    def webhook(self) -> WebhookConfig | None:
        """The webhook the bot set, or None in polling mode."""
        with self._cond:
            return self._webhook.config if self._webhook is not None else None

    @property
    def webhook_deliveries(self) -> list[WebhookDelivery]:
        """Every webhook POST attempt, in order."""
        with self._cond:
            return list(self._deliveries)

    @property
    def webhook_dropped(self) -> int:
        """Updates given up after `webhook_attempts` failed deliveries."""
        with self._cond:
            return self._webhook_dropped

    def webhook_info(self) -> JsonDict:
        """The WebhookInfo object getWebhookInfo returns."""
        with self._cond:
            info: JsonDict = {
                "url": "",
                "has_custom_certificate": False,
                "pending_update_count": len(self._pending),
            }
            if self._webhook is None:
                return info
            config = self._webhook.config
            info.update(url=config.url, has_custom_certificate=config.has_custom_certificate)
            info["max_connections"] = config.max_connections
            if config.ip_address:
                info["ip_address"] = config.ip_address
            if config.allowed_updates is not None:
                info["allowed_updates"] = list(config.allowed_updates)
            if self._webhook_error is not None:
                info["last_error_date"], info["last_error_message"] = self._webhook_error
            return info

    # ------------------------------------------------------------------- fault knobs

    def fail_next(
        self,
        method: str,
        *,
        times: int = 1,
        error_code: int = 429,
        retry_after: int = 1,
        description: str | None = None,
        disconnect: bool = False,
    ) -> None:
        """Make the next `times` calls of a method fail before any validation.

        Args:
            method: the Bot API method, case-insensitive.
            times: how many consecutive calls fail.
            error_code: 429 answers with parameters.retry_after; 500/502 are plain errors.
            retry_after: seconds announced in a 429.
            description: overrides Telegram's usual description for the code.
            disconnect: drop the TCP connection without answering (a network error).
        """
        name = self._method_names.get(method.lower())
        if name is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        text = description or _fault_description(error_code, retry_after)
        fault = _Fault(error_code, retry_after, text, disconnect, remaining=times)
        with self._cond:
            self._faults.setdefault(name, deque()).append(fault)

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of a method are done at once, but answered after `seconds`."""
        self._add_fault(method, _Fault(0, 0, "", False, times, perform=True, delay=seconds))

    def drop_answer_next(self, method: str, *, times: int = 1, delay: float = 0.0) -> None:
        """The next `times` calls of a method are done, then the connection is dropped before
        the answer (the bot cannot know the message went out)."""
        self._add_fault(method, _Fault(0, 0, "", True, times, perform=True, delay=delay))

    def _add_fault(self, method: str, fault: _Fault) -> None:
        name = self._method_names.get(method.lower())
        if name is None:
            raise ValueError(f"unknown Bot API method {method!r}")
        with self._cond:
            self._faults.setdefault(name, deque()).append(fault)

    def clear_faults(self) -> None:
        """Forget every pending fail_next."""
        with self._cond:
            self._faults.clear()

    # ------------------------------------------------------------------- waiting

    def wait_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,
        *,
        what: str = "condition",
        chat_id: int | None = None,
    ) -> None:
        """Block until predicate() is true (re-checked on every change), else AssertionError."""
        with self._cond:
            if self._cond.wait_for(predicate, timeout):
                return
            detail = self.describe(chat_id) if chat_id is not None else self._describe_calls()
        raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{detail}")

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 10.0, *, after: int = 0
    ) -> list[BotMessage]:
        """Wait until the bot has sent at least `count` messages (newer than `after`)."""

        def newer() -> list[BotMessage]:
            return [m for m in self.messages(chat_id) if m.message_id > after]

        self.wait_for(
            lambda: len(newer()) >= count,
            timeout,
            what=f"{count} bot message(s) in chat {chat_id}",
            chat_id=chat_id,
        )
        return newer()

    def wait_for_text(
        self, chat_id: int, contains: str, timeout: float = 10.0, *, after: int = 0
    ) -> BotMessage:
        """Wait for a bot message (newer than `after`) whose text, caption or source contains."""
        found: list[BotMessage] = []

        def matches() -> bool:
            for message in self.messages(chat_id):
                source = message.raw or ""
                if message.message_id > after and (
                    contains in message.content or contains in source
                ):
                    found.append(message)
                    return True
            return False

        self.wait_for(
            matches,
            timeout,
            what=f"a message containing {contains!r} in chat {chat_id}",
            chat_id=chat_id,
        )
        return found[-1]

    def wait_for_call(self, method: str, timeout: float = 10.0) -> BotCall:
        """Wait until the bot calls a method at least once; return the latest such call."""
        self.wait_for(lambda: bool(self.calls(method)), timeout, what=f"a {method} call")
        return self.calls(method)[-1]

    def wait_for_callback_answer(self, update_id: int, timeout: float = 10.0) -> CallbackAnswer:
        """Wait until the bot answers the button press injected as `update_id`."""
        self.wait_for(
            lambda: self.callback_answer(update_id) is not None,
            timeout,
            what=f"answerCallbackQuery for update {update_id}",
        )
        answer = self.callback_answer(update_id)
        assert answer is not None
        return answer

    def wait_until_confirmed(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched and confirmed (or accepted by webhook) an update."""
        self.wait_for(
            lambda: self.is_confirmed(update_id), timeout, what=f"update {update_id} confirmed"
        )

    # The async variants take `timeout` like their blocking twins (ASYNC109): the wait runs in
    # a worker thread, so asyncio.timeout() around them could not interrupt it anyway.
    async def await_for(
        self,
        predicate: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> None:
        """`wait_for` for async tests, without blocking their event loop."""
        await asyncio.to_thread(self.wait_for, predicate, timeout)

    async def await_messages(
        self,
        chat_id: int,
        count: int,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after: int = 0,
    ) -> list[BotMessage]:
        """`wait_for_messages` for async tests."""
        return await asyncio.to_thread(
            lambda: self.wait_for_messages(chat_id, count, timeout, after=after)
        )

    async def await_text(
        self,
        chat_id: int,
        contains: str,
        timeout: float = 10.0,  # noqa: ASYNC109
        *,
        after: int = 0,
    ) -> BotMessage:
        """`wait_for_text` for async tests."""
        return await asyncio.to_thread(
            lambda: self.wait_for_text(chat_id, contains, timeout, after=after)
        )

    async def await_callback_answer(
        self,
        update_id: int,
        timeout: float = 10.0,  # noqa: ASYNC109
    ) -> CallbackAnswer:
        """`wait_for_callback_answer` for async tests."""
        return await asyncio.to_thread(self.wait_for_callback_answer, update_id, timeout)

    def describe(self, chat_id: int) -> str:
        """What a chat received and which calls for it were rejected (for failure messages)."""
        with self._cond:
            messages = self.messages(chat_id, include_deleted=True)
            lines = [f"chat {chat_id} received {len(messages)} bot message(s):"]
            for message in messages:
                state = " (deleted)" if message.deleted else ""
                buttons = message.button_texts()
                extra = f" buttons={buttons!r}" if buttons else ""
                lines.append(
                    f"  #{message.message_id} {message.kind}{state}: {message.content!r}{extra}"
                )
            rejected = [c for c in self._calls if c.chat_id == chat_id and not c.ok]
            lines.extend(
                f"  rejected {c.method}: {c.error_code} {c.description}" for c in rejected[-10:]
            )
            return "\n".join(lines)

    def _describe_calls(self) -> str:
        recent = self._calls[-15:]
        lines = [f"last {len(recent)} bot call(s):"]
        lines.extend(
            f"  {c.method} chat={c.chat_id} "
            + ("ok" if c.ok else f"-> {c.error_code} {c.description}")
            for c in recent
        )
        return "\n".join(lines)
