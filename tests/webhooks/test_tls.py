"""HTTPS with the address pinned: the sender connects to the address it checked, yet TLS still
verifies the certificate for the URL's host name (SNI and hostname check), so pinning never
turns verification off. A test CA and certificates are made with the openssl command."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from webhooks.events import emit_test
from webhooks.models import DeliveryAttempt, Endpoint
from webhooks.testing import Receiver

from .conftest import drain
from .test_addresses import resolve_to

pytestmark = pytest.mark.django_db

NAME = "hooks.example.com"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)  # noqa: S603, S607


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "2", "-subj", "/CN=SRM test CA", cwd=folder,
    )  # fmt: skip
    for name in (NAME, "other.example.com"):
        (folder / f"{name}.ext").write_text(f"subjectAltName=DNS:{name}\n")
        _openssl(
            "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
            f"{name}.csr", "-subj", f"/CN={name}", cwd=folder,
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
            cwd=folder,
        )  # fmt: skip
    return folder


def _tls_receiver(certificates: Path, name: str) -> Receiver:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / f"{name}.pem", certificates / f"{name}.key")
    return Receiver(tls=context)


@pytest.fixture
def trusting(settings: Any, certificates: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.WEBHOOKS_CA_BUNDLE = str(certificates / "ca.pem")
    resolve_to(monkeypatch, {NAME: ["127.0.0.1"]})


@pytest.mark.usefixtures("trusting")
def test_https_to_the_pinned_address_verifies_the_certificate_of_the_name(
    certificates: Path, make_endpoint: Callable[..., Endpoint]
) -> None:
    with _tls_receiver(certificates, NAME) as receiver:
        endpoint = make_endpoint(f"https://{NAME}:{receiver.port}/hooks")
        emit_test(endpoint)
        drain()
        (received,) = receiver.snapshot()
    Webhook(endpoint.secret).verify(received.body, received.headers)
    assert received.headers["host"] == f"{NAME}:{receiver.port}"


@pytest.mark.usefixtures("trusting")
def test_a_certificate_for_another_name_is_refused(
    certificates: Path, make_endpoint: Callable[..., Endpoint]
) -> None:
    with _tls_receiver(certificates, "other.example.com") as receiver:
        endpoint = make_endpoint(f"https://{NAME}:{receiver.port}/hooks")
        emit_test(endpoint)
        drain()
        assert receiver.snapshot() == []
    attempt = DeliveryAttempt.objects.order_by("at").first()
    assert attempt is not None and attempt.response_status is None
    assert "certificate" in attempt.error.lower() or "hostname" in attempt.error.lower()


def test_a_certificate_from_an_unknown_ca_is_refused(
    certificates: Path, make_endpoint: Callable[..., Endpoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    resolve_to(monkeypatch, {NAME: ["127.0.0.1"]})  # the public CAs only: the test CA is unknown
    with _tls_receiver(certificates, NAME) as receiver:
        endpoint = make_endpoint(f"https://{NAME}:{receiver.port}/hooks")
        emit_test(endpoint)
        drain()
        assert receiver.snapshot() == []
    attempt = DeliveryAttempt.objects.order_by("at").first()
    assert attempt is not None and "certificate" in attempt.error.lower()
