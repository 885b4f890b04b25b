"""A fake of the Telegram Bot API for the methods and options the bot uses, strictly checked.

`FakeTelegram` serves `<root>/bot<token>/<method>` (see `tests/fakes/http.py`). It implements
what the bot calls (getMe, getUpdates, setWebhook, deleteWebhook, setMyCommands, sendMessage,
sendPhoto, sendDocument, answerCallbackQuery) and refuses any other method or parameter: a bot
change that uses something new fails here until the fake models it. Where Telegram is strict,
so is the fake, with Telegram's error shape: text of 1–4,096 UTF-16 units, callback data of
1–64 bytes, inline keyboards only, unknown chats (400), users who blocked the bot (403), files
by upload, known file id or URL, answered callback queries.

Tests play users (`send_text`, `press_button`, `send_photo`…), read what the bot did
(`messages`, `calls`, `wait_for_text`…) and inject faults: `fail_next` (an error, e.g. 429 with
`retry_after` or a 5xx, or a cut connection), `delay_next` (done, answered late),
`drop_answer_next` (done, the answer never comes).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote, urlencode

import aiohttp
from aiohttp import web

from tests.fakes.http import Fault, Faults, LoopbackServer, cut, utf16_units

JsonDict = dict[str, Any]

TEXT_LIMIT: Final = 4096
CALLBACK_DATA_LIMIT: Final = 64
CALLBACK_ANSWER_LIMIT: Final = 200
MAX_COMMANDS: Final = 100
UPLOAD_LIMIT: Final = 50 * 1024 * 1024
SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
_COMMAND: Final = re.compile(r"[a-z0-9_]{1,32}")
_BOT_COMMAND: Final = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_CONFLICT_WEBHOOK: Final = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
_CONFLICT_POLLING: Final = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
_QUERY_TOO_OLD: Final = "query is too old and response timeout expired or query ID is invalid"
# The parameters the bot sends, per method; any other is refused (the fake does not model it).
PARAMETERS: Final[dict[str, frozenset[str]]] = {
    "getMe": frozenset(),
    "getUpdates": frozenset({"offset", "limit", "timeout", "allowed_updates"}),
    "setWebhook": frozenset(
        {"url", "secret_token", "allowed_updates", "drop_pending_updates", "max_connections"}
    ),
    "deleteWebhook": frozenset({"drop_pending_updates"}),
    "setMyCommands": frozenset({"commands"}),
    "sendMessage": frozenset({"chat_id", "text", "reply_markup"}),
    "sendPhoto": frozenset({"chat_id", "photo"}),
    "sendDocument": frozenset({"chat_id", "document"}),
    "answerCallbackQuery": frozenset({"callback_query_id", "text"}),
}
_JSON_FIELDS: Final = frozenset({"reply_markup", "allowed_updates", "commands"})


class ApiError(Exception):
    """An error answer: `{"ok": false, "error_code", "description"[, "parameters"]}`."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None) -> None:
        """Telegram prefixes descriptions by their kind ("Bad Request: …")."""
        super().__init__(f"{code} {description}")
        self.code, self.description, self.retry_after = code, description, retry_after

    def response(self) -> web.Response:
        """The answer as Telegram gives it (the HTTP status is the error code)."""
        body: JsonDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return web.json_response(body, status=self.code if self.code >= 400 else 500)


def bad(detail: str) -> ApiError:
    """A 400 "Bad Request: …"."""
    return ApiError(400, f"Bad Request: {detail}")


