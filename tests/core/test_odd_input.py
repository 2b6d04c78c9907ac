"""Odd input is a clear 400 in the API's error shape, never a 500: offsets and dates PostgreSQL
cannot read, JSON nested 1,000 deep, NUL characters, 1e999 and NaN, and orderings that keyset
paging cannot page (or that the list does not offer)."""

from __future__ import annotations

import json
from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db

BAD_OFFSET = "2026-01-01T00:00:00-21:08"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)  # type: ignore[no-any-return]


def list_parameters(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, parameter) for every query parameter of every list (GET without a path id)."""
    for path, operations in schema["paths"].items():
        if "get" in operations and "{" not in path:
            for parameter in operations["get"].get("parameters", []):
                if parameter["in"] == "query":
                    yield path, parameter


def paged_lists(schema: dict[str, Any]) -> list[str]:
    return sorted({path for path, p in list_parameters(schema) if p["name"] == "cursor"})


def with_format(schema: dict[str, Any], fmt: str) -> list[tuple[str, str]]:
    return [
        (path, p["name"])
        for path, p in list_parameters(schema)
        if p.get("schema", {}).get("format") == fmt
    ]


@pytest.fixture
def client_for(
    api_client: APIClient, make_user: Callable[..., User]
) -> Callable[[Role], APIClient]:
    def sign_in(role: Role) -> APIClient:
        user = make_user(role, username=f"user-{role.name.lower()}")
        _token, key = api_token_create(user=user, name="odd input")
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        api_client.raise_request_exception = False
        return api_client

    return sign_in


def fields_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert body["error"]["status"] == 400, body
    return body["error"]["fields"]  # type: ignore[no-any-return]


def post_raw(client: APIClient, url: str, body: str) -> Any:
    return client.generic("POST", url, body.encode(), content_type="application/json")


# --- Date-time and date filters ------------------------------------------------------------------


def test_seventeen_lists_take_updated_since(schema: dict[str, Any]) -> None:
    # rfp-scores joined them with its FilterSet (?rfp=).
    assert (
        len([path for path, name in with_format(schema, "date-time") if name == "updated_since"])
        == 17
    )


@pytest.mark.parametrize("role", [Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER])
def test_every_date_time_filter_refuses_an_offset_postgresql_cannot_read(
    schema: dict[str, Any], client_for: Callable[[Role], APIClient], role: Role
) -> None:
    client = client_for(role)
    filters = with_format(schema, "date-time")
    assert len(filters) > 16  # updated_since, and since, starts_after, deadline_before…

    for path, name in filters:
        response = client.get(path, {name: BAD_OFFSET})

        assert response.status_code == 400, (path, name, response.content)
        assert list(fields_of(response)) == [name]
        assert "-15:59" in fields_of(response)[name][0]


@pytest.mark.parametrize("moment", ["2026-01-01T00:00:00+15:59", "2026-01-01T00:00:00-15:59"])
def test_offsets_up_to_15_59_are_taken(
    client_for: Callable[[Role], APIClient], moment: str
) -> None:
    client = client_for(Role.INTEGRATION)
    SupplierFactory()

    response = client.get("/api/v1/suppliers/", {"updated_since": moment})

    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize("day", ["0000-01-01", "99999-01-01", "2026-02-30", "2026-01-01\x00"])
def test_every_date_filter_refuses_a_day_out_of_range(
    schema: dict[str, Any], client_for: Callable[[Role], APIClient], day: str
) -> None:
    client = client_for(Role.PROCUREMENT_MANAGER)
    filters = with_format(schema, "date")
    assert len(filters) >= 8

    for path, name in filters + with_format(schema, "date-time"):
        response = client.get(path, {name: day})

        assert response.status_code == 400, (path, name, response.content)
        assert name in fields_of(response)


def test_a_cursor_holding_an_unreadable_offset_is_refused(
    client_for: Callable[[Role], APIClient],
) -> None:
    client = client_for(Role.PROCUREMENT_MANAGER)
    cursor = {"o": ["updated_at", "id"], "p": [BAD_OFFSET, 1], "r": 0}
    encoded = urlsafe_b64encode(json.dumps(cursor).encode()).decode()

    response = client.get("/api/v1/suppliers/", {"ordering": "updated_at", "cursor": encoded})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- JSON nested too deep ------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize(
    ("role", "url"),
    [
        (Role.PROCUREMENT_MANAGER, "/api/v1/suppliers/"),
        (Role.ACCOUNT_MANAGER, "/api/v1/meetings/"),
        (Role.PROCUREMENT_MANAGER, "/api/v1/contracts/"),
        (Role.ACCOUNT_MANAGER, "/api/v1/notifications/mark-read/"),
    ],
)
def test_json_nested_deep_is_400_on_ordinary_endpoints(
    client_for: Callable[[Role], APIClient], role: Role, url: str, depth: int
) -> None:
    client = client_for(role)
    body = '{"name": ' + "[" * depth + "]" * depth + "}"

    response = post_raw(client, url, body)

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "parse_error"


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/suppliers/bulk-upsert/",
        "/api/v1/contacts/bulk-upsert/",
        "/api/v1/contracts/bulk-upsert/",
        "/api/v1/exchange-rates/bulk-upsert/",
        "/api/v1/deliveries/bulk-upsert/",
        "/api/v1/kpi-values/bulk-upsert/",
    ],
)
def test_json_nested_deep_is_400_on_bulk_upserts(
    client_for: Callable[[Role], APIClient], url: str, depth: int
) -> None:
    client = client_for(Role.INTEGRATION)
    body = '[{"external_id": "E-1", "name": ' + "[" * depth + "]" * depth + "}]"

    response = post_raw(client, url, body)

    assert response.status_code == 400, response.content


# --- NUL characters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "row", "field"),
    [
        ("/api/v1/suppliers/bulk-upsert/", {"external_id": "E-1", "name": "Ac\u0000me"}, "name"),
        (
            "/api/v1/suppliers/bulk-upsert/",
            {"external_id": "E-1", "name": "Acme", "categories": ["Steel\u0000"]},
            "categories",
        ),
        (
            "/api/v1/suppliers/bulk-upsert/",
            {"external_id": "E-\u00001", "name": "Acme"},
            "external_id",
        ),
        (
            "/api/v1/contacts/bulk-upsert/",
            {"supplier_external_id": "E-1", "email": "a@b.se", "name": "A\u0000"},
            "name",
        ),
        (
            "/api/v1/contracts/bulk-upsert/",
            {"external_id": "C-1", "title": "T\u0000", "supplier_external_id": "E-1"},
            "title",
        ),
        (
            "/api/v1/exchange-rates/bulk-upsert/",
            {"currency": "SEK", "date": "2026-01-01\u0000", "rate": "0.09"},
            "date",
        ),
        (
            "/api/v1/deliveries/bulk-upsert/",
            {"supplier_external_id": "E-1", "order_ref": "PO\u00001", "line_ref": "1"},
            "order_ref",
        ),
        (
            "/api/v1/kpi-values/bulk-upsert/",
            {"supplier_external_id": "E\u0000", "code": "otif"},
            "supplier_external_id",
        ),
    ],
)
def test_nul_in_a_bulk_row_is_named_by_row_and_field(
    client_for: Callable[[Role], APIClient], url: str, row: dict[str, Any], field: str
) -> None:
    client = client_for(Role.INTEGRATION)
    SupplierFactory(external_id="E-1")

    response = post_raw(client, url, json.dumps([row, row]))

    assert response.status_code == 400, response.content
    errors = response.json()["error"]["errors"]
    nul = [e for e in errors if "NUL" in e["message"]]
    assert {(e["row"], e["field"]) for e in nul} == {(0, field), (1, field)}


@pytest.mark.parametrize(
    ("role", "url", "body", "field"),
    [
        (Role.PROCUREMENT_MANAGER, "/api/v1/suppliers/", {"name": "Ac\u0000me"}, "name"),
        (Role.PROCUREMENT_MANAGER, "/api/v1/categories/", {"name": "\u0000"}, "name"),
        (
            Role.ACCOUNT_MANAGER,
            "/api/v1/meetings/",
            {"subject": "Q", "commitments": [{"description": "x"}, {"description": "y\u0000"}]},
            "commitments.1.description",
        ),
        (Role.PROCUREMENT_MANAGER, "/api/v1/suppliers/", {"name\u0000": "Acme"}, "name\u0000"),
        (Role.EXECUTIVE, "/api/v1/notifications/mark-read/", {"ids": ["\u0000"]}, "ids.0"),
    ],
)
def test_nul_in_an_ordinary_body_is_400_naming_the_field(
    client_for: Callable[[Role], APIClient],
    role: Role,
    url: str,
    body: dict[str, Any],
    field: str,
) -> None:
    client = client_for(role)

    response = post_raw(client, url, json.dumps(body))

    assert response.status_code == 400, response.content
    assert field in fields_of(response)


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/suppliers/", "q"),
        ("/api/v1/suppliers/", "external_id"),
        ("/api/v1/contacts/", "email"),
        ("/api/v1/meetings/", "ordering"),
        ("/api/v1/rfp-invitations/", "ordering"),
        ("/api/v1/deliveries/", "supplier_external_id"),
        ("/api/v1/suppliers/", "not_a_filter"),
    ],
)
@pytest.mark.parametrize("role", [Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER])
def test_nul_in_a_query_parameter_is_400_naming_it(
    client_for: Callable[[Role], APIClient], role: Role, url: str, name: str
) -> None:
    client = client_for(role)

    response = client.get(url, {name: "a\x00b"})

    assert response.status_code == 400, response.content
    assert name in fields_of(response)


# --- Numbers that are not finite -----------------------------------------------------------------


@pytest.mark.parametrize("number", ["1e999", "-1e999", "NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("role", "url", "body", "field"),
    [
        (
            Role.PROCUREMENT_MANAGER,
            "/api/v1/suppliers/",
            '{"name": "Acme", "annual_spend": %s}',
            "annual_spend",
        ),
        (
            Role.PROCUREMENT_MANAGER,
            "/api/v1/contracts/",
            '{"title": "T", "value": %s, "currency": "EUR"}',
            "value",
        ),
        (
            Role.ACCOUNT_MANAGER,
            "/api/v1/rfp-scores/",
            '{"rfp": 1, "invitation": 1, "criterion": 1, "value": %s}',
            "value",
        ),
    ],
)
def test_a_number_that_is_not_finite_is_400_naming_the_field(
    client_for: Callable[[Role], APIClient],
    role: Role,
    url: str,
    body: str,
    field: str,
    number: str,
) -> None:
    client = client_for(role)

    response = post_raw(client, url, body % number)

    assert response.status_code == 400, response.content
    assert field in fields_of(response)


@pytest.mark.parametrize("number", ["1e999", "-1e999", "NaN", "Infinity", '"NaN"', '"1e999"'])
@pytest.mark.parametrize(
    ("url", "row", "field"),
    [
        (
            "/api/v1/suppliers/bulk-upsert/",
            '{"external_id": "E-1", "annual_spend": %s}',
            "annual_spend",
        ),
        (
            "/api/v1/exchange-rates/bulk-upsert/",
            '{"currency": "SEK", "date": "2026-01-01", "rate": %s}',
            "rate",
        ),
        (
            "/api/v1/contracts/bulk-upsert/",
            '{"external_id": "C-1", "value": %s}',
            "value",
        ),
        (
            "/api/v1/deliveries/bulk-upsert/",
            '{"supplier_external_id": "E-1", "quantity_ordered": %s}',
            "quantity_ordered",
        ),
        (
            "/api/v1/kpi-values/bulk-upsert/",
            '{"supplier_external_id": "E-1", "value": %s}',
            "value",
        ),
    ],
)
def test_a_number_that_is_not_finite_in_a_bulk_row_is_named_by_row_and_field(
    client_for: Callable[[Role], APIClient], url: str, row: str, field: str, number: str
) -> None:
    client = client_for(Role.INTEGRATION)

    response = post_raw(client, url, "[" + row % number + "]")

    assert response.status_code == 400, response.content
    errors = response.json()["error"]["errors"]
    assert {"row": 0, "field": field} in [{"row": e["row"], "field": e["field"]} for e in errors]


# --- Orderings -----------------------------------------------------------------------------------


def ordering_values(schema: dict[str, Any], path: str) -> list[str]:
    for list_path, parameter in list_parameters(schema):
        if list_path == path and parameter["name"] == "ordering":
            return list(parameter["schema"]["items"]["enum"])
    return []


def test_every_paged_list_documents_its_allowed_orderings(schema: dict[str, Any]) -> None:
    lists = paged_lists(schema)
    assert len(lists) >= 23

    undocumented = [path for path in lists if not ordering_values(schema, path)]

    assert undocumented == []


@pytest.mark.parametrize(
    ("url", "ordering"),
    [
        ("/api/v1/rfp-invitations/", "viewed_at"),
        ("/api/v1/reviews/", "overall_score"),
        ("/api/v1/reviews/", "-overall_score"),
        ("/api/v1/suppliers/", "annual_spend"),
        ("/api/v1/meetings/", "supplier__name"),
        ("/api/v1/contacts/", "name,nonsense"),
        ("/api/v1/contracts/", "value"),
        ("/api/v1/review-templates/", "id;drop"),
    ],
)
@pytest.mark.parametrize("role", [Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER])
def test_an_ordering_the_list_does_not_offer_is_400_listing_the_allowed(
    schema: dict[str, Any],
    client_for: Callable[[Role], APIClient],
    role: Role,
    url: str,
    ordering: str,
) -> None:
    client = client_for(role)

    response = client.get(url, {"ordering": ordering})

    assert response.status_code == 400, response.content
    message = fields_of(response)["ordering"][0]
    allowed = ordering_values(schema, url)
    assert allowed
    assert all(value in message for value in allowed), message


def test_every_list_pages_by_every_allowed_ordering(
    schema: dict[str, Any], client_for: Callable[[Role], APIClient]
) -> None:
    client = client_for(Role.PROCUREMENT_MANAGER)
    SupplierFactory.create_batch(3)

    for path in paged_lists(schema):
        for ordering in ordering_values(schema, path):
            first = client.get(path, {"ordering": ordering, "page_size": 1})
            assert first.status_code == 200, (path, ordering, first.content)
            following = first.json()["next"]
            if following:
                assert client.get(following).status_code == 200, (path, ordering)
