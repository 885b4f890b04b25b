"""What a representative types: names, position, phone, tax code, dates. One sentence each."""

import re
from datetime import date

from bot.services.content.unit_tables import normalise_tax_code
from bot.services.core.errors import InvalidInput

MAX_NAME = 120
PHONE = re.compile(r"(?:\+?84|0)(\d{9})")
PLAN_END = date(2030, 12, 31)
_DATE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})|(\d{1,2})[/.\-](\d{4})|(\d{4})")


def check_establishment_name(text: str) -> str:
    """A name of 3 to 120 characters with letters in it."""
    name = " ".join(text.split())
    if not 3 <= len(name) <= MAX_NAME or not any(ch.isalpha() for ch in name):
        raise InvalidInput("organisations/name_expected", {"max": MAX_NAME})
    return name


def check_person_name(text: str) -> str:
    """A person's name: 2 to 80 characters, letters and spaces."""
    name = " ".join(text.split())
    if not 2 <= len(name) <= 80 or not all(ch.isalpha() or ch in " .'-" for ch in name):
        raise InvalidInput("organisations/person_expected")
    return name


def check_position(text: str) -> str:
    """A position ('Giám đốc', 'Quản lý cửa hàng'): 2 to 80 characters."""
    position = " ".join(text.split())
    if not 2 <= len(position) <= 80 or not any(ch.isalpha() for ch in position):
        raise InvalidInput("organisations/position_expected")
    return position


def parse_phone(text: str) -> str:
    """A Vietnamese phone number ('0912 345 678', '+84912345678') as 0 + 9 digits."""
    digits = re.sub(r"[\s.\-()]", "", text)
    found = PHONE.fullmatch(digits)
    if found is None:
        raise InvalidInput("organisations/phone_expected")
    return "0" + found.group(1)


def parse_tax_code(text: str) -> str:
    """A mã số thuế of 10 digits (13 for a branch)."""
    code = normalise_tax_code(text.strip())
    if code is None:
        raise InvalidInput("organisations/tax_code_expected")
    return code


def parse_due_date(text: str, *, today: date) -> date:
    """A target date typed '31/12/2026', '12/2026' (end of month) or '2027' (end of year),
    from today to the end of the plan (31/12/2030)."""
    found = _DATE.fullmatch(re.sub(r"\s", "", text))
    try:
        if found is None:
            raise ValueError(text)
        if found.group(1):
            year = int(found.group(3))
            day = date(
                year + 2000 if year < 100 else year, int(found.group(2)), int(found.group(1))
            )
        elif found.group(4):
            month, year = int(found.group(4)), int(found.group(5))
            day = _month_end(year, month)
        else:
            day = date(int(found.group(6)), 12, 31)
    except ValueError:
        raise InvalidInput("commitments/date_format", {"end": PLAN_END}) from None
    if not today <= day <= PLAN_END:
        raise InvalidInput("commitments/date_range", {"today": today, "end": PLAN_END})
    return day


def _month_end(year: int, month: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)
