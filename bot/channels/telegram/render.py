"""Outgoing values as Telegram parameters: inline keyboards and text within Telegram's limits."""

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove

from bot.messages import Outgoing

MAX_TEXT = 4096  # Telegram refuses longer messages
MAX_CALLBACK_BYTES = 64


def keyboard(message: Outgoing) -> InlineKeyboardMarkup | ReplyKeyboardRemove | None:
    """Options as inline buttons, `columns` to a row."""
    if message.remove_keyboard and not message.options:
        return ReplyKeyboardRemove()
    if not message.options:
        return None
    buttons = [InlineKeyboardButton(o.label, callback_data=o.payload) for o in message.options]
    for button in buttons:
        if len(str(button.callback_data).encode()) > MAX_CALLBACK_BYTES:
            msg = f"callback data over {MAX_CALLBACK_BYTES} bytes"
            raise ValueError(msg)
    width = max(1, message.columns)
    return InlineKeyboardMarkup([buttons[i : i + width] for i in range(0, len(buttons), width)])


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
