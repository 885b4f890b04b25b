import pytest
from telegram import InlineKeyboardMarkup

from bot.channels.telegram.render import keyboard, message_text, split_text
from bot.messages import Option, Outgoing, WebPage

LINK = "https://thi.example.vn/thi/12.3.1800000000.abcdef"


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


def test_a_page_over_https_is_a_mini_app_button_under_the_options() -> None:
    page = WebPage("Làm bài trên trang thi", LINK, app_url="https://thi.example.vn/thi/app")
    message = Outgoing("Sẵn sàng:", (Option("Làm bài", "thi:start:3"),), web_page=page)
    markup = keyboard(message)
    assert isinstance(markup, InlineKeyboardMarkup)
    [[start], [app]] = markup.inline_keyboard
    assert start.callback_data == "thi:start:3"
    assert app.to_dict() == {
        "text": "Làm bài trên trang thi",
        "web_app": {"url": "https://thi.example.vn/thi/app"},
    }
    assert message_text(message) == "Sẵn sàng:"  # the button opens it: no link in the text


@pytest.mark.parametrize("app_url", ["http://127.0.0.1:8080/thi/app", None])
def test_without_https_the_personal_link_is_in_the_text(app_url: str | None) -> None:
    page = WebPage("Làm bài trên trang thi", LINK.replace("https", "http"), app_url=app_url)
    message = Outgoing("Sẵn sàng:", (Option("Làm bài", "thi:start:3"),), web_page=page)
    markup = keyboard(message)
    assert isinstance(markup, InlineKeyboardMarkup)
    assert [[b.callback_data for b in row] for row in markup.inline_keyboard] == [["thi:start:3"]]
    assert message_text(message) == f"Sẵn sàng:\n{page.url}"
    assert keyboard(Outgoing("Xem:", web_page=page)) is None


def test_long_text_is_cut_at_line_ends_under_the_limit() -> None:
    text = "\n".join(f"Dòng số {i} " + "ư" * 50 for i in range(200))
    pieces = split_text(text)
    assert len(pieces) > 1
    assert all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text


def test_text_without_breaks_is_still_cut() -> None:
    pieces = split_text("a" * 9000)
    assert [len(p) for p in pieces] == [4096, 4096, 808]
