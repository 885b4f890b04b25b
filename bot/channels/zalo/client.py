"""A thin typed client for the Zalo Bot Platform API (`<root>/bot<token>/<method>`, JSON).

Every answer is checked for `ok` (Zalo may say `ok:false` inside an HTTP 200), errors become
typed exceptions, and the token, which sits in every URL, is never logged.
"""

import logging
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import httpx

log = logging.getLogger(__name__)

MAX_TEXT = 2000  # Zalo refuses longer texts and captions
POLL_TIMEOUT = 30  # seconds getUpdates waits for an update (Zalo's default)
JsonObject = dict[str, Any]

# Request never reached the server: safe to send again.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


class ZaloError(Exception):
    """Anything that went wrong talking to Zalo."""


class ZaloNetworkError(ZaloError):
    """No answer came back; `maybe_sent` says whether Zalo may have acted on the request."""

    def __init__(self, method: str, reason: str, *, maybe_sent: bool) -> None:
        """Name the method and the transport failure (never the URL: it holds the token)."""
        super().__init__(f"{method}: {reason}")
        self.method, self.maybe_sent = method, maybe_sent


class ZaloApiError(ZaloError):
    """Zalo answered `ok:false` (or an unreadable body) with an error code and description."""

    def __init__(self, method: str, code: int, description: str) -> None:
        """Keep the method, Zalo's error code and its description."""
        super().__init__(f"{method}: {code} {description}")
        self.method, self.code, self.description = method, code, description


class ZaloUnauthorized(ZaloApiError):
    """401: the token is wrong or revoked."""


class ZaloNoUpdate(ZaloApiError):
    """408 on getUpdates: the long poll ended with nothing new (not a failure)."""


class ZaloConflict(ZaloApiError):
    """409: getUpdates while a webhook is set."""


class ZaloRateLimited(ZaloApiError):
    """429: too many requests; the platform publishes no limit and no retry-after."""


_ERRORS: dict[int, type[ZaloApiError]] = {
    401: ZaloUnauthorized,
    408: ZaloNoUpdate,
    409: ZaloConflict,
    429: ZaloRateLimited,
}


@dataclass(frozen=True)
class BotInfo:
    """The bot's own account (getMe)."""

    id: str
    name: str


@dataclass(frozen=True)
class SentMessage:
    """What Zalo answers to a send: the new message's id and its time in epoch milliseconds."""

    message_id: str
    date: int


@dataclass(frozen=True)
class WebhookInfo:
    """The webhook Zalo posts to ("" when none) and when it was set (epoch ms)."""

    url: str
    updated_at: int


class TokenFilter(logging.Filter):
    """Masks a token wherever a log record would print it (httpx logs request URLs)."""

    def __init__(self, token: str) -> None:
        """Mask this token."""
        super().__init__()
        self._pattern = re.compile(re.escape(token))

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the token replaced by `***`."""
        message = record.getMessage()
        if self._pattern.search(message):
            record.msg, record.args = self._pattern.sub("***", message), None
        return True


class ZaloClient:
    """The Bot Platform methods the bot uses, over one pooled `httpx.AsyncClient`."""

    def __init__(
        self,
        token: str,
        *,
        base_url: str = "https://bot-api.zaloplatforms.com",
        timeout: float = 15.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        """Nothing is sent until a method is called; `transport` is for tests."""
        self._timeout = timeout
        self._http = httpx.AsyncClient(
            base_url=f"{base_url.rstrip('/')}/bot{token}/",
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )
        self._filter = TokenFilter(token)
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).addFilter(self._filter)

    async def aclose(self) -> None:
        """Close the connections."""
        await self._http.aclose()
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).removeFilter(self._filter)

    async def call(self, method: str, params: JsonObject, *, seconds: float | None = None) -> Any:
        """POST one method and return its `result`; raise ZaloApiError on `ok:false`."""
        try:
            answer = await self._http.post(method, json=params, timeout=seconds or self._timeout)
        except _NOT_SENT as exc:
            raise ZaloNetworkError(method, type(exc).__name__, maybe_sent=False) from None
        except httpx.HTTPError as exc:
            raise ZaloNetworkError(method, type(exc).__name__, maybe_sent=True) from None
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ZaloApiError(
                method, answer.status_code, f"unreadable answer ({answer.reason_phrase})"
            )
        if body.get("ok") is True:
            return body.get("result")
        code = _error_code(body.get("error_code"), answer.status_code)
        description = str(body.get("description") or answer.reason_phrase or "error")
        raise _ERRORS.get(code, ZaloApiError)(method, code, description)

    async def get_me(self) -> BotInfo:
        """The bot's account; fails with ZaloUnauthorized on a bad token."""
        result = _object(await self.call("getMe", {}))
        return BotInfo(str(result.get("id", "")), str(result.get("account_name") or ""))

    async def get_update(self, *, wait: int = POLL_TIMEOUT) -> JsonObject | None:
        """Wait up to `wait` seconds for one update; None when nothing came (408)."""
        try:
            result = await self.call("getUpdates", {"timeout": str(wait)}, seconds=wait + 5.0)
        except ZaloNoUpdate:
            return None
        return result if isinstance(result, dict) else None

    async def set_webhook(self, url: str, secret_token: str) -> WebhookInfo:
        """Have Zalo post updates to `url` with `secret_token` in X-Bot-Api-Secret-Token."""
        return _webhook(await self.call("setWebhook", {"url": url, "secret_token": secret_token}))

    async def delete_webhook(self) -> WebhookInfo:
        """Stop webhook delivery (needed before polling)."""
        return _webhook(await self.call("deleteWebhook", {}))

    async def get_webhook_info(self) -> WebhookInfo:
        """The webhook currently set."""
        return _webhook(await self.call("getWebhookInfo", {}))

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        """Send one text of at most 2,000 characters (split longer ones with `split_text`)."""
        return _sent(await self.call("sendMessage", {"chat_id": chat_id, "text": _nfc(text)}))

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> SentMessage:
        """Send a photo by public URL (Zalo has no upload), with an optional caption."""
        params: JsonObject = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = _nfc(caption)
        return _sent(await self.call("sendPhoto", params))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        """Show "typing…" in the chat."""
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _error_code(raw: object, status: int) -> int:
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.isdigit():
        return int(raw)
    return status if status >= 400 else 500


def _object(result: object) -> JsonObject:
    return result if isinstance(result, dict) else {}


def _sent(result: object) -> SentMessage:
    data = _object(result)
    return SentMessage(str(data.get("message_id", "")), _int(data.get("date")))


def _webhook(result: object) -> WebhookInfo:
    data = _object(result)
    return WebhookInfo(str(data.get("url") or ""), _int(data.get("updated_at")))


def _int(raw: object) -> int:
    try:
        return int(str(raw))
    except ValueError:
        return 0


def _nfc(text: str) -> str:
    # Vietnamese may come decomposed; Zalo's limit is on what it counts, so send composed text.
    return unicodedata.normalize("NFC", text)


def text_length(text: str) -> int:
    """Length as the strictest counter sees it: UTF-16 units of the composed text."""
    composed = _nfc(text)
    return len(composed) if composed.isascii() else len(composed.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces within `limit`, cut at a paragraph end, else a line end, else a space."""
    pieces: list[str] = []
    rest = _nfc(text)
    while text_length(rest) > limit:
        window = _fit(rest, limit)
        cut = window.rfind("\n\n")
        if cut <= 0:
            cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = len(window)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    pieces.append(rest)
    return [piece for piece in pieces if piece.strip()]


def _fit(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text
