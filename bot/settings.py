"""Settings read once from the environment and `.env`; each bad value names its variable."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv import dotenv_values
from sqlalchemy.engine import URL

from db.engine import DatabaseUrlError, parse_database_url

DEFAULT_DATABASE_URL = "sqlite:///var/bot.db"
SECRET_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")
PROJECT_DIR = Path(__file__).resolve().parent.parent
# Bounds that keep a typo from breaking the bot: an invite valid past year 9999 overflows, a rate
# of a million a second or a pause of an hour between two messages to one chat is no setting.
MAX_INVITE_DAYS = 365
MAX_SEND_RATE = 1000.0
MAX_CHAT_INTERVAL = 3600.0
IPNetwork = IPv4Network | IPv6Network
LOOPBACK: tuple[IPNetwork, ...] = (ip_network("127.0.0.1"), ip_network("::1"))


class SettingsError(ValueError):
    """A setting is missing or malformed; `str()` is one line naming the variable."""

    def __init__(self, variable: str, problem: str) -> None:
        """Remember which variable is wrong and why."""
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True)
class Listen:
    """A host and port a server binds."""

    host: str
    port: int


@dataclass(frozen=True)
class TelegramSettings:
    """How to reach the Telegram Bot API and, in webhook mode, how Telegram reaches us."""

    token: str | None = None
    api_base_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_listen: Listen = Listen("127.0.0.1", 8080)
    webhook_secret: str | None = None


@dataclass(frozen=True)
class ZaloSettings:
    """How to reach the Zalo Bot Platform API and, in webhook mode, how Zalo reaches us."""

    token: str | None = None
    api_base_url: str = "https://bot-api.zaloplatforms.com"
    webhook_url: str | None = None
    webhook_listen: Listen = Listen("127.0.0.1", 8081)
    webhook_secret: str | None = None


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from its environment."""

    database_url: URL
    content_dir: Path
    telegram: TelegramSettings = TelegramSettings()
    # The bot's own web server (webhooks, files, pages, /healthz, /metrics).
    web_listen: Listen = Listen("127.0.0.1", 8080)
    web_listen_set: bool = False
    zalo: ZaloSettings = ZaloSettings()
    public_base_url: str | None = None
    # Reverse proxies whose X-Forwarded-For names the real client (login limits go by it).
    trusted_proxies: tuple[IPNetwork, ...] = LOOPBACK
    # Signs file links, login links and sessions; when unset, one is made and kept in the
    # database (every process of the installation then shares it).
    web_secret: str | None = None
    # Where photos sent as report evidence are kept (Zalo's CDN links expire).
    media_dir: Path = Path("var") / "media"
    admin_chat_ids: frozenset[str] = field(default_factory=frozenset)
    tz_name: str = "Asia/Ho_Chi_Minh"
    invite_days: int = 7
    log_level: str = "INFO"
    # Outbox pacing: Telegram allows about 30 messages a second overall, 1 a second per chat.
    telegram_send_rate: float = 30.0
    zalo_send_rate: float = 10.0
    chat_send_interval: float = 1.0

    @property
    def timezone(self) -> ZoneInfo:
        """The local time zone of the province."""
        return ZoneInfo(self.tz_name)


