"""Options as a numbered list, for channels without buttons (console, Zalo)."""

from bot.messages import Outgoing


def render_numbered(message: Outgoing) -> str:
    """The message text followed by `1. label` lines; the user answers with the number."""
    if not message.options:
        return message.text
    lines = [f"{index}. {option.label}" for index, option in enumerate(message.options, start=1)]
    return message.text + "\n" + "\n".join(lines)
