"""A student's personal link to the contest page: who, which round, until when, signed.

The link is the student's key to their own attempt on the web (Zalo, the console and Telegram
all get it from /thi); it ends a day after the round does.
"""

from datetime import datetime, timedelta

from bot.services.contest.registry import RoundView
from bot.services.core.signing import Signer

GRACE = timedelta(days=1)


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
