"""Options as a numbered list, for channels without buttons (console, Zalo)."""

from bot.messages import Outgoing


def with_link(message: Outgoing) -> str:
    """The message text with its web page's personal link on a line of its own, if it has one."""
    if message.web_page is None:
        return message.text
    return f"{message.text}\n{message.web_page.url}"


def render_numbered(message: Outgoing) -> str:
    """The message text (and its page's link) followed by `1. label` lines; the user answers
    with the number.

    Where a typed number is the answer to the question (`numbered` off), the options are
    bulleted instead and chosen by typing their name.
    """
    text = with_link(message)
    if not message.options:
        return text
    if not message.numbered:
        return text + "\n" + "\n".join(f"• {option.label}" for option in message.options)
    first = message.number_from
    lines = [f"{index}. {option.label}" for index, option in enumerate(message.options, first)]
    return text + "\n" + "\n".join(lines)
