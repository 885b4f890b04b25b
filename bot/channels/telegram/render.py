"""Outgoing values as Telegram parameters: inline keyboards and text within Telegram's limits."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, WebAppInfo

from bot.channels.numbered import with_link
from bot.messages import Outgoing

MAX_TEXT = 4096  # Telegram refuses longer messages
MAX_CALLBACK_BYTES = 64


def mini_app_url(message: Outgoing) -> str | None:
    """The Mini App a button of this message opens, if any: Telegram opens only https ones."""
    page = message.web_page
    if page is None or page.app_url is None or not page.app_url.startswith("https://"):
        return None
    return page.app_url


def message_text(message: Outgoing) -> str:
    """The text to send: with the page's personal link, unless a button opens it as an app."""
    return message.text if mini_app_url(message) else with_link(message)


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | ReplyKeyboardRemove | None:
    """Options as inline buttons, `columns` to a row; the Mini App's button on a row of its own."""
    app_url = mini_app_url(message)
    if message.remove_keyboard and not message.options and app_url is None:
        return ReplyKeyboardRemove()
    buttons = [InlineKeyboardButton(o.label, callback_data=o.payload) for o in message.options]
    for button in buttons:
        if len(str(button.callback_data).encode()) > MAX_CALLBACK_BYTES:
            msg = f"callback data over {MAX_CALLBACK_BYTES} bytes"
            raise ValueError(msg)
    width = max(1, message.columns)
    rows = [buttons[i : i + width] for i in range(0, len(buttons), width)]
    if app_url is not None and message.web_page is not None:
        rows.append([InlineKeyboardButton(message.web_page.label, web_app=WebAppInfo(app_url))])
    return InlineKeyboardMarkup(rows) if rows else None


def utf16_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji is often two)."""
    return len(text.encode("utf-16-le")) // 2


def _fitting(text: str, limit: int) -> int:
    """How many characters of `text` fit in `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most `limit` UTF-16 units, cut at paragraph or line ends where possible."""
    pieces: list[str] = []
    rest = text
    while utf16_length(rest) > limit:
        end = _fitting(rest, limit)
        cut = max(rest.rfind("\n\n", 0, end), rest.rfind("\n", 0, end))
        if cut <= 0:
            cut = rest.rfind(" ", 0, end)
        if cut <= 0:
            cut = end
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    pieces.append(rest)
    return [p for p in pieces if p]
