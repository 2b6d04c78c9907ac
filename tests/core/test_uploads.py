"""Uploads are refused by size before they are read whole: a Content-Length over the largest
file accepted stops the request at once, a body that is longer than it says stops as soon as a
file passes the limit; the API answers 413 in its error shape, the page says what the limit is,
and nothing is stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from contracts.models import Contract, ContractDocument
from contracts.services import contract_create
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n"
LIMIT = 4096
API = "/api/v1/contract-documents/"


@pytest.fixture(autouse=True)
def _small_limits(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    settings.CONTRACT_DOCUMENT_MAX_BYTES = LIMIT
    settings.RFP_ATTACHMENT_MAX_BYTES = LIMIT
    settings.UPLOAD_FORM_OVERHEAD_BYTES = 2048


@pytest.fixture
def contract(procurement_manager: User) -> Contract:
    today = timezone.localdate()
    return contract_create(
        by=procurement_manager,
        supplier=SupplierFactory(),
        title="Framework",
        owner=procurement_manager,
        value=Decimal("1000"),
        currency="EUR",
        start_date=today,
        end_date=today + timedelta(days=365),
        notice_period_days=30,
    )


def _big(size: int = LIMIT * 3) -> SimpleUploadedFile:
    return SimpleUploadedFile("big.pdf", PDF + b"0" * size, content_type="application/pdf")


def _token_client(user: User) -> APIClient:
    _token, key = api_token_create(user=user, name="ERP sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_the_api_refuses_an_oversized_upload_with_413_in_its_error_shape(
    procurement_manager: User, integration: User, contract: Contract
) -> None:
    session = APIClient()
    session.force_authenticate(procurement_manager)
    for client in (session, _token_client(integration), APIClient()):
        response = client.post(
            API, {"contract": contract.pk, "kind": "signed", "file": _big()}, format="multipart"
        )
        assert response.status_code == 413
        error = response.json()["error"]
        assert error["status"] == 413 and error["code"] == "payload_too_large"
        assert "4.0\xa0KB" in error["message"]
    assert not ContractDocument.objects.exists()


def test_a_claimed_2_gb_body_is_refused_before_it_is_read(
    procurement_manager: User, contract: Contract
) -> None:
    client = Client()
    client.force_login(procurement_manager)
    response = client.post(
        API,
        {"contract": contract.pk, "kind": "signed", "file": _big(10)},
        CONTENT_LENGTH=str(2 * 1024**3),
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_body_longer_than_it_says_stops_at_the_limit(
    settings: Any, procurement_manager: User, contract: Contract
) -> None:
    """A small Content-Length check passes (large overhead allowed); the handler counts."""
    settings.UPLOAD_FORM_OVERHEAD_BYTES = 10 * LIMIT
    client = APIClient()
    client.force_authenticate(procurement_manager)
    response = client.post(
        API, {"contract": contract.pk, "kind": "signed", "file": _big()}, format="multipart"
    )
    assert response.status_code == 413
    assert not ContractDocument.objects.exists()


@pytest.mark.parametrize("role", [Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER])
def test_the_page_shows_a_clear_error_for_an_oversized_document(
    make_user: Callable[..., User], contract: Contract, role: Role
) -> None:
    client = Client()
    client.force_login(make_user(role, username="uploader"))
    response = client.post(
        reverse("contracts:document_upload", args=[contract.pk]),
        {"kind": "signed", "file": _big()},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "File too large" in page and "4.0\xa0KB" in page
    assert not ContractDocument.objects.exists()


def test_a_file_within_the_limit_is_still_accepted(
    procurement_manager: User, contract: Contract
) -> None:
    client = APIClient()
    client.force_authenticate(procurement_manager)
    response = client.post(
        API,
        {"contract": contract.pk, "kind": "signed", "file": SimpleUploadedFile("s.pdf", PDF)},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