def _described(code: int, description: str | None, retry_after: int) -> str:
    if description:
        return description
    if code == 429:
        return f"Too Many Requests: retry after {retry_after}"
    if code >= 500:
        return "Internal Server Error"
    return {401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(code, "Bad Request")


# ----------------------------------------------------------------------- records for tests


@dataclass(frozen=True)
class BotCall:
    """One Bot API call the bot made (getUpdates excluded), accepted or refused."""

    method: str
    chat_id: int | None
    params: JsonDict
    error_code: int | None
    description: str | None

    @property
    def ok(self) -> bool:
        """Whether the fake accepted the call."""
        return self.error_code is None


@dataclass(frozen=True)
class BotMessage:
    """A message the bot sent to a chat."""

    chat_id: int
    message_id: int
    kind: str  # text, photo, document
    text: str | None
    reply_markup: JsonDict | None
    payload: JsonDict
    file_id: str | None = None
    file_name: str | None = None

    @property
    def content(self) -> str:
        """The text a user sees (empty for a file)."""
        return self.text or ""

    def buttons(self) -> list[JsonDict]:
        """The inline keyboard's buttons, row by row, flattened."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def button_texts(self) -> list[str]:
        """The inline buttons' labels, in order."""
        return [str(button["text"]) for button in self.buttons()]

    def callback_data(self, label: str) -> str:
        """The callback_data of the first inline button whose label contains `label`."""
        for button in self.buttons():
            if label in str(button["text"]):
                return str(button["callback_data"])
        labels = [b["text"] for b in self.buttons()]
        raise AssertionError(f"no button {label!r} in message {self.message_id}: {labels}")


@dataclass(frozen=True)
class WebhookConfig:
    """The webhook the bot set."""

    url: str
    secret_token: str | None
    allowed_updates: tuple[str, ...] | None
    max_connections: int


@dataclass(frozen=True)
class CallbackAnswer:
    """The bot's answer to a button press."""

    query_id: str
    update_id: int
    text: str | None


@dataclass
class _Chat:
    user: JsonDict
    blocked: bool = False
    messages: dict[int, BotMessage] = field(default_factory=dict)
    user_messages: int = 0
    next_id: int = 1

    def message_id(self) -> int:
        number, self.next_id = self.next_id, self.next_id + 1
        return number


@dataclass
class _File:
    file_id: str
    kind: str
    content: bytes | None
    name: str | None = None


class FakeTelegram(LoopbackServer):
    """A local Telegram Bot API that tests own: users, chats, updates, the bot's calls."""

    name = "fake-telegram"
    client_max_size = UPLOAD_LIMIT + 1024**2

    def __init__(
        self,
        token: str = "123456:TEST-TOKEN",  # noqa: S107 (made up for tests)
        bot_username: str = "hatinh_spc_test_bot",
        *,
        first_update_id: int = 100_000_001,
        webhook_attempts: int = 4,
        webhook_backoff: float = 0.05,
    ) -> None:
        """Describe the bot; nothing listens until `start()`."""
        super().__init__()
        if not re.fullmatch(r"\d+:[A-Za-z0-9_-]+", token):
            raise ValueError(f"not a bot token: {token!r}")
        self.token, self.bot_username = token, bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self._attempts, self._backoff = webhook_attempts, webhook_backoff
        self.faults = Faults(self.cond)
        self._chats: dict[int, _Chat] = {}
        self._next_update = first_update_id
        self._pending: dict[int, JsonDict] = {}
        self._confirmed: set[int] = set()
        self._allowed: tuple[str, ...] = ()
        self._webhook: WebhookConfig | None = None
        self._polls: list[asyncio.Future[str]] = []
        self._deliveries: set[asyncio.Task[None]] = set()
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._calls: list[BotCall] = []
        self._queries: dict[str, tuple[int, bool]] = {}
        self._answers: list[CallbackAnswer] = []
        self._files: dict[str, _File] = {}
        self._commands: list[JsonDict] = []
        self._ids = itertools.count(1)
        self._polls_seen = 0

    def routes(self, app: web.Application) -> None:
        """One route: every method."""
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    async def on_stop(self) -> None:
        """End long polls and webhook deliveries."""
        with self.cond:
            self._end_polls("stop")
            for task in self._deliveries:
                task.cancel()

    @property
    def base_url(self) -> str:
        """The value for python-telegram-bot's `base_url`."""
        return f"{self.root_url}/bot"

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            method, params, files = await self._checked(request)
        except ApiError as exc:
            return exc.response()
        fault = self.faults.take(method)
        if fault is not None and not fault.carried_out:
            self._record(method, params, ApiError(fault.error_code, fault.description))
            if fault.disconnect:
                return cut(request)
            return ApiError(
                fault.error_code, fault.description, retry_after=fault.retry_after
            ).response()
        try:
            # Done at once, even if the bot stops waiting: Telegram finishes what it received.
            result = await asyncio.shield(self._invoke(method, params, files))
        except ApiError as exc:
            return exc.response()
        if fault is not None:
            await asyncio.sleep(fault.delay)
            if fault.drop_answer:
                return cut(request)
        return web.json_response({"ok": True, "result": result})

    async def _checked(self, request: web.Request) -> tuple[str, JsonDict, dict[str, _File]]:
        """The method and its parameters, once the token, the method and each parameter are
        known (a parameter the fake does not model is refused, and recorded)."""
        if request.match_info["token"] != self.token:
            raise ApiError(401, "Unauthorized")
        method = request.match_info["method"]
        if method not in PARAMETERS:
            raise ApiError(404, "Not Found")
        params, files = await _read(request)
        try:
            _check_parameters(method, params, files)
        except ApiError as exc:
            self._record(method, params, exc)
            raise
        return method, params, files

    async def _invoke(self, method: str, params: JsonDict, files: dict[str, _File]) -> object:
        if method == "getUpdates":
            return await self._get_updates(params)
        with self.cond:
            try:
                result = self._methods()[method](params, files)
            except ApiError as exc:
                self._record(method, params, exc)
                raise
            self._record(method, params, None)
            return result

    def _methods(self) -> dict[str, Any]:
        return {
            "getMe": lambda _p, _f: self.bot_user(),
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "setMyCommands": self._set_my_commands,
            "sendMessage": self._send_message,
            "sendPhoto": lambda p, f: self._send_file(p, f, "photo"),
            "sendDocument": lambda p, f: self._send_file(p, f, "document"),
            "answerCallbackQuery": self._answer_callback_query,
        }

    def _record(self, method: str, params: JsonDict, error: ApiError | None) -> None:
        chat = params.get("chat_id")
        call = BotCall(
            method,
            int(chat) if isinstance(chat, int | str) and str(chat).lstrip("-").isdigit() else None,
            params,
            error.code if error else None,
            error.description if error else None,
        )
        with self.cond:
            self._calls.append(call)
            self.cond.notify_all()

    # ------------------------------------------------------------------ getUpdates

    async def _get_updates(self, params: JsonDict) -> object:
        with self.cond:
            self._polls_seen += 1
            self.cond.notify_all()
        offset, limit = _integer(params, "offset", 0), _integer(params, "limit", 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        limit = limit if 1 <= limit <= 100 else 100
        with self.cond:
            if self._webhook is not None:
                raise ApiError(409, _CONFLICT_WEBHOOK)
            self._end_polls("conflict")  # a second poller ends the first, as on Telegram
            self._confirm(offset)
            if isinstance(params.get("allowed_updates"), list):
                self._allowed = tuple(params["allowed_updates"])
            batch = list(self._pending.values())[:limit]
            if batch or timeout <= 0:
                return batch
            waiter: asyncio.Future[str] = asyncio.get_running_loop().create_future()
            self._polls.append(waiter)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), timeout)
        with self.cond:
            if waiter in self._polls:
                self._polls.remove(waiter)
            if waiter.done() and waiter.result() == "conflict":
                raise ApiError(409, _CONFLICT_POLLING)
            if self._webhook is not None:
                raise ApiError(409, _CONFLICT_WEBHOOK)
            return list(self._pending.values())[:limit]

    def _end_polls(self, reason: str) -> None:
        for waiter in self._polls:
            if not waiter.done():
                waiter.set_result(reason)
        self._polls.clear()

    def _confirm(self, offset: int) -> None:
        """Updates below the offset are confirmed and forgotten."""
        for update_id in [u for u in self._pending if u < offset]:
            del self._pending[update_id]
            self._confirmed.add(update_id)
        self.cond.notify_all()

    # ------------------------------------------------------------------ webhook

    def _set_webhook(self, params: JsonDict, _files: object) -> object:
        url = str(params.get("url") or "")
        if not url.startswith(("http://", "https://")):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise bad("secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed = tuple(allowed)
        if _flag(params, "drop_pending_updates"):
            self._drop_pending()
        self._webhook = WebhookConfig(
            url,
            str(secret) if secret is not None else None,
            tuple(allowed) if isinstance(allowed, list) else None,
            min(max(_integer(params, "max_connections", 40), 1), 100),
        )
        self._end_polls("webhook")
        for update_id in list(self._pending):
            self.call_soon(self._deliver_later, update_id)
        return True

    def _delete_webhook(self, params: JsonDict, _files: object) -> object:
        if _flag(params, "drop_pending_updates"):
            self._drop_pending()
        self._webhook = None
        return True

    def _drop_pending(self) -> None:
        self._confirmed.update(self._pending)
        self._pending.clear()

    def _deliver_later(self, update_id: int) -> None:
        """Loop thread: POST a pending update to the webhook, retrying with backoff."""
        with self.cond:
            hook, update = self._webhook, self._pending.get(update_id)
        if hook is None or update is None:
            return
        task = asyncio.get_running_loop().create_task(self._deliver(hook, update_id, update))
        self._deliveries.add(task)
        task.add_done_callback(self._deliveries.discard)

    async def _deliver(self, hook: WebhookConfig, update_id: int, update: JsonDict) -> None:
        # One delivery at a time per chat keeps a chat's updates in order, as Telegram does.
        async with self._chat_locks.setdefault(_chat_of(update), asyncio.Lock()):
            for attempt in range(self._attempts):
                with self.cond:
                    if self._webhook != hook or update_id not in self._pending:
                        return
                if await self._post(hook, update):
                    with self.cond:
                        self._confirm_one(update_id)
                    return
                await asyncio.sleep(self._backoff * 2**attempt)

    async def _post(self, hook: WebhookConfig, update: JsonDict) -> bool:
        headers = {SECRET_HEADER: hook.secret_token} if hook.secret_token else {}
        assert self.session is not None
        try:
            async with self.session.post(hook.url, json=update, headers=headers) as answer:
                await answer.read()
                return 200 <= answer.status < 300
        except (aiohttp.ClientError, TimeoutError):
            return False

    def _confirm_one(self, update_id: int) -> None:
        if self._pending.pop(update_id, None) is not None:
            self._confirmed.add(update_id)
        self.cond.notify_all()

    # ------------------------------------------------------------------ sending

    def bot_user(self) -> JsonDict:
        """The bot's User object as getMe returns it."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Hà Tĩnh SPC (test)",
            "username": self.bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _chat_for(self, params: JsonDict) -> tuple[int, _Chat]:
        raw = str(params.get("chat_id"))
        chat_id = int(raw) if raw.lstrip("-").isdigit() else None
        chat = self._chats.get(chat_id) if chat_id is not None else None
        if chat_id is None or chat is None:
            raise bad("chat not found")
        if chat.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat_id, chat

    def _send_message(self, params: JsonDict, _files: object) -> object:
        text = params.get("text")
        if not isinstance(text, str) or not text.strip():
            raise bad("message text is empty")
        if utf16_units(text) > TEXT_LIMIT:
            raise bad("message is too long")
        markup = _check_markup(params.get("reply_markup"))
        chat_id, chat = self._chat_for(params)
        return self._store(chat_id, chat, "text", {"text": text}, markup, text=text)

    def _send_file(self, params: JsonDict, files: dict[str, _File], kind: str) -> object:
        chat_id, chat = self._chat_for(params)
        upload = files.get(kind)
        if upload is not None:
            stored = self._new_file(kind, upload.content, upload.name)
        else:
            reference = str(params.get(kind) or "")
            if reference.startswith(("http://", "https://")):
                stored = self._new_file(kind, None, reference.rsplit("/", 1)[-1])
            elif reference in self._files:
                stored = self._files[reference]
                if stored.kind != kind:
                    raise bad("type of file mismatch")
            else:
                raise bad("wrong file identifier/HTTP URL specified")
        media: JsonDict = {"file_id": stored.file_id, "file_unique_id": stored.file_id[-12:]}
        if kind == "photo":
            body: JsonDict = {"photo": [{**media, "width": 1280, "height": 960}]}
        else:
            body = {"document": {**media, "file_name": stored.name or "file"}}
        return self._store(chat_id, chat, kind, body, None, file=stored)

    def _store(
        self,
        chat_id: int,
        chat: _Chat,
        kind: str,
        body: JsonDict,
        markup: JsonDict | None,
        *,
        text: str | None = None,
        file: _File | None = None,
    ) -> JsonDict:
        message_id = chat.message_id()
        payload: JsonDict = {
            "message_id": message_id,
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Hà Tĩnh SPC (test)",
                "username": self.bot_username,
            },
            "chat": {"id": chat_id, "type": "private", "first_name": chat.user["first_name"]},
            "date": int(time.time()),
            **body,
        }
        if markup is not None and "inline_keyboard" in markup:
            payload["reply_markup"] = markup  # Telegram echoes inline keyboards only
        chat.messages[message_id] = BotMessage(
            chat_id,
            message_id,
            kind,
            text,
            markup,
            payload,
            file.file_id if file else None,
            file.name if file else None,
        )
        return payload

    def _new_file(self, kind: str, content: bytes | None, name: str | None) -> _File:
        prefix = "AgACAgIAAxk" if kind == "photo" else "BQACAgIAAxk"
        stored = _File(f"{prefix}{next(self._ids):012d}", kind, content, name)
        self._files[stored.file_id] = stored
        return stored

    def _answer_callback_query(self, params: JsonDict, _files: object) -> object:
        query_id = str(params.get("callback_query_id") or "")
        query = self._queries.get(query_id)
        if query is None or query[1]:
            raise bad(_QUERY_TOO_OLD)
        text = params.get("text")
        if text is not None and len(str(text)) > CALLBACK_ANSWER_LIMIT:
            raise bad("MESSAGE_TOO_LONG")
        self._queries[query_id] = (query[0], True)
        self._answers.append(CallbackAnswer(query_id, query[0], text))
        return True

    def _set_my_commands(self, params: JsonDict, _files: object) -> object:
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > MAX_COMMANDS:
            raise bad("can't parse commands JSON object")
        for command in commands:
            name = command.get("command") if isinstance(command, dict) else None
            description = command.get("description") if isinstance(command, dict) else None
            if not isinstance(name, str) or not _COMMAND.fullmatch(name):
                raise bad("BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description.strip()) <= 256:
                raise bad("command description must be 1-256 characters")
        self._commands = list(commands)
        return True

    # ------------------------------------------------------------------ users

    def add_user(self, user_id: int, first_name: str, *, username: str | None = None) -> None:
        """A Telegram user and their private chat with the bot (chat id = user id)."""
        user: JsonDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if username:
            user["username"] = username
        user["language_code"] = "vi"
        with self.cond:
            self._chats[user_id] = _Chat(user)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them now fail with 403."""
        with self.cond:
            self._chat(user_id).blocked = True

    def unblock(self, user_id: int) -> None:
        """The user starts the bot again."""
        with self.cond:
            self._chat(user_id).blocked = False

    def _chat(self, user_id: int) -> _Chat:
        chat = self._chats.get(user_id)
        if chat is None:
            raise ValueError(f"unknown user {user_id}; call add_user() first")
        return chat

    def _enqueue(self, update: JsonDict) -> int:
        with self.cond:
            update_id, self._next_update = self._next_update, self._next_update + 1
            update = {"update_id": update_id, **update}
            kind = next(k for k in update if k != "update_id")
            if self._allowed and kind not in self._allowed:
                return update_id  # filtered out, as Telegram does
            self._pending[update_id] = update
            self.cond.notify_all()
        self.call_soon(self._arrived, update_id)
        return update_id

    def _arrived(self, update_id: int) -> None:
        """Loop thread: answer the waiting long poll, or POST the update to the webhook."""
        with self.cond:
            self._end_polls("update")
        self._deliver_later(update_id)

    def _user_message(self, user_id: int, body: JsonDict) -> int:
        with self.cond:
            chat = self._chat(user_id)
            chat.user_messages += 1
            message = {
                "message_id": 1_000_000 + chat.user_messages,
                "from": chat.user,
                "chat": {"id": user_id, "type": "private", "first_name": chat.user["first_name"]},
                "date": int(time.time()),
                **body,
            }
        return self._enqueue({"message": message})

    def send_text(self, user_id: int, text: str) -> int:
        """The user sends text (a leading /command gets its entity); returns the update id."""
        body: JsonDict = {"text": text}
        command = _BOT_COMMAND.match(text)
        if command:
            length = utf16_units(command.group())
            body["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._user_message(user_id, body)

    def send_photo(self, user_id: int, *, caption: str | None = None) -> int:
        """The user sends a photo (three sizes); returns the update id."""
        with self.cond:
            sizes = [self._new_file("photo", b"\xff\xd8\xff\xe0" + bytes(n), None) for n in (9, 99)]
        photo = [
            {"file_id": f.file_id, "file_unique_id": f.file_id[-12:], "width": w, "height": w}
            for f, w in zip(sizes, (90, 1280), strict=True)
        ]
        body: JsonDict = {"photo": photo}
        if caption:
            body["caption"] = caption
        return self._user_message(user_id, body)

    def send_sticker(self, user_id: int, *, emoji: str = "👍") -> int:
        """The user sends a sticker; returns the update id."""
        sticker = {
            "file_id": f"CAACAgIAAxk{next(self._ids):012d}",
            "file_unique_id": f"AgAD{next(self._ids):08d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self._user_message(user_id, {"sticker": sticker})

    def press_button(self, user_id: int, message_id: int, callback_data: str) -> int:
        """The user presses an inline button of a bot message (the data may be forged);
        returns the update id of the callback query."""
        with self.cond:
            chat = self._chat(user_id)
            message = chat.messages.get(message_id)
            if message is None:
                raise ValueError(f"no bot message {message_id} in chat {user_id}")
            query_id = str(4_000_000_000_000 + next(self._ids))
            update_id = self._enqueue(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": chat.user,
                        "message": message.payload,
                        "chat_instance": str(-4_000_000_000 - user_id),
                        "data": callback_data,
                    }
                }
            )
            self._queries[query_id] = (update_id, False)
            return update_id

    # ------------------------------------------------------------------ what the bot did

    def calls(self, method: str | None = None) -> list[BotCall]:
        """The bot's calls (of one method), oldest first."""
        with self.cond:
            return [c for c in self._calls if method is None or c.method == method]

    def call_count(self, method: str) -> int:
        """How many calls of `method` the bot made (getUpdates included)."""
        with self.cond:
            if method == "getUpdates":
                return self._polls_seen
            return len(self.calls(method))

    def messages(self, chat_id: int) -> list[BotMessage]:
        """What the bot sent to a chat, oldest first."""
        with self.cond:
            return list(self._chat(chat_id).messages.values())

    def message_count(self, chat_id: int) -> int:
        """How many messages the bot sent to a chat."""
        return len(self.messages(chat_id))

    def last_message(self, chat_id: int) -> BotMessage:
        """The bot's latest message to a chat."""
        return self.messages(chat_id)[-1]

    def mark(self, chat_id: int) -> int:
        """A bookmark: how many messages the chat has now."""
        return self.message_count(chat_id)

    def commands(self) -> list[JsonDict]:
        """The commands the bot set."""
        with self.cond:
            return list(self._commands)

    @property
    def webhook(self) -> WebhookConfig | None:
        """The webhook the bot set, if any."""
        with self.cond:
            return self._webhook

    def file_content(self, file_id: str) -> bytes | None:
        """The bytes of a file the bot uploaded (None for one sent by URL)."""
        with self.cond:
            stored = self._files.get(file_id)
            return stored.content if stored else None

    def is_confirmed(self, update_id: int) -> bool:
        """Whether the bot confirmed the update (the next offset, or a webhook 2xx)."""
        with self.cond:
            return update_id in self._confirmed

    def callback_answer(self, update_id: int) -> CallbackAnswer | None:
        """The bot's answer to the press of that update, if it answered."""
        with self.cond:
            return next((a for a in self._answers if a.update_id == update_id), None)

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int = 1,
        times: int = 1,
        disconnect: bool = False,
    ) -> None:
        """The next `times` calls of `method` fail, not carried out: an error answer (429
        comes with `retry_after`), or with `disconnect` a cut connection."""
        self.faults.add(
            method,
            Fault(
                times,
                error_code=0 if disconnect else error_code,
                description=_described(error_code, description, retry_after),
                retry_after=retry_after if error_code == 429 else None,
                disconnect=disconnect,
            ),
        )

    def delay_next(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls are carried out at once and answered `seconds` later."""
        self.faults.add(method, Fault(times, delay=seconds))

    def drop_answer_next(self, method: str, *, times: int = 1, delay: float = 0.0) -> None:
        """The next `times` calls are carried out, then the connection is cut: the caller
        cannot know it worked."""
        self.faults.add(method, Fault(times, drop_answer=True, delay=delay))

    def clear_faults(self) -> None:
        """Forget every queued fault."""
        self.faults.clear()

    # ------------------------------------------------------------------ waiting

    def wait_for_messages(
        self, chat_id: int, count: int, timeout: float = 15.0, *, after: int = 0
    ) -> list[BotMessage]:
        """Wait until the chat has `count` messages after the bookmark; return those."""

        def enough() -> list[BotMessage] | None:
            messages = self.messages(chat_id)[after:]
            return messages if len(messages) >= count else None

        return self.wait_until(
            enough,
            timeout,
            lambda: f"{count} messages to {chat_id}:\n{self.describe(chat_id)}",
        )

    def wait_for_text(
        self, chat_id: int, contains: str, timeout: float = 15.0, *, after: int = 0
    ) -> BotMessage:
        """Wait for a message to the chat (after the bookmark) containing `contains`."""
        return self.wait_until(
            lambda: next(
                (m for m in self.messages(chat_id)[after:] if contains in m.content), None
            ),
            timeout,
            lambda: f"{contains!r} to {chat_id}:\n{self.describe(chat_id)}",
        )

    def wait_for_callback_answer(self, update_id: int, timeout: float = 10.0) -> CallbackAnswer:
        """Wait until the bot answered the press of that update."""
        return self.wait_until(
            lambda: self.callback_answer(update_id),
            timeout,
            lambda: f"the answer to the press of update {update_id}",
        )

    def wait_until_confirmed(self, update_id: int, timeout: float = 10.0) -> None:
        """Wait until the bot confirmed the update."""
        self.wait_until(
            lambda: self.is_confirmed(update_id), timeout, lambda: f"update {update_id} confirmed"
        )

    def describe(self, chat_id: int) -> str:
        """The chat's messages and the refused calls, for failure output."""
        lines = [
            f"  #{m.message_id} [{m.kind}] {(m.text or m.file_name or '')!r} {m.button_texts()}"
            for m in self.messages(chat_id)
        ]
        refused = [f"  refused {c.method}: {c.description}" for c in self.calls() if not c.ok]
        return "\n".join(lines + refused) or "  (nothing)"


# ----------------------------------------------------------------------- parameters


async def _read(request: web.Request) -> tuple[JsonDict, dict[str, _File]]:
    """The call's parameters (query, JSON, form or multipart) and its uploaded files."""
    params: JsonDict = dict(request.query)
    files: dict[str, _File] = {}
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise bad("JSON object expected")
        params.update(body)
    elif request.content_type == "multipart/form-data":
        await _read_multipart(request, params, files)
    elif request.can_read_body:
        form = await request.post()
        params.update({k: v for k, v in form.items() if isinstance(v, str)})
    for name in _JSON_FIELDS & params.keys():
        if isinstance(params[name], str):
            try:
                params[name] = json.loads(params[name])
            except ValueError:
                raise bad(f"can't parse {name} JSON object") from None
    return params, files


async def _read_multipart(request: web.Request, params: JsonDict, files: dict[str, _File]) -> None:
    reader = await request.multipart()
    while (part := await reader.next()) is not None:
        if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
            continue
        if part.filename is None:
            params[part.name] = await part.text()
            continue
        data = bytes(await part.read(decode=False))
        if not data:
            raise bad("file must be non-empty")
        files[part.name] = _File("", part.name, data, part.filename)  # given an id if sent


def sign_launch_data(token: str, fields: dict[str, str]) -> str:
    """Mini App launch data (initData) as Telegram signs it for a bot: the fields URL-encoded
    (spaces as %20), then `hash`, the hex HMAC-SHA256 of the sorted `key=value` lines under
    HMAC-SHA256("WebAppData", token)."""
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    signed = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    return urlencode({**fields, "hash": signed}, quote_via=quote)


def launch_data(token: str, *, user_id: int, first_name: str, auth_date: int) -> str:
    """The launch data of a private chat's Mini App button, as a Telegram client gets it."""
    user = {"id": user_id, "first_name": first_name, "language_code": "vi"}
    return sign_launch_data(
        token,
        {
            "query_id": f"AAH{user_id}",
            "user": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
            "auth_date": str(auth_date),
        },
    )


def _check_parameters(method: str, params: JsonDict, files: dict[str, _File]) -> None:
    unknown = (params.keys() | files.keys()) - PARAMETERS[method]
    if unknown:
        # Telegram would ignore them; the fake refuses what it does not model.
        raise bad(f"the fake does not model {method} parameters {sorted(unknown)}")


def _check_markup(markup: object) -> JsonDict | None:
    """An inline keyboard (text and callback data of 1–64 bytes per button, or a Mini App's
    https address) or a keyboard removal: what the bot sends."""
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise bad("can't parse reply keyboard markup JSON object")
    if markup == {"remove_keyboard": True}:
        return markup
    rows = markup.get("inline_keyboard")
    if set(markup) != {"inline_keyboard"} or not isinstance(rows, list):
        raise bad("the fake models inline keyboards and keyboard removal only")
    for row in rows:
        if not isinstance(row, list):
            raise bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array')
        for button in row:
            _check_button(button)
    return markup


def _check_button(button: object) -> None:
    if not isinstance(button, dict) or not str(button.get("text") or "").strip():
        raise bad("text buttons are unallowed in the inline keyboard")
    if "web_app" in button:
        _check_web_app(button)
        return
    data = button.get("callback_data")
    if set(button) != {"text", "callback_data"} or not isinstance(data, str):
        raise bad("the fake models callback buttons only")
    if not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
        raise bad("BUTTON_DATA_INVALID")


def _check_web_app(button: JsonDict) -> None:
    """A Mini App button: its WebAppInfo holds an https URL (Telegram refuses any other)."""
    info = button["web_app"]
    if set(button) != {"text", "web_app"} or not isinstance(info, dict) or set(info) != {"url"}:
        raise bad("the fake models a web_app button as text and web_app {url} only")
    url = str(info["url"])
    if not url.startswith("https://") or len(url) <= len("https://"):
        raise bad(
            f"inline keyboard button Web App URL '{url}' is invalid: Only HTTPS links are allowed"
        )


def _integer(params: JsonDict, name: str, default: int) -> int:
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad(f"invalid {name}") from None


def _flag(params: JsonDict, name: str) -> bool:
    value = params.get(name)
    return value is True or str(value).lower() in {"true", "1"}


def _chat_of(update: JsonDict) -> int:
    body = update.get("message") or update.get("callback_query") or {}
    return int((body.get("chat") or body.get("from") or {}).get("id", 0))
