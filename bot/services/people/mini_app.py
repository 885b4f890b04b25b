"""Who opens the Mini App: Telegram's signed launch data (initData), checked as Telegram says.

https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app: the
data-check-string is every field but `hash` as `key=value`, sorted by key, joined by line
feeds; the secret key is HMAC-SHA256 of the bot token keyed with "WebAppData"; `hash` is the
hex HMAC-SHA256 of the data-check-string under that key. `auth_date` says when Telegram
signed it: older data is refused, so a launch link copied out of the app does not open the
page for ever.
"""

import hashlib
import hmac
import json
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from bot.services.core.errors import DomainError

MAX_AGE = timedelta(hours=24)
# A device clock a little ahead of ours is not a forgery.
CLOCK_SKEW = timedelta(minutes=5)
# Telegram's launch data is a few hundred bytes; anything much longer is not from it.
MAX_LENGTH = 8192


class MiniAppRefused(DomainError):
    """The launch data is not Telegram's for this bot, or too old, or names no one we know."""


def telegram_user_id(
    init_data: str, *, bot_token: str, now: datetime, max_age: timedelta = MAX_AGE
) -> int:
    """The Telegram user id of launch data signed for this bot within `max_age`."""
    fields = _fields(init_data)
    given = fields.pop("hash", "")
    check = "\n".join(f"{key}={value}" for key, value in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    # Bytes, not str: compare_digest refuses a str with non-ASCII characters.
    if not given or not hmac.compare_digest(expected.encode(), given.encode()):
        raise MiniAppRefused("web/mini_app_invalid")
    signed = fields.get("auth_date", "")
    if not signed.isdigit() or len(signed) > 12:
        raise MiniAppRefused("web/mini_app_invalid")
    age = now.timestamp() - int(signed)
    if age > max_age.total_seconds() or age < -CLOCK_SKEW.total_seconds():
        raise MiniAppRefused("web/mini_app_stale")
    return _user_id(fields.get("user", ""))


def _fields(init_data: str) -> dict[str, str]:
    """The fields of the query string, percent-decoded; a repeated field is not Telegram's."""
    if not init_data or len(init_data) > MAX_LENGTH:
        raise MiniAppRefused("web/mini_app_invalid")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise MiniAppRefused("web/mini_app_invalid") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise MiniAppRefused("web/mini_app_invalid")
    return fields


def _user_id(user: str) -> int:
    try:
        found = json.loads(user).get("id")
    except (ValueError, AttributeError):
        found = None
    if not isinstance(found, int) or isinstance(found, bool) or found <= 0:
        raise MiniAppRefused("web/mini_app_invalid")
    return found
