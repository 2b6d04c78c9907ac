"""The OpenAPI schema says what the API does: JSON bodies (multipart only for a file), no list
parameters on actions, every error status with the one error shape, formats and enums true to
the data, the token scope of each operation; and odd dates in filters answer 400."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import jsonschema
import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.scopes import known_resources
from accounts.services import api_token_create
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db
METHODS = ("get", "put", "post", "patch", "delete")
LIST_PARAMETERS = {"cursor", "page_size", "ordering", "updated_since"}


@cache
def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def schema() -> dict[str, Any]:
    return _schema()


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield method, path, operation


def _is_list(method: str, path: str, operation: dict[str, Any]) -> bool:
    return method == "get" and operation["operationId"].endswith("_list")


def _validator(schema: dict[str, Any], component: str) -> Callable[[Any], None]:
    """Validates a body against a component, with the schema's references resolved."""
    document = {"$ref": f"#/components/schemas/{component}", "components": schema["components"]}
    return jsonschema.Draft4Validator(_nullable(document)).validate


def _nullable(node: Any) -> Any:
    # OpenAPI 3.0's "nullable" is JSON Schema's type [x, "null"].
    if isinstance(node, dict):
        node = {key: _nullable(value) for key, value in node.items()}
        if node.pop("nullable", False):
            return {"anyOf": [node, {"type": "null"}]}
        return node
    if isinstance(node, list):
        return [_nullable(item) for item in node]
    return node


# --- JSON only ---------------------------------------------------------------------------------


def test_request_bodies_are_json_and_multipart_only_for_a_file(schema: dict[str, Any]) -> None:
    multipart = []
    for method, path, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        media = set(operation["requestBody"]["content"])
        if media == {"multipart/form-data"}:
            multipart.append(f"{method} {path}")
        else:
            assert media == {"application/json"}, (method, path, media)
    assert multipart == ["post /api/v1/contract-documents/"]


@pytest.mark.parametrize("fmt", ["multipart", None])
def test_a_form_body_to_a_json_endpoint_is_a_415(
    api_client: APIClient, procurement_manager: User, fmt: str | None
) -> None:
    api_client.force_login(procurement_manager)
    if fmt is None:
        response = api_client.post(
            "/api/v1/suppliers/",
            "name=Acme&country=DE",
            content_type="application/x-www-form-urlencoded",
        )
    else:
        response = api_client.post("/api/v1/suppliers/", {"name": "Acme"}, format=fmt)

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    _validator(_schema(), "Error")(response.json())


def test_json_is_the_default_of_the_test_client(
    api_client: APIClient, procurement_manager: User
) -> None:
    api_client.force_login(procurement_manager)

    response = api_client.post("/api/v1/categories/", {"name": "Steel"})

    assert response.status_code == 201, response.content


def test_a_document_upload_as_json_is_a_415(
    api_client: APIClient, procurement_manager: User
) -> None:
    api_client.force_login(procurement_manager)

    response = api_client.post("/api/v1/contract-documents/", {"contract": 1}, format="json")

    assert response.status_code == 415


# --- No list parameters on actions ---------------------------------------------------------------


def test_only_lists_take_list_parameters(schema: dict[str, Any]) -> None:
    lists = 0
    for method, path, operation in _operations(schema):
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if _is_list(method, path, operation):
            lists += 1
            # The change feed pages by its own cursor, ``after``; every other list by ``cursor``.
            paging = {"after"} if path == "/api/v1/changes/" else {"cursor"}
            assert paging | {"page_size"} <= query, path
        else:
            assert not query & LIST_PARAMETERS, (method, path, query)
            if method != "get":
                assert not query, (method, path, query)
    assert lists >= 20


@pytest.mark.parametrize(
    ("path", "component"),
    [
        ("/api/v1/reviews/{id}/scores/", "post"),
        ("/api/v1/rfps/{id}/submit-scores/", "post"),
    ],
)
def test_an_action_answering_a_list_is_not_paged(
    schema: dict[str, Any], path: str, component: str
) -> None:
    answer = schema["paths"][path][component]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"]["type"] == "array"


# --- Errors -------------------------------------------------------------------------------------


