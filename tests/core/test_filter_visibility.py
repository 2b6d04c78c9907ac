"""Every API filter by supplier or category offers only what the caller may see: the choices
come from the visibility selectors (core.filtersets.FilterSet.visible_choices), so an id the
caller may not see is refused like one that does not exist, and narrowing visibility later
narrows every filter with it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

import suppliers.selectors
from accounts.models import User
from suppliers.models import Category, Supplier
from tests.factories import CategoryFactory, SupplierFactory

pytestmark = pytest.mark.django_db

BY_SUPPLIER = [
    "/api/v1/contracts/",
    "/api/v1/meetings/",
    "/api/v1/commitments/",
    "/api/v1/reviews/",
    "/api/v1/corrective-action-plans/",
    "/api/v1/deliveries/",
    "/api/v1/kpi-values/",
    "/api/v1/contacts/",
    "/api/v1/key-account-owners/",
    "/api/v1/escalations/",
]
BY_CATEGORY = ["/api/v1/suppliers/", "/api/v1/contracts/", "/api/v1/reviews/", "/api/v1/rfps/"]


@pytest.fixture
def reader(procurement_manager: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(procurement_manager)
    return client


@pytest.mark.parametrize("url", BY_SUPPLIER)
def test_a_supplier_the_caller_may_not_see_is_refused_as_a_filter(
    url: str, reader: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown, hidden = SupplierFactory(), SupplierFactory()
    monkeypatch.setattr(
        suppliers.selectors,
        "supplier_visible",
        lambda *, user: Supplier.objects.exclude(pk=hidden.pk),
    )

    assert reader.get(url, {"supplier": shown.pk}).status_code == 200
    refused = reader.get(url, {"supplier": hidden.pk})
    assert refused.status_code == 400, url
    assert "supplier" in refused.json()["error"]["fields"]


@pytest.mark.parametrize("url", BY_CATEGORY)
def test_a_category_the_caller_may_not_see_is_refused_as_a_filter(
    url: str, reader: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown, hidden = CategoryFactory(), CategoryFactory()
    monkeypatch.setattr(
        suppliers.selectors,
        "category_list",
        lambda *, user: Category.objects.exclude(pk=hidden.pk),
    )

    assert reader.get(url, {"category": shown.pk}).status_code == 200
    assert reader.get(url, {"category": hidden.pk}).status_code == 400, url
