"""Interface plumbing in core: paging and sort links of list pages, a service's errors on a
form, the base FilterSet and the base API viewset."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.test import RequestFactory
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from core.api.views import ApiViewSet, ModelApiViewSet, ReadOnlyApiViewSet
from core.exceptions import DomainError
from core.filtersets import FilterSet
from core.forms import apply_errors
from core.pages import paginate, sort_links
from suppliers.api.views import SupplierViewSet
from suppliers.filtersets import SupplierFilterSet
from suppliers.models import Supplier
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db


def test_page_links_keep_the_other_query_parameters() -> None:
    SupplierFactory.create_batch(5)
    request = RequestFactory().get("/suppliers/", {"segment": "strategic", "page": "2"})

    page = paginate(request, Supplier.objects.order_by("name"), per_page=2)

    assert page.number == 2
    assert [link.label for link in page.links] == ["1", "2", "3"]
    assert [link.current for link in page.links] == [False, True, False]
    assert page.links[0].url == "?segment=strategic&page=1"
    assert page.previous_url == "?segment=strategic&page=1"
    assert page.next_url == "?segment=strategic&page=3"


def test_a_page_past_the_end_or_not_a_number_is_the_last_or_first() -> None:
    SupplierFactory.create_batch(3)
    rows = Supplier.objects.order_by("name")
    factory = RequestFactory()

    assert paginate(factory.get("/", {"page": "99"}), rows, per_page=2).number == 2
    assert paginate(factory.get("/", {"page": "x\x00"}), rows, per_page=2).number == 1


def test_rows_with_equal_sort_keys_show_on_exactly_one_page() -> None:
    SupplierFactory.create_batch(7, name="Same")
    rows = Supplier.objects.order_by("name")
    factory = RequestFactory()

    seen = [
        supplier.pk
        for number in (1, 2, 3, 4)
        for supplier in paginate(factory.get("/", {"page": str(number)}), rows, per_page=2)
    ]

    assert sorted(seen) == sorted(Supplier.objects.values_list("pk", flat=True))


def test_sort_links_reverse_the_current_column_and_go_back_to_page_one() -> None:
    request = RequestFactory().get("/", {"ordering": "country", "page": "3", "q": "a"})

    links = sort_links(request, allowed=("name", "country"), default="name")

    assert links["country"].direction == "ascending"
    assert links["country"].url == "?ordering=-country&q=a"
    assert links["name"].direction == "none"
    assert links["name"].url == "?ordering=name&q=a"
    default = sort_links(RequestFactory().get("/"), allowed=("name",), default="name")
    assert default["name"].direction == "ascending"
    assert default["name"].url == "?ordering=-name"


class _Form(forms.Form):
    name = forms.CharField(required=False)


class _RowForm(forms.Form):
    owner = forms.CharField(required=False)


def _bound(form_class: type[forms.Form] = _Form) -> forms.Form:
    form = form_class(data={})
    assert form.is_valid()
    return form


def test_apply_errors_puts_each_message_beside_its_field_and_the_rest_above() -> None:
    form = _bound()

    apply_errors(form, ValidationError({"name": "Taken.", "vat_number": "Not yours."}))

    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not yours."]


def test_apply_errors_shows_a_domain_error_and_a_plain_validation_error_above() -> None:
    form = _bound()

    apply_errors(form, DomainError("The RFP is closed.", code="rfp_closed"))
    apply_errors(form, ValidationError("Nothing to save."))

    assert form.non_field_errors() == ["The RFP is closed.", "Nothing to save."]


def test_apply_errors_finds_the_row_a_key_names() -> None:
    form, rows = _bound(), [_bound(_RowForm), _bound(_RowForm)]

    apply_errors(
        form,
        ValidationError({"commitments.1.owner": "Choose someone.", "commitments.7.owner": "?"}),
        rows={"commitments": rows},
    )

    assert rows[1].errors["owner"] == ["Choose someone."]
    assert not rows[0].errors
    assert form.non_field_errors() == ["?"]  # no such row: above the form


def test_filterset_refuses_nul_naming_the_parameter_and_takes_the_caller(
    procurement_manager: User,
) -> None:
    filterset = SupplierFilterSet({"q": "a\x00b"}, user=procurement_manager)

    assert not filterset.is_valid()
    assert "q" in filterset.errors
    assert filterset.user == procurement_manager
    assert issubclass(SupplierFilterSet, FilterSet)


def test_filterset_filters_by_updated_since() -> None:
    old, new = SupplierFactory(), SupplierFactory()
    Supplier.objects.filter(pk=old.pk).update(updated_at="2020-01-01T00:00:00Z")

    rows = SupplierFilterSet({"updated_since": "2021-01-01T00:00:00Z"}).qs

    assert list(rows) == [new]


def test_api_filter_with_nul_is_a_400_naming_it(
    api_client: APIClient, procurement_manager: User
) -> None:
    api_client.force_login(procurement_manager)

    response = api_client.get("/api/v1/suppliers/", {"updated_since": "2021\x00"})

    assert response.status_code == 400
    assert "updated_since" in response.json()["error"]["fields"]


def test_api_viewset_reads_through_its_selector_with_the_caller(
    make_user: Callable[..., User],
) -> None:
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice")
    SupplierFactory()
    calls: list[Any] = []

    def selector(*, user: Any) -> QuerySet[Supplier]:
        calls.append(user)
        return Supplier.objects.none()

    class Probe(ReadOnlyApiViewSet[Supplier]):
        pass

    Probe.selector = selector
    view = Probe()
    view.request = RequestFactory().get("/")
    view.request.user = alice  # type: ignore[attr-defined]

    assert list(view.get_queryset()) == []
    assert calls == [alice]
    assert issubclass(SupplierViewSet, ModelApiViewSet)
    assert issubclass(ModelApiViewSet, ApiViewSet) and issubclass(ReadOnlyApiViewSet, ApiViewSet)
