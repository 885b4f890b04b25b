"""Options as a numbered list, for channels without buttons (console, Zalo)."""

from bot.messages import Outgoing


def render_numbered(message: Outgoing) -> str:
    """The message text followed by `1. label` lines; the user answers with the number.

    Where a typed number is the answer to the question (`numbered` off), the options are
    bulleted instead and chosen by typing their name.
    """
    if not message.options:
        return message.text
    if not message.numbered:
        return message.text + "\n" + "\n".join(f"• {option.label}" for option in message.options)
    first = message.number_from
    lines = [f"{index}. {option.label}" for index, option in enumerate(message.options, first)]
    return message.text + "\n" + "\n".join(lines)
