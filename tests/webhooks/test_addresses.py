"""The SSRF guard: which URLs may receive webhooks, at save and again at send, and that the
sender connects to the address it checked. Names that must resolve to a chosen address (a
public one that later turns private) are given one through socket.getaddrinfo, the resolver
the guard calls; "localhost" resolves for real."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from accounts.models import User
from webhooks.addresses import AddressRefusedError, check_url, is_public
from webhooks.models import DeliveryAttempt, Endpoint
from webhooks.services import EndpointInput, endpoint_create, endpoint_update
from webhooks.testing import Receiver

from .conftest import drain

pytestmark = pytest.mark.django_db

REFUSED = [
    "127.0.0.1",
    "127.5.6.7",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",  # the cloud metadata service
    "100.64.0.1",  # shared address space (carrier-grade NAT)
    "0.0.0.0",  # noqa: S104 - a refused address, not a bind
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[ff02::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[2001:db8::1]",  # documentation
]


@pytest.fixture
def strict(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    settings.WEBHOOKS_ALLOW_HTTP = False


def resolve_to(monkeypatch: pytest.MonkeyPatch, names: dict[str, list[str]]) -> None:
    """Answers getaddrinfo for ``names`` with the given addresses; other names as usual."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host in names:
            return [
                (
                    socket.AF_INET6 if ":" in ip else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (ip, int(port), 0, 0) if ":" in ip else (ip, int(port)),
                )
                for ip in names[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize("host", REFUSED)
def test_a_url_on_a_private_or_special_address_is_refused(host: str) -> None:
    with pytest.raises(AddressRefusedError) as error:
        check_url(f"https://{host}/hook")
    assert error.value.code == "private_address"


@pytest.mark.usefixtures("strict")
def test_a_public_address_is_accepted_and_pinned() -> None:
    target = check_url("https://93.184.215.14:8443/in?x=1")
    assert (target.address, target.port, target.path) == ("93.184.215.14", 8443, "/in?x=1")
    assert is_public(__import__("ipaddress").ip_address("2606:4700::1111"))


@pytest.mark.usefixtures("strict")
def test_localhost_by_name_is_refused() -> None:
    with pytest.raises(AddressRefusedError) as error:
        check_url("https://localhost/hook")
    assert "127.0.0.1" in str(error.value) or "::1" in str(error.value)


@pytest.mark.usefixtures("strict")
def test_a_name_with_one_private_address_among_public_ones_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolve_to(monkeypatch, {"mixed.example.com": ["93.184.215.14", "10.0.0.5"]})
    with pytest.raises(AddressRefusedError):
        check_url("https://mixed.example.com/hook")


@pytest.mark.usefixtures("strict")
def test_a_name_resolving_to_an_ipv6_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    resolve_to(monkeypatch, {"v6.example.com": ["fd00::7"]})
    with pytest.raises(AddressRefusedError):
        check_url("https://v6.example.com/hook")


@pytest.mark.usefixtures("strict")
@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://93.184.215.14/hook", "scheme"),
        ("ftp://93.184.215.14/hook", "scheme"),
        ("https://user:pw@93.184.215.14/hook", "credentials"),
        ("https:///nohost", "host"),
        ("https://93.184.215.14:99999/hook", "port"),
        ("https://no-such-host.invalid/hook", "unresolvable"),
    ],
)
def test_bad_urls_say_why(url: str, code: str) -> None:
    with pytest.raises(AddressRefusedError) as error:
        check_url(url)
    assert error.value.code == code


def test_http_is_allowed_only_when_the_setting_says_so(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_HTTP = True
    assert check_url("http://127.0.0.1:8080/x").scheme == "http"
    settings.WEBHOOKS_ALLOW_HTTP = False
    with pytest.raises(AddressRefusedError):
        check_url("http://127.0.0.1:8080/x")


@pytest.mark.usefixtures("strict")
def test_saving_an_endpoint_checks_the_url(procurement_manager: User) -> None:
    with pytest.raises(ValidationError) as error:
        endpoint_create(
            by=procurement_manager, data=EndpointInput(url="https://169.254.169.254/latest")
        )
    assert "url" in error.value.message_dict
    assert not Endpoint.objects.exists()


def test_a_name_that_turns_private_after_saving_is_not_sent_to(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    procurement_manager: User,
    receiver: Receiver,
) -> None:
    """DNS rebinding: public when saved, loopback when sent. The send is refused and recorded;
    nothing reaches the receiver on loopback."""
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    resolve_to(monkeypatch, {"rebind.example.com": ["93.184.215.14"]})
    endpoint = endpoint_create(
        by=procurement_manager,
        data=EndpointInput(url=f"http://rebind.example.com:{receiver.port}/hooks"),
    )
    resolve_to(monkeypatch, {"rebind.example.com": ["127.0.0.1"]})
    from webhooks.events import emit_test

    emit_test(endpoint)
    drain()
    attempts = list(DeliveryAttempt.objects.all())
    assert len(attempts) == 8  # every attempt (retries wait 0 s here) refused, none sent
    assert all(attempt.response_status is None for attempt in attempts)
    assert all("not a public address" in attempt.error for attempt in attempts)
    assert receiver.snapshot() == []


def test_the_sender_connects_to_the_checked_address_with_the_name_as_host(
    monkeypatch: pytest.MonkeyPatch,
    make_endpoint: Callable[..., Endpoint],
    receiver: Receiver,
) -> None:
    resolve_to(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})
    endpoint = make_endpoint(f"http://hooks.example.com:{receiver.port}/in?tenant=7")
    from webhooks.events import emit_test

    emit_test(endpoint)
    drain()
    (received,) = receiver.snapshot()
    assert received.headers["host"] == f"hooks.example.com:{receiver.port}"
    assert received.path == "/in?tenant=7"


def test_changing_the_url_to_a_refused_one_keeps_the_old(
    settings: Any, endpoint: Endpoint, procurement_manager: User
) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError):
        endpoint_update(
            endpoint=endpoint,
            by=procurement_manager,
            data=EndpointInput(url="https://[::ffff:192.168.0.1]/x"),
        )
    endpoint.refresh_from_db()
    assert endpoint.url.startswith("http://127.0.0.1:")
