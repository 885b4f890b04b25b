"""How numbers and shortened titles are written to users: one Vietnamese style everywhere."""

from decimal import ROUND_HALF_UP, Decimal

ELLIPSIS = "…"


def format_number(value: float | Decimal, digits: int = 2) -> str:
    """'1.439', '2,5', '-3': a dot between thousands, a decimal comma, never '1e+06'.

    At most `digits` decimals (rounded half up), trailing zeros dropped.
    """
    # Through str(), so that 2.675 is the decimal the user typed, not its binary neighbour.
    exact = Decimal(str(value)).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    whole, _, fraction = f"{abs(exact):f}".partition(".")
    fraction = fraction.rstrip("0")
    sign = "-" if exact < 0 else ""
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}{grouped},{fraction}" if fraction else f"{sign}{grouped}"


def shorten(text: str, width: int) -> str:
    """The text cut at the last word boundary within `width` characters, with '…' when cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - len(ELLIPSIS) + 1]
    head = cut.rsplit(" ", 1)[0] if " " in cut else cut[: width - len(ELLIPSIS)]
    return head.rstrip(" ,;:.–-") + ELLIPSIS
