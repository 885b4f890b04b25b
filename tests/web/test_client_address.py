"""Who a request comes from, behind the reverse proxies the operator trusts."""

from ipaddress import ip_network
from unittest.mock import Mock

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from bot.settings import LOOPBACK, IPNetwork
from bot.web.auth import client_address

OFFICE_PROXY: tuple[IPNetwork, ...] = (*LOOPBACK, ip_network("10.0.0.0/8"))


def _request(peer: str, forwarded: str | None) -> web.Request:
    transport = Mock()
    transport.get_extra_info.return_value = (peer, 40000)
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}
    return make_mocked_request("POST", "/dieu-phoi/dang-nhap", headers=headers, transport=transport)


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        ("203.0.113.7", None, LOOPBACK, "203.0.113.7"),
        # Anyone can send the header: from a peer that is no proxy of ours it is ignored.
        ("203.0.113.7", "198.51.100.1", LOOPBACK, "203.0.113.7"),
        ("127.0.0.1", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        # A proxy on another machine, named in TRUSTED_PROXIES; not believed when not named.
        ("10.0.0.5", "198.51.100.1", OFFICE_PROXY, "198.51.100.1"),
        ("10.0.0.5", "198.51.100.1", LOOPBACK, "10.0.0.5"),
        # Two proxies (the office's, then the local one): the address the first one saw.
        ("127.0.0.1", "198.51.100.1, 10.0.0.5", OFFICE_PROXY, "198.51.100.1"),
        # What the client wrote itself comes before what the proxies appended: not believed.
        ("127.0.0.1", "192.0.2.66, 198.51.100.1", LOOPBACK, "198.51.100.1"),
        ("127.0.0.1", " , ", LOOPBACK, "127.0.0.1"),
        # Ports, brackets and IPv4-mapped forms are one client, and a trusted proxy is known
        # however it is written.
        ("127.0.0.1", "203.0.113.7:5678", LOOPBACK, "203.0.113.7"),
        ("127.0.0.1", "[2001:DB8::1]:443", LOOPBACK, "2001:db8::1"),
        ("127.0.0.1", "198.51.100.1, ::ffff:10.0.0.5", OFFICE_PROXY, "198.51.100.1"),
        ("::ffff:127.0.0.1", "198.51.100.1", LOOPBACK, "198.51.100.1"),
        ("127.0.0.1", "not-an-address", LOOPBACK, "not-an-address"),
    ],
)
def test_the_client_is_the_nearest_address_no_trusted_proxy_gave(
    peer: str, forwarded: str | None, trusted: tuple[IPNetwork, ...], expected: str
) -> None:
    assert client_address(_request(peer, forwarded), trusted) == expected


def test_a_header_sent_twice_is_one_list_with_the_clients_own_line_first() -> None:
    transport = Mock()
    transport.get_extra_info.return_value = ("127.0.0.1", 40000)
    headers = CIMultiDict([("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "203.0.113.9")])
    request = make_mocked_request("POST", "/", headers=headers, transport=transport)
    assert client_address(request, LOOPBACK) == "203.0.113.9"
