import pytest
from telegram import InlineKeyboardMarkup

from bot.channels.telegram.render import keyboard, split_text
from bot.messages import Option, Outgoing


def test_options_become_inline_rows_of_the_requested_width() -> None:
    options = tuple(Option(f"Mục {i}", f"cmd:x{i}") for i in range(5))
    markup = keyboard(Outgoing("Chọn", options, columns=2))
    assert isinstance(markup, InlineKeyboardMarkup)
    assert [len(row) for row in markup.inline_keyboard] == [2, 2, 1]


def test_no_options_no_keyboard() -> None:
    assert keyboard(Outgoing("Chào")) is None


def test_a_payload_over_64_bytes_is_refused_here_not_by_telegram() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard(Outgoing("x", (Option("Quá dài", "a" * 65),)))


def test_long_text_is_cut_at_line_ends_under_the_limit() -> None:
    text = "\n".join(f"Dòng số {i} " + "ư" * 50 for i in range(200))
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text


def test_text_without_breaks_is_still_cut() -> None:
    pieces = split_text("a" * 9000)
    assert [len(p) for p in pieces] == [4096, 4096, 808]