def test_every_operation_documents_its_errors_with_the_one_shape(schema: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for method, path, operation in _operations(schema):
        responses = operation["responses"]
        parameters = operation.get("parameters", [])
        expected = {"401", "403", "429"}
        # An id, or a list's keyset cursor that fits no row (the change feed's ``after`` is
        # a 400 or a 410 instead).
        if any(p["in"] == "path" or p["name"] == "cursor" for p in parameters):
            expected.add("404")
        if "requestBody" in operation:
            expected |= {"400", "413", "415"}
        if any(p["in"] == "query" for p in parameters):
            expected.add("400")
        if method in ("post", "delete"):
            expected.add("409")
        if method == "post":
            expected.add("422")
        assert expected <= set(responses), (method, path, expected - set(responses))
        for status, response in responses.items():
            if status.startswith("4"):
                assert response["content"] == {"application/json": {"schema": error}}, (
                    method,
                    path,
                    status,
                )
                assert response["description"], (method, path, status)
        # Only what can happen: no body, no 413 or 415; no id and no cursor, no 404.
        if "requestBody" not in operation:
            assert not {"413", "415"} & set(responses), (method, path)
        if method == "get" and not parameters:
            assert "404" not in responses and "400" not in responses, path
    detail = schema["components"]["schemas"]["ErrorDetail"]["properties"]
    assert {"status", "code", "message", "fields", "errors"} <= set(detail)


def test_real_errors_match_the_documented_shape(
    api_client: APIClient, procurement_manager: User, integration: User
) -> None:
    validate = _validator(_schema(), "Error")
    _token, read_only = api_token_create(user=integration, name="ro", scopes=["*:read"])
    api_client.force_login(procurement_manager)
    answers = [
        api_client.post("/api/v1/suppliers/", {"name": ""}),  # 400 with fields
        api_client.post("/api/v1/suppliers/bulk-upsert/", [{"name": "x"}]),  # 400 with rows
        api_client.get("/api/v1/suppliers/999999/"),  # 404
        api_client.get("/api/v1/suppliers/", {"cursor": "nonsense"}),  # 404 stale cursor
        api_client.get("/api/v1/suppliers/", {"updated_since": "0167-08-28T02:35:12-21:08"}),
        APIClient().get("/api/v1/suppliers/"),  # 401
        APIClient().post(
            "/api/v1/suppliers/",
            {"name": "x"},
            headers={"authorization": f"Token {read_only}"},
        ),  # 403 missing_scope
    ]
    assert [a.status_code for a in answers] == [400, 400, 404, 404, 400, 401, 403]
    for answer in answers:
        validate(answer.json())
    assert "name" in answers[0].json()["error"]["fields"]
    assert answers[1].json()["error"]["errors"]


# --- Formats and enums ---------------------------------------------------------------------------


def test_me_documents_a_blank_language_and_no_manager(
    schema: dict[str, Any], api_client: APIClient, make_user: Callable[..., User]
) -> None:
    me = schema["components"]["schemas"]["Me"]["properties"]
    assert me["manager"]["nullable"] is True
    enum_refs = [option["$ref"].rsplit("/", 1)[1] for option in me["preferred_language"]["oneOf"]]
    enums = {v for name in enum_refs for v in schema["components"]["schemas"][name]["enum"]}
    assert "" in enums and "sv" in enums
    assert "format" not in me["email"]  # blank when none

    user = make_user(Role.ACCOUNT_MANAGER, email="", preferred_language="")
    api_client.force_login(user)
    body = api_client.get("/api/v1/me/").json()

    assert body["preferred_language"] == "" and body["manager"] is None
    _validator(schema, "Me")(body)


def test_a_blank_website_matches_the_documented_supplier(
    schema: dict[str, Any], api_client: APIClient, procurement_manager: User
) -> None:
    supplier = SupplierFactory(website="")
    api_client.force_login(procurement_manager)

    listed = api_client.get("/api/v1/suppliers/").json()
    detail = api_client.get(f"/api/v1/suppliers/{supplier.pk}/").json()

    assert detail["website"] == ""
    _validator(schema, "PaginatedSupplierList")(listed)
    _validator(schema, "SupplierDetail")(detail)


def test_no_format_where_a_blank_is_returned(schema: dict[str, Any]) -> None:
    """Every stored website, email and the like may be blank: none of them says uri or email,
    so that a blank value does not break the schema."""
    for name, component in schema["components"]["schemas"].items():
        for field, definition in (component.get("properties") or {}).items():
            if field in {"website", "email", "contact_email", "sent_to", "link"} and (
                definition.get("format") in ("uri", "email")
            ):
                # Left formatted only where the value is never blank.
                assert name in {"ContactBulkRowRequest", "RfpInvitationResent"} or (
                    field == "link"
                ), (name, field)


# --- Scopes ---------------------------------------------------------------------------------------


def test_every_operation_names_its_scope(schema: dict[str, Any]) -> None:
    resources = known_resources()
    for method, path, operation in _operations(schema):
        scope = operation["x-required-scope"]
        resource, _colon, access = scope.partition(":")
        assert resource in resources, (method, path, scope)
        assert access == ("read" if method == "get" else "write"), (method, path, scope)
    description = schema["components"]["securitySchemes"]["tokenAuth"]["description"]
    assert "x-required-scope" in description and "`suppliers`" in description


# --- Odd dates in filters -----------------------------------------------------------------------

ODD_MOMENTS = ["0167-08-28T02:35:12-21:08", "2026-01-01T00:00:00+25:00", "99999-01-01T00:00:00Z"]
ODD_DATES = ["99999-01-01", "0000-01-01", "2026-02-30", "2026-01-01T00:00:00-21:08"]


def _date_parameters() -> list[tuple[str, str, str]]:
    found = []
    for method, path, operation in _operations(_schema()):
        if method != "get":
            continue
        for parameter in operation.get("parameters", []):
            kind = parameter.get("schema", {}).get("format")
            if parameter["in"] == "query" and kind in ("date", "date-time"):
                found.append((path, parameter["name"], kind))
    return found


def test_the_date_filters_are_found() -> None:
    names = {name for _path, name, _kind in _date_parameters()}
    assert {"updated_since", "date_from", "deadline_after", "answered_since"} <= names


@pytest.mark.parametrize(("path", "name", "kind"), _date_parameters())
def test_an_odd_date_in_a_filter_is_a_400_naming_it(
    api_client: APIClient, make_user: Callable[..., User], path: str, name: str, kind: str
) -> None:
    api_client.force_login(make_user(Role.PROCUREMENT_MANAGER))
    for value in ODD_MOMENTS if kind == "date-time" else ODD_DATES:
        response = api_client.get(path, {name: value})
        assert response.status_code == 400, (path, name, value, response.content)
        assert name in response.json()["error"]["fields"], (path, name, value)


def test_every_parameter_in_a_path_is_documented(schema: dict[str, Any]) -> None:
    for method, path, operation in _operations(schema):
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{(\w+)\}", path)), (method, path)


def test_a_detail_route_ignores_the_list_parameters(
    api_client: APIClient, procurement_manager: User
) -> None:
    """The list's filters, ordering and paging are not parameters of a detail route or an
    action: they neither narrow the object away nor fail on a value the list would refuse."""
    supplier = SupplierFactory(status="active")
    api_client.force_login(procurement_manager)

    for params in ({"status": "prospect"}, {"ordering": "bogus"}, {"cursor": "x"}, {"q": "\x00"}):
        response = api_client.get(f"/api/v1/suppliers/{supplier.pk}/", params)
        assert response.status_code == 200, (params, response.content)


def test_an_operation_with_a_change_cursor_documents_its_expiry() -> None:
    """The change feed's cursors (``after``, ``changes_after``) can be too old: 410."""
    from core.api.schema import document_errors

    cursor = {"name": "changes_after", "in": "query", "schema": {"type": "string"}}
    result = {
        "paths": {
            "/api/v1/things/": {
                "get": {"parameters": [cursor], "responses": {"200": {}}},
                "post": {"responses": {"201": {}}},
            }
        }
    }

    document_errors(result)

    listing, creating = result["paths"]["/api/v1/things/"].values()
    assert {"400", "410"} <= set(listing["responses"])
    assert "410" not in creating["responses"]
    assert "cursor_expired" in listing["responses"]["410"]["description"]
