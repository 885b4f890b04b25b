import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from tests.databases import PROJECT_DIR


def test_defaults_are_sqlite_and_console() -> None:
    settings = load_settings({})
    assert settings.database_url.get_backend_name() == "sqlite"
    assert settings.telegram.token is None
    assert settings.tz_name == "Asia/Ho_Chi_Minh"
    assert settings.telegram.webhook_listen.port == 8080


def test_dotenv_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("TZ_NAME=Asia/Bangkok\nADMIN_CHAT_IDS=1, 2;zalo:abc\nINVITE_DAYS=3\n")
    settings = load_settings({"INVITE_DAYS": "5"}, dotenv)
    assert settings.tz_name == "Asia/Bangkok"
    assert settings.admin_chat_ids == {"1", "2", "zalo:abc"}
    assert settings.invite_days == 5


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/x"),
        ("DATABASE_URL", "not a url at all"),
        ("DATABASE_URL", "sqlite://"),
        ("TELEGRAM_API_BASE_URL", "ftp://example.org"),
        ("TELEGRAM_WEBHOOK_LISTEN", "localhost"),
        ("TELEGRAM_WEBHOOK_LISTEN", "127.0.0.1:99999"),
        ("TELEGRAM_WEBHOOK_SECRET", "has spaces"),
        ("TELEGRAM_BOT_TOKEN", "nocolon"),
        ("TZ_NAME", "Mars/Olympus"),
        ("INVITE_DAYS", "0"),
        ("INVITE_DAYS", "99999999999999"),
        ("INVITE_DAYS", "366"),
        ("INVITE_DAYS", "²"),
        ("TELEGRAM_SEND_RATE", "inf"),
        ("TELEGRAM_SEND_RATE", "nan"),
        ("TELEGRAM_SEND_RATE", "-5"),
        ("TELEGRAM_SEND_RATE", "0"),
        ("ZALO_SEND_RATE", "Infinity"),
        ("CHAT_SEND_INTERVAL", "inf"),
        ("CHAT_SEND_INTERVAL", "-1"),
        ("ADMIN_CHAT_IDS", "12,<script>"),
        ("PUBLIC_BASE_URL", "example.org/files"),
        ("WEB_SECRET", "too-short"),
        ("TRUSTED_PROXIES", "10.0.0.300"),
        ("TRUSTED_PROXIES", "proxy.local"),
        ("TRUSTED_PROXIES", "10.0.0.5/8"),
    ],
)
def test_a_malformed_value_names_its_variable_in_one_line(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert "\n" not in str(caught.value)


def test_webhook_mode_needs_a_secret() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg"})


def test_a_malformed_token_is_not_echoed() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({"TELEGRAM_BOT_TOKEN": "secret value"})
    assert "secret value" not in str(caught.value)


def test_postgres_urls_are_accepted_in_plain_form() -> None:
    settings = load_settings({"DATABASE_URL": "postgres://u@db.example.org/spc"})
    assert settings.database_url.database == "spc"


def test_zalo_settings(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "ZALO_BOT_TOKEN": "4242:zalo-secret",
            "ZALO_WEBHOOK_URL": "https://bot.example.org/zalo",
            "ZALO_WEBHOOK_SECRET": "long-enough",
            "ZALO_WEBHOOK_LISTEN": "0.0.0.0:9001",
            "MEDIA_DIR": str(tmp_path / "media"),
        }
    )
    assert settings.zalo.webhook_listen.port == 9001
    assert settings.media_dir == tmp_path / "media"
    assert load_settings({}).zalo.webhook_listen.port == 8081


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ZALO_WEBHOOK_LISTEN", "nope"),
        ("ZALO_WEBHOOK_SECRET", "short"),
        ("ZALO_API_BASE_URL", "bot-api.zaloplatforms.com"),
        ("ZALO_BOT_TOKEN", "has a space"),
    ],
)
def test_a_malformed_zalo_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert caught.value.variable == variable
    assert value not in str(caught.value) or variable != "ZALO_BOT_TOKEN"


def test_the_media_dir_must_not_be_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SettingsError, match="MEDIA_DIR"):
        load_settings({"MEDIA_DIR": str(tmp_path / "file")})


def test_a_database_path_under_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(SettingsError, match=r"DATABASE_URL: .*file is a file, not a folder"):
        load_settings({"DATABASE_URL": f"sqlite:///{tmp_path / 'file' / 'bot.db'}"})
    with pytest.raises(SettingsError, match="MEDIA_DIR"):
        load_settings({"MEDIA_DIR": str(tmp_path / "file" / "media")})


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TELEGRAM_SEND_RATE", "inf"),
        ("TELEGRAM_SEND_RATE", "nan"),
        ("INVITE_DAYS", "9999999999"),
        ("DATABASE_URL", "sqlite:///{tmp}/file/bot.db"),
    ],
)
def test_the_cli_says_one_line_for_a_bad_setting(tmp_path: Path, variable: str, value: str) -> None:
    """As an operator meets it: `python -m bot plan` with the bad value, one line, exit 2."""
    (tmp_path / "file").write_text("x")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_"))}
    env.update(
        {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", variable: value.format(tmp=tmp_path)}
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot", "plan"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"error: {variable}: ")


def test_a_dotenv_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_bytes(b"TZ_NAME=Asia/H\xe0\n")
    with pytest.raises(SettingsError) as caught:
        load_settings({}, dotenv)
    assert str(caught.value).startswith(f"{dotenv}: not UTF-8 text")


def test_trusted_proxies_are_loopback_unless_named() -> None:
    assert [str(n) for n in load_settings({}).trusted_proxies] == ["127.0.0.1/32", "::1/128"]
    named = load_settings({"TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"}).trusted_proxies
    assert [str(n) for n in named] == ["10.0.0.5/32", "10.1.0.0/16"]
