"""Thanks and greetings typed in many ways ("cám ơn nhé", "ok cảm ơn bạn nhiều", "chào anh"):
answered politely without touching a draft."""

from bot.services.core.matching import fold

# Words around thanks or a greeting that change nothing ("ok", "nhé", "bạn", "ạ"…), folded.
_AROUND = frozenset(
    [
        "ok",
        "oke",
        "okay",
        "vang",
        "da",
        "a",
        "nhe",
        "nha",
        "nhen",
        "nhieu",
        "rat",
        "lam",
        "ban",
        "em",
        "anh",
        "chi",
        "co",
        "chu",
        "bac",
        "moi",
        "nguoi",
        "tro",
        "ly",
        "bot",
        "minh",
        "xin",
    ]
)
_THANKS = ("cam on", "thanks", "thank you", "thank", "tks", "thanks you")
_GREETINGS = ("chao", "xin chao", "hello", "hi", "alo", "chao buoi sang", "chao buoi chieu")


def _core(text: str) -> str:
    words = fold(text).replace("!", " ").replace(".", " ").replace(",", " ").split()
    return " ".join(w for w in words if w not in _AROUND)


def is_thanks(text: str) -> bool:
    """Whether the text only says thank you."""
    words = fold(text).split()
    return len(words) <= 6 and _core(text) in _THANKS


def is_greeting(text: str) -> bool:
    """Whether the text only says hello."""
    words = fold(text).split()
    return len(words) <= 5 and _core(text) in _GREETINGS
