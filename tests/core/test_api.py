"""The API skeleton: /api/v1/, the caller, one error shape, the role check and the schema."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts.models import User
from accounts.roles import Capability
from core.exceptions import DomainError

pytestmark = pytest.mark.django_db


def test_me_returns_the_caller_and_their_roles(
    api_client: APIClient, account_manager: User, procurement_manager: User
) -> None:
    account_manager.manager = procurement_manager
    account_manager.save()
    api_client.force_login(account_manager)

    body = api_client.get("/api/v1/me/").json()

    assert body["username"] == "alice"
    assert body["roles"] == ["Account manager"]
    assert "manage_own_suppliers" in body["capabilities"]
    assert "manage_portfolio" not in body["capabilities"]
    assert body["manager"] == {
        "id": procurement_manager.pk,
        "username": "procurement",
        "name": procurement_manager.name,
    }


def test_anonymous_caller_gets_401_in_the_error_shape(api_client: APIClient) -> None:
    response = api_client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "status": 401,
            "code": "not_authenticated",
            "message": "Authentication credentials were not provided.",
        }
    }


def test_unknown_api_url_gets_404_in_the_error_shape(
    api_client: APIClient, account_manager: User
) -> None:
    api_client.force_login(account_manager)

    response = api_client.get("/api/v1/no-such-thing/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_wrong_method_gets_405_in_the_error_shape(
    api_client: APIClient, account_manager: User
) -> None:
    api_client.force_login(account_manager)

    response = api_client.delete("/api/v1/me/")

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


class _Probe(APIView):
    """An endpoint that reads, or writes and raises whatever the test asks for."""

    required_capability = Capability.VIEW_PORTFOLIO

    def get(self, request: Request) -> Response:
        return Response({"ok": True})

    def post(self, request: Request) -> Response:
        error = request.data.get("raise")
        if error == "validation":
            raise ValidationError({"name": ["This field is required."]})
        if error == "domain":
            raise DomainError("The supplier is offboarded.", code="supplier_offboarded")
        return Response({"ok": True}, status=201)


class _PortfolioProbe(_Probe):
    required_capability = Capability.MANAGE_PORTFOLIO


def call_probe(
    user: User, method: str = "post", data: Any = None, view: type[APIView] = _Probe
) -> Response:
    request = getattr(APIRequestFactory(), method)("/api/v1/probe/", data or {}, format="json")
    force_authenticate(request, user=user)
    return view.as_view()(request)


def test_malformed_json_gets_400_in_the_error_shape(procurement_manager: User) -> None:
    request = APIRequestFactory().generic(
        "POST", "/api/v1/probe/", "{not json", content_type="application/json"
    )
    force_authenticate(request, user=procurement_manager)

    response = _Probe.as_view()(request)

    assert response.status_code == 400
    assert response.data["error"]["code"] == "parse_error"


def test_service_validation_errors_list_every_field(procurement_manager: User) -> None:
    response = call_probe(procurement_manager, data={"raise": "validation"})

    assert response.status_code == 400
    assert response.data["error"]["code"] == "invalid"
    assert response.data["error"]["fields"] == {"name": ["This field is required."]}


def test_domain_errors_keep_their_code(procurement_manager: User) -> None:
    response = call_probe(procurement_manager, data={"raise": "domain"})

    assert response.status_code == 409
    assert response.data["error"] == {
        "status": 409,
        "code": "supplier_offboarded",
        "message": "The supplier is offboarded.",
    }


def test_executive_reads_but_cannot_write(executive: User) -> None:
    assert call_probe(executive, method="get").status_code == 200
    response = call_probe(executive)
    assert response.status_code == 403
    assert response.data["error"]["code"] == "permission_denied"


def test_a_view_names_the_capability_it_needs(
    account_manager: User, procurement_manager: User
) -> None:
    assert call_probe(account_manager, method="get").status_code == 200
    assert call_probe(account_manager, method="get", view=_PortfolioProbe).status_code == 403
    assert call_probe(procurement_manager, view=_PortfolioProbe).status_code == 201


def test_a_user_without_a_role_may_not_use_the_api(make_user: Callable[..., User]) -> None:
    assert call_probe(make_user(), method="get").status_code == 403


def test_schema_is_complete_and_valid() -> None:
    out = StringIO()

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)

    assert "/api/v1/me/" in out.getvalue()
    assert "tokenAuth" in out.getvalue()


def test_schema_and_docs_are_served(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", headers={"accept": "application/json"})
    docs = api_client.get("/api/docs/")

    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert docs.status_code == 200


def test_the_api_root_lists_every_resource(api_client: APIClient, account_manager: User) -> None:
    api_client.force_login(account_manager)

    body = api_client.get("/api/v1/").json()

    for name in ["me", "suppliers", "contacts", "categories", "key-account-owners", "meetings"]:
        assert api_client.get(body[name]).status_code == 200, name
