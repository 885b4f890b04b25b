"""A student's personal link to the contest page: who, which round, until when, signed.

The link is the student's key to their own attempt on the web (Zalo, the console and Telegram
all get it from /thi); it ends a day after the round does. On Telegram the Mini App at
MINI_APP_PATH finds the student's link itself, from who Telegram says opened it.
"""

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services.contest.registration import find_entry
from bot.services.contest.registry import RoundView, current_round
from bot.services.core.errors import DomainError
from bot.services.core.signing import Signer
from bot.services.people.users import find_user_id

GRACE = timedelta(days=1)
MINI_APP_PATH = "/thi/app"


def contest_token(signer: Signer, *, user_id: int, contest_round: RoundView) -> str:
    """The path part of a student's link for a round."""
    expires = int((contest_round.ends_at + GRACE).timestamp())
    payload = f"{user_id}.{contest_round.id}.{expires}"
    signature = signer.sign("contest\n" + payload)
    return f"{payload}.{signature}"


def read_contest_token(signer: Signer, token: str, *, now: datetime) -> tuple[int, int] | None:
    """The user and round ids of a link of ours that has not expired, or None."""
    parts = token.split(".")
    if len(parts) != 4 or not all(p.isdigit() and len(p) <= 12 for p in parts[:3]):
        return None
    user_id, round_id, expires, signature = parts
    if not signer.check(f"contest\n{user_id}.{round_id}.{expires}", signature):
        return None
    if int(expires) <= now.timestamp():
        return None
    return int(user_id), int(round_id)


async def student_token(
    session: AsyncSession, signer: Signer, *, channel: str, chat_id: str, now: datetime
) -> str:
    """The personal link (its path part) of the student of a chat for the current round.

    DomainError when the chat never talked to the bot, there is no round, or the student has
    not registered for it (registering happens in the chat, with its consent).
    """
    user_id = await find_user_id(session, channel=channel, chat_id=chat_id)
    if user_id is None:
        raise DomainError("web/mini_app_unknown_user")
    contest_round = await current_round(session, now=now)
    if contest_round is None or contest_round.ends_at + GRACE <= now:
        raise DomainError("contest/no_round")
    if await find_entry(session, user_id=user_id, round_id=contest_round.id) is None:
        raise DomainError("web/mini_app_not_registered")
    return contest_token(signer, user_id=user_id, contest_round=contest_round)
