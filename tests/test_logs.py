"""The log formatter hides tokens and secrets, in messages and tracebacks alike."""

import logging
import sys

from bot.logs import RedactingFormatter, redact

TOKEN = "7654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _record(message: str, *, error: BaseException | None = None) -> logging.LogRecord:
    info = (type(error), error, error.__traceback__) if error else None
    return logging.LogRecord("httpx", logging.ERROR, __file__, 1, message, (), info)


def test_a_traceback_quoting_the_url_shows_no_token() -> None:
    try:
        msg = f"Redirect loop for url 'https://api.telegram.org/bot{TOKEN}/getMe'"
        raise RuntimeError(msg)
    except RuntimeError as exc:
        error = exc
    assert sys.exc_info() == (None, None, None)
    text = RedactingFormatter("%(message)s").format(_record("getMe failed", error=error))
    assert "Traceback" in text
    assert "/bot***/getMe" in text
    assert TOKEN not in text
    assert TOKEN.split(":")[1] not in text


def test_known_secrets_and_token_shapes_are_hidden_anywhere() -> None:
    formatter = RedactingFormatter("%(message)s", secrets=["webhook-secret-1", "pg-pass"])
    record = _record("secret=%s pass=%s token %s", error=None)
    record.args = ("webhook-secret-1", "pg-pass", TOKEN)
    assert formatter.format(record) == "secret=*** pass=*** token ***"
    assert redact("https://bot-api.zaloplatforms.com/botabc-123/sendMessage") == (
        "https://bot-api.zaloplatforms.com/bot***/sendMessage"
    )
    assert redact("nothing to hide: report 12:30") == "nothing to hide: report 12:30"


def test_what_the_person_typed_is_hidden_while_their_message_is_handled() -> None:
    from bot.logs import private

    formatter = RedactingFormatter("%(message)s")
    said = "Tôi tên Lò Văn Kín, số 0912345678"
    record = _record("handling failed: invalid literal for int(): %r", error=None)
    record.args = (said,)
    with private(said, "Lò Văn Kín"):
        assert said not in formatter.format(record)
    record = _record("name %s", error=None)
    record.args = ("Lò Văn Kín",)
    with private(said, "Lò Văn Kín"):
        assert formatter.format(record) == "name ***"
    assert formatter.format(record) == "name Lò Văn Kín"  # only while that message is handled