def load_settings(environ: Mapping[str, str], dotenv_path: Path | None = None) -> Settings:
    """Build the settings from `.env` (if any) overlaid by the real environment."""
    values: dict[str, str] = {}
    if dotenv_path is not None and dotenv_path.is_file():
        values.update(_dotenv(dotenv_path))
    values.update(environ)
    env = {k: v.strip() for k, v in values.items() if v.strip()}
    return Settings(
        database_url=_database_url(env.get("DATABASE_URL", DEFAULT_DATABASE_URL)),
        content_dir=_directory("CONTENT_DIR", env.get("CONTENT_DIR", str(PROJECT_DIR / "content"))),
        telegram=_telegram(env),
        web_listen=_listen(
            "WEB_LISTEN",
            env.get("WEB_LISTEN", env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1:8080")),
        ),
        web_listen_set="WEB_LISTEN" in env,
        zalo=_zalo(env),
        public_base_url=_http_url("PUBLIC_BASE_URL", env.get("PUBLIC_BASE_URL")),
        trusted_proxies=_networks("TRUSTED_PROXIES", env.get("TRUSTED_PROXIES")),
        web_secret=_web_secret(env.get("WEB_SECRET")),
        media_dir=_writable_directory("MEDIA_DIR", env.get("MEDIA_DIR", "var/media")),
        admin_chat_ids=_admin_ids(env.get("ADMIN_CHAT_IDS", "")),
        tz_name=_timezone(env.get("TZ_NAME", "Asia/Ho_Chi_Minh")),
        invite_days=_positive_int("INVITE_DAYS", env.get("INVITE_DAYS", "7"), most=MAX_INVITE_DAYS),
        log_level=_log_level(env.get("LOG_LEVEL", "INFO")),
        telegram_send_rate=_positive_float(
            "TELEGRAM_SEND_RATE", env.get("TELEGRAM_SEND_RATE", "30"), most=MAX_SEND_RATE
        ),
        zalo_send_rate=_positive_float(
            "ZALO_SEND_RATE", env.get("ZALO_SEND_RATE", "10"), most=MAX_SEND_RATE
        ),
        chat_send_interval=_positive_float(
            "CHAT_SEND_INTERVAL",
            env.get("CHAT_SEND_INTERVAL", "1"),
            most=MAX_CHAT_INTERVAL,
            allow_zero=True,
        ),
    )


def _dotenv(path: Path) -> dict[str, str]:
    """The values of a `.env` file; one that cannot be read is named in one line."""
    try:
        return {k: v for k, v in dotenv_values(path).items() if v is not None}
    except UnicodeDecodeError as exc:
        raise SettingsError(
            str(path), f"not UTF-8 text (byte {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise SettingsError(str(path), f"cannot read: {exc.strerror or exc}") from None


def _telegram(env: Mapping[str, str]) -> TelegramSettings:
    webhook_url = _http_url("TELEGRAM_WEBHOOK_URL", env.get("TELEGRAM_WEBHOOK_URL"))
    secret = _secret("TELEGRAM_WEBHOOK_SECRET", env.get("TELEGRAM_WEBHOOK_SECRET"))
    if webhook_url and not secret:
        raise SettingsError("TELEGRAM_WEBHOOK_SECRET", "required when TELEGRAM_WEBHOOK_URL is set")
    return TelegramSettings(
        token=_token("TELEGRAM_BOT_TOKEN", env.get("TELEGRAM_BOT_TOKEN")),
        api_base_url=_http_url("TELEGRAM_API_BASE_URL", env.get("TELEGRAM_API_BASE_URL"))
        or TelegramSettings.api_base_url,
        webhook_url=webhook_url,
        webhook_listen=_listen(
            "TELEGRAM_WEBHOOK_LISTEN", env.get("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1:8080")
        ),
        webhook_secret=secret,
    )


def _zalo(env: Mapping[str, str]) -> ZaloSettings:
    webhook_url = _http_url("ZALO_WEBHOOK_URL", env.get("ZALO_WEBHOOK_URL"))
    secret = _secret("ZALO_WEBHOOK_SECRET", env.get("ZALO_WEBHOOK_SECRET"))
    if webhook_url and not secret:
        raise SettingsError("ZALO_WEBHOOK_SECRET", "required when ZALO_WEBHOOK_URL is set")
    if secret is not None and len(secret) < 8:
        # Zalo's setWebhook refuses secrets shorter than 8 characters.
        raise SettingsError("ZALO_WEBHOOK_SECRET", "use at least 8 characters")
    return ZaloSettings(
        token=_token("ZALO_BOT_TOKEN", env.get("ZALO_BOT_TOKEN")),
        api_base_url=_http_url("ZALO_API_BASE_URL", env.get("ZALO_API_BASE_URL"))
        or ZaloSettings.api_base_url,
        webhook_url=webhook_url,
        webhook_listen=_listen(
            "ZALO_WEBHOOK_LISTEN", env.get("ZALO_WEBHOOK_LISTEN", "127.0.0.1:8081")
        ),
        webhook_secret=secret,
    )


def _database_url(raw: str) -> URL:
    try:
        url = parse_database_url(raw)
    except DatabaseUrlError as exc:
        raise SettingsError("DATABASE_URL", str(exc)) from None
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser()
        _check_parents("DATABASE_URL", path)
        if path.is_dir():
            raise SettingsError("DATABASE_URL", f"{path} is a folder, not a database file")
    return url


def _check_parents(name: str, path: Path) -> None:
    """The folders above a path must be folders (or not exist yet): a path under a file is
    refused here rather than failing later when the folder is made."""
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise SettingsError(name, f"{parent} is a file, not a folder")
            return


def _directory(name: str, raw: str) -> Path:
    path = Path(raw).expanduser().resolve()
    if not path.is_dir():
        raise SettingsError(name, f"no such directory: {raw}")
    return path


def _writable_directory(name: str, raw: str) -> Path:
    """A directory the app may create (relative paths are taken from the working directory)."""
    path = Path(raw).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise SettingsError(name, f"not a directory: {raw}")
    _check_parents(name, path)
    return path


def _http_url(name: str, raw: str | None) -> str | None:
    if raw is None:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(name, f"expected an http(s) URL, got {raw!r}")
    return raw.rstrip("/")


def _token(name: str, raw: str | None) -> str | None:
    if raw is not None and ((":" not in raw and name.startswith("TELEGRAM")) or " " in raw):
        # Never echo a token: it is a secret even when it is malformed.
        raise SettingsError(name, "malformed token (expected the value given by the platform)")
    return raw


def _secret(name: str, raw: str | None) -> str | None:
    if raw is not None and not SECRET_PATTERN.fullmatch(raw):
        raise SettingsError(name, "use 1-256 characters among A-Z, a-z, 0-9, _ and -")
    return raw


def _web_secret(raw: str | None) -> str | None:
    if raw is not None and len(raw) < 32:
        raise SettingsError("WEB_SECRET", "use at least 32 characters (e.g. openssl rand -hex 32)")
    return raw


def _listen(name: str, raw: str) -> Listen:
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise SettingsError(name, f"expected host:port, got {raw!r}")
    return Listen(host.strip("[]"), int(port))


def _networks(name: str, raw: str | None) -> tuple[IPNetwork, ...]:
    if raw is None:
        return LOOPBACK
    try:
        return tuple(ip_network(item.strip()) for item in raw.split(",") if item.strip())
    except ValueError:
        expected = "addresses or networks, e.g. 10.0.0.5,10.1.0.0/16"
        raise SettingsError(name, f"expected {expected}, got {raw!r}") from None


def _admin_ids(raw: str) -> frozenset[str]:
    ids = {item.strip() for item in raw.replace(";", ",").split(",") if item.strip()}
    for item in ids:
        if not re.fullmatch(r"(?:[a-z]+:)?[-\w]+", item):
            raise SettingsError("ADMIN_CHAT_IDS", f"not a chat id: {item!r}")
    return frozenset(ids)


def _timezone(raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("TZ_NAME", f"unknown time zone {raw!r}") from None
    return raw


def _positive_int(name: str, raw: str, *, most: int) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", raw) or not 0 < int(raw) <= most:
        raise SettingsError(name, f"expected a whole number from 1 to {most}, got {raw!r}")
    return int(raw)


def _positive_float(name: str, raw: str, *, most: float, allow_zero: bool = False) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(name, f"expected a number, got {raw!r}") from None
    least = 0 if allow_zero else "above 0"
    # inf and nan fail both comparisons: a rate of inf would stop the sender, nan never compares.
    if not (value >= 0 and (value > 0 or allow_zero) and value <= most):
        raise SettingsError(name, f"expected a number from {least} to {most:g}, got {raw!r}")
    return value


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise SettingsError("LOG_LEVEL", f"expected DEBUG, INFO, WARNING or ERROR, got {raw!r}")
    return level
