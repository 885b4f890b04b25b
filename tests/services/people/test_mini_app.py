"""Telegram's Mini App launch data: signed for our bot, fresh, naming one user; all else refused."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlencode

import pytest

from bot.services.people.mini_app import MiniAppRefused, telegram_user_id
from tests.fakes.telegram_api import launch_data, sign_launch_data

TOKEN = "123456:TEST-TOKEN"
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
SIGNED = int(NOW.timestamp()) - 60


def check(data: str, *, token: str = TOKEN, now: datetime = NOW) -> int:
    return telegram_user_id(data, bot_token=token, now=now)


def refused(data: str, *, token: str = TOKEN, now: datetime = NOW) -> str:
    with pytest.raises(MiniAppRefused) as caught:
        check(data, token=token, now=now)
    return caught.value.template


def test_a_hash_computed_by_another_implementation_is_accepted() -> None:
    # aiogram's test vector (token "42:TEST"): the same rule written by someone else.
    data = (
        "auth_date=1650385342&user=%7B%22id%22%3A42%2C%22first_name%22%3A%22Test%22%7D"
        "&query_id=test&hash=46d2ea5e32911ec8d30999b56247654460c0d20949b6277af519e76271182803"
    )
    signed_at = datetime.fromtimestamp(1650385342, UTC)
    assert check(data, token="42:TEST", now=signed_at + timedelta(minutes=5)) == 42
    assert refused(data, token="42:OTHER", now=signed_at) == "web/mini_app_invalid"


def test_launch_data_signed_for_the_bot_names_its_user() -> None:
    data = launch_data(TOKEN, user_id=6002, first_name="Trần Văn Bình", auth_date=SIGNED)
    assert "%20" in data  # spaces as Telegram encodes them
    assert check(data) == 6002


def test_url_encoded_values_are_checked_decoded() -> None:
    fields = {
        "user": '{"id":77,"first_name":"Nguyễn Thị","last_name":"Hà & Lan = 1+1"}',
        "auth_date": str(SIGNED),
        "chat_instance": "-1",
        "signature": "abc/def+ghi==",
    }
    data = sign_launch_data(TOKEN, fields)
    assert all(escape in data for escape in ("%26", "%3D", "%2B", "%20"))
    assert check(data) == 77


def test_the_order_of_the_fields_does_not_matter() -> None:
    data = launch_data(TOKEN, user_id=6002, first_name="Bình", auth_date=SIGNED)
    pairs = parse_qsl(data)
    reordered = urlencode(list(reversed(pairs)), quote_via=quote)
    assert reordered != data
    assert check(reordered) == 6002


def test_a_forged_field_or_hash_or_another_bots_data_is_refused() -> None:
    data = launch_data(TOKEN, user_id=6002, first_name="Bình", auth_date=SIGNED)
    fields = dict(parse_qsl(data))
    forged_user = {**fields, "user": fields["user"].replace("6002", "6003")}
    assert refused(urlencode(forged_user, quote_via=quote)) == "web/mini_app_invalid"
    flipped = fields["hash"][:-1] + ("0" if fields["hash"][-1] != "0" else "1")
    assert refused(urlencode({**fields, "hash": flipped})) == "web/mini_app_invalid"
    assert refused(urlencode({**fields, "hash": "é" * 64})) == "web/mini_app_invalid"
    assert refused(data, token="654321:OTHER-BOT") == "web/mini_app_invalid"
    # A field added after signing (e.g. a second user) breaks the hash or the parse.
    assert refused(data + "&user=%7B%22id%22%3A1%7D") == "web/mini_app_invalid"
    assert refused(data + "&extra=1") == "web/mini_app_invalid"


@pytest.mark.parametrize(
    "data",
    ["", "hash=", "auth_date=1&user=%7B%7D", "not a query", "a=1&&b=2", "x" * 9000],
)
def test_missing_or_malformed_data_is_refused(data: str) -> None:
    assert refused(data) == "web/mini_app_invalid"


def test_data_without_hash_is_refused() -> None:
    data = launch_data(TOKEN, user_id=6002, first_name="Bình", auth_date=SIGNED)
    without = urlencode([(k, v) for k, v in parse_qsl(data) if k != "hash"], quote_via=quote)
    assert refused(without) == "web/mini_app_invalid"


def test_signed_data_without_a_user_or_a_date_is_refused() -> None:
    no_user = sign_launch_data(TOKEN, {"auth_date": str(SIGNED), "query_id": "q"})
    assert refused(no_user) == "web/mini_app_invalid"
    no_date = sign_launch_data(TOKEN, {"user": '{"id":5}'})
    assert refused(no_date) == "web/mini_app_invalid"
    odd_id = sign_launch_data(TOKEN, {"user": '{"id":"5"}', "auth_date": str(SIGNED)})
    assert refused(odd_id) == "web/mini_app_invalid"


def test_data_older_than_a_day_or_from_the_future_is_refused() -> None:
    day = int(timedelta(hours=24).total_seconds())
    fresh = launch_data(TOKEN, user_id=6002, first_name="Bình", auth_date=SIGNED)
    assert check(fresh, now=NOW + timedelta(hours=23, minutes=58)) == 6002
    stale = launch_data(TOKEN, user_id=6002, first_name="Bình", auth_date=SIGNED - day)
    assert refused(stale) == "web/mini_app_stale"
    ahead = launch_data(TOKEN, user_id=6002, first_name="Bình", auth_date=SIGNED + 3600)
    assert refused(ahead) == "web/mini_app_stale"
