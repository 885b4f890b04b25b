"""Registering a student for a round: typed details checked, consent recorded, one per person.

Students under 16 are children (Law on Children 2016, art. 1); processing their data, which the
published ranking discloses, needs their own consent and their legal representative's (Law on
Personal Data Protection 91/2025/QH15, art. 24(2)). Both are recorded with the entry.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.contest.registry import get_round
from bot.services.core.errors import InvalidInput
from bot.services.core.matching import Candidate, best_matches, fold
from bot.services.plan.units import UnitView
from db.models import ContestEntry, Unit

SCHOOL_KINDS = ("school",)
CHILD_AGE = 16
MIN_AGE, MAX_AGE = 13, 25
NAME = re.compile(r"^[^\W\d_]+(?:[ '\-][^\W\d_]+)+$")
CLASS = re.compile(r"^(10|11|12)\s*([A-Z0-9]{0,4}(?:\s?[A-Z0-9]{1,6})?)$")
PHONE = re.compile(r"^0\d{9}$")
DATE = re.compile(r"^(\d{1,2})\D+(\d{1,2})\D+(\d{4})$")


@dataclass(frozen=True)
class EntryView:
    """A student's registration, as the student sees it."""

    id: int
    round_id: int
    full_name: str
    birth_date: date
    school_id: int
    school_name: str
    class_name: str
    phone: str | None
    child: bool
    guardian_name: str | None


def parse_full_name(text: str) -> str:
    """A full name of two words or more, letters only: 'nguyễn  văn an' -> 'Nguyễn Văn An'."""
    name = " ".join(text.split())
    if not 4 <= len(name) <= 60 or not NAME.match(name):
        raise InvalidInput("contest/name_invalid")
    return " ".join(word[:1].upper() + word[1:].lower() for word in name.split(" "))


def parse_birth_date(text: str, *, today: date) -> date:
    """dd/mm/yyyy (also with - . or spaces); an age THPT students can have."""
    found = DATE.match(text.strip())
    if found is None:
        raise InvalidInput("contest/birth_invalid")
    day, month, year = (int(part) for part in found.groups())
    try:
        born = date(year, month, day)
    except ValueError:
        raise InvalidInput("contest/birth_invalid") from None
    if not MIN_AGE <= age_on(born, today) <= MAX_AGE:
        raise InvalidInput("contest/birth_age", {"min": MIN_AGE, "max": MAX_AGE})
    return born


def age_on(born: date, day: date) -> int:
    """Whole years of age on a day."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def is_child(born: date, today: date) -> bool:
    """Under 16: a child, whose data needs a parent's or guardian's consent too."""
    return age_on(born, today) < CHILD_AGE


def parse_class(text: str) -> str:
    """A THPT class: grade 10-12 then its name ('lop 10a1' -> '10A1')."""
    raw = fold(text).upper().removeprefix("LOP").strip()
    found = CLASS.match(raw)
    if found is None:
        raise InvalidInput("contest/class_invalid")
    return f"{found.group(1)}{found.group(2).replace(' ', '')}"


def parse_phone(text: str) -> str:
    """A Vietnamese mobile number, 10 digits from 0 (+84 accepted)."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if not PHONE.match(digits):
        raise InvalidInput("contest/phone_invalid")
    return digits


async def find_schools(session: AsyncSession, text: str) -> list[UnitView]:
    """Schools whose name resembles what was typed (no diacritics, typos tolerated).

    "THPT" and "trường" are left out on both sides: in every name, they would make any
    typed name look alike ("phan dinh phug" nearer to "THPT Nguyễn Đình Liễn" than to
    "THPT Phan Đình Phùng").
    """
    typed = text.strip()
    if not typed or len(typed) > 100:
        raise InvalidInput("contest/school_expected")
    schools = {
        u.id: u
        for u in await session.scalars(select(Unit).where(Unit.kind.in_(SCHOOL_KINDS), Unit.active))
    }
    candidates = [
        Candidate(u.id, tuple(_bare(n) for n in (u.name, *u.aliases))) for u in schools.values()
    ]
    found = best_matches(_bare(typed), candidates, limit=5)
    if not found:
        raise InvalidInput("contest/school_not_found", {"typed": typed})
    return [UnitView(m.key, schools[m.key].code, "school", schools[m.key].name, "") for m in found]


def _bare(name: str) -> str:
    folded = f" {fold(name)} "
    for prefix in (" truong ", " thpt ", " trung hoc pho thong "):
        if folded.startswith(prefix):
            folded = " " + folded[len(prefix) :]
    return folded.strip() or fold(name)


async def school_name(session: AsyncSession, school_id: int) -> str:
    """The name of an active school, or InvalidInput (a stale or forged choice)."""
    unit = await session.get(Unit, school_id)
    if unit is None or unit.kind not in SCHOOL_KINDS or not unit.active:
        raise InvalidInput("contest/school_expected")
    return unit.name


async def register(
    session: AsyncSession,
    *,
    user_id: int,
    round_id: int,
    full_name: str,
    birth_date: date,
    school_id: int,
    class_name: str,
    phone: str | None,
    guardian_name: str | None,
    now: datetime,
    today: date,
) -> EntryView:
    """Store the entry; the same chat account or the same person twice in a round is refused."""
    contest_round = await get_round(session, round_id)
    if not contest_round.accepts(now):
        raise InvalidInput("contest/round_not_open")
    school = await school_name(session, school_id)
    child = is_child(birth_date, today)
    if child and not guardian_name:
        raise InvalidInput("contest/guardian_needed")
    entry = ContestEntry(
        round_id=round_id,
        user_id=user_id,
        full_name=full_name,
        name_key=fold(full_name),
        birth_date=birth_date,
        school_id=school_id,
        class_name=class_name,
        phone=phone,
        child=child,
        guardian_name=guardian_name if child else None,
        consented_at=now,
        guardian_consented_at=now if child else None,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        raise InvalidInput("contest/already_registered") from None
    return EntryView(
        entry.id, round_id, full_name, birth_date, school_id, school, class_name, phone, child,
        entry.guardian_name,
    )  # fmt: skip


async def find_entry(session: AsyncSession, *, user_id: int, round_id: int) -> EntryView | None:
    """The user's entry in a round, if any (erased entries are gone for the user)."""
    row = await session.scalar(
        select(ContestEntry).where(
            ContestEntry.user_id == user_id,
            ContestEntry.round_id == round_id,
            ContestEntry.erased_at.is_(None),
        )
    )
    if row is None or row.full_name is None or row.birth_date is None:
        return None
    return EntryView(
        row.id, row.round_id, row.full_name, row.birth_date, row.school_id,
        await school_name_any(session, row.school_id), row.class_name or "", row.phone,
        row.child, row.guardian_name,
    )  # fmt: skip


async def school_name_any(session: AsyncSession, school_id: int) -> str:
    """A school's name even if it left the registry since."""
    unit = await session.get(Unit, school_id)
    return unit.name if unit else ""
