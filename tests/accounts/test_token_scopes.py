"""Token scopes: a token reads or writes only the resources its scopes name, within what its
user's role allows; the command and the admin set them; bad scopes are refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import APIToken, User
from accounts.scopes import allows, known_resources, parse_scopes, required_scope
from accounts.services import api_token_create, api_token_set_scopes
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db
SUPPLIERS = "/api/v1/suppliers/"
BULK = "/api/v1/suppliers/bulk-upsert/"


def _auth(key: str) -> dict[str, str]:
    return {"authorization": f"Token {key}"}


def _row(external_id: str) -> dict[str, Any]:
    return {"external_id": external_id, "name": f"Supplier {external_id}", "country": "DE"}


def _refused(response: Any, scope: str) -> None:
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "missing_scope"
    assert scope in error["message"]


def test_a_new_token_may_do_everything_its_role_allows(
    api_client: APIClient, integration: User
) -> None:
    token, key = api_token_create(user=integration, name="ERP")

    assert token.scopes == ["*:write"]
    assert api_client.get(SUPPLIERS, headers=_auth(key)).status_code == 200
    response = api_client.post(BULK, [_row("E-1")], format="json", headers=_auth(key))
    assert response.status_code == 200, response.content


def test_a_read_only_token_reads_and_cannot_write(
    api_client: APIClient, procurement_manager: User
) -> None:
    supplier = SupplierFactory()
    _token, key = api_token_create(user=procurement_manager, name="BI", scopes=["*:read"])

    assert api_client.get(SUPPLIERS, headers=_auth(key)).status_code == 200
    assert api_client.get(f"{SUPPLIERS}{supplier.pk}/", headers=_auth(key)).status_code == 200
    assert api_client.get("/api/v1/contracts/", headers=_auth(key)).status_code == 200

    _refused(
        api_client.post(SUPPLIERS, {"name": "X"}, format="json", headers=_auth(key)),
        "suppliers:write",
    )
    _refused(
        api_client.patch(
            f"{SUPPLIERS}{supplier.pk}/", {"name": "Y"}, format="json", headers=_auth(key)
        ),
        "suppliers:write",
    )
    _refused(api_client.delete(f"{SUPPLIERS}{supplier.pk}/", headers=_auth(key)), "suppliers:write")
    supplier.refresh_from_db()
    assert supplier.name != "Y"


def test_a_limited_token_writes_and_reads_only_what_it_names(
    api_client: APIClient, integration: User
) -> None:
    _token, key = api_token_create(
        user=integration, name="ERP", scopes="suppliers:write,contracts:write,reviews:read"
    )

    response = api_client.post(BULK, [_row("E-2")], format="json", headers=_auth(key))
    assert response.status_code == 200, response.content
    assert api_client.get(SUPPLIERS, headers=_auth(key)).status_code == 200
    assert api_client.get("/api/v1/contracts/", headers=_auth(key)).status_code == 200
    assert api_client.get("/api/v1/reviews/", headers=_auth(key)).status_code == 200

    _refused(api_client.get("/api/v1/meetings/", headers=_auth(key)), "meetings:read")
    _refused(
        api_client.post("/api/v1/deliveries/bulk-upsert/", [], format="json", headers=_auth(key)),
        "deliveries:write",
    )
    _refused(
        api_client.post("/api/v1/reviews/1/submit/", {}, format="json", headers=_auth(key)),
        "reviews:write",
    )


def test_scopes_never_widen_the_role(api_client: APIClient, executive: User) -> None:
    """An executive reads only; a token with every scope does not change that."""
    _token, key = api_token_create(user=executive, name="reader", scopes=["*:write"])

    response = api_client.post(BULK, [_row("E-3")], format="json", headers=_auth(key))

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_any_token_reads_its_own_user(api_client: APIClient, integration: User) -> None:
    _token, key = api_token_create(user=integration, name="ERP", scopes=["reports:read"])

    assert api_client.get("/api/v1/me/", headers=_auth(key)).json()["username"] == "erp"


def test_changed_scopes_apply_to_the_next_request(api_client: APIClient, integration: User) -> None:
    token, key = api_token_create(user=integration, name="ERP")
    assert api_client.get(SUPPLIERS, headers=_auth(key)).status_code == 200

    api_token_set_scopes(token=token, scopes=["contracts:read"])

    _refused(api_client.get(SUPPLIERS, headers=_auth(key)), "suppliers:read")


def test_a_session_is_not_limited_by_scopes(
    api_client: APIClient, procurement_manager: User
) -> None:
    api_token_create(user=procurement_manager, name="BI", scopes=["*:read"])
    api_client.force_login(procurement_manager)

    response = api_client.post(BULK, [_row("E-4")], format="json")

    assert response.status_code == 200, response.content


def test_a_view_without_a_token_scope_needs_the_full_scope() -> None:
    class Unscoped:
        pass

    needed = required_scope(Unscoped(), "GET")

    assert needed == "*:write"
    assert allows(["*:write"], needed)
    assert not allows(["*:read"], needed)
    assert not allows(["suppliers:write", "contracts:write"], needed)


def _operations() -> list[tuple[str, str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            found.append((method, path, operation["x-required-scope"]))
    return found


def test_every_operation_refuses_a_token_without_the_scope_it_documents(
    api_client: APIClient, procurement_manager: User, make_user: Callable[..., User]
) -> None:
    """Each operation of the schema, called with a token that lacks its documented
    ``x-required-scope`` (but has every other resource's), is refused before anything runs;
    with the scope, it is not refused for its scope."""
    operations = _operations()
    assert len(operations) >= 100
    resources = sorted(known_resources())
    keys: dict[str, str] = {}
    for method, path, needed in operations:
        resource, _colon, access = needed.partition(":")
        if resource == "me":
            continue
        others = [f"{other}:write" for other in resources if other != resource]
        if needed not in keys:
            keys[needed] = api_token_create(
                user=procurement_manager,
                name=f"without {needed}",
                scopes=[*others, *([f"{resource}:read"] if access == "write" else [])],
            )[1]
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = getattr(api_client, method)(url, {}, format="json", headers=_auth(keys[needed]))
        assert response.status_code == 403, (method, path)
        assert response.json()["error"]["code"] == "missing_scope", (method, path)
        assert needed in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "scopes",
    ["suppliers", "suppliers:admin", "frobs:read", ":read", "suppliers:read:write", " , ", ""],
)
def test_bad_scope_strings_are_refused(integration: User, scopes: str) -> None:
    with pytest.raises(ValidationError) as raised:
        api_token_create(user=integration, name="ERP", scopes=scopes)

    assert "scopes" in raised.value.message_dict
    assert not APIToken.objects.exists()


def test_scopes_are_normalised() -> None:
    assert parse_scopes(" Suppliers:WRITE, reviews:read,suppliers:write ") == [
        "reviews:read",
        "suppliers:write",
    ]
    assert {"suppliers", "contracts", "reviews", "meetings", "deliveries"} <= known_resources()


def _command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_command_creates_limited_and_read_only_tokens(
    api_client: APIClient, integration: User
) -> None:
    key, said = _command(
        "erp", "--name", "ERP", "--scopes", "suppliers:write,contracts:write,reviews:read"
    )
    assert "contracts:write,reviews:read,suppliers:write" in said
    assert APIToken.objects.get(name="ERP").scopes == [
        "contracts:write",
        "reviews:read",
        "suppliers:write",
    ]
    _refused(api_client.get("/api/v1/meetings/", headers=_auth(key)), "meetings:read")

    read_key, _said = _command("erp", "--name", "BI", "--read-only")
    assert APIToken.objects.get(name="BI").scopes == ["*:read"]
    _refused(
        api_client.post(BULK, [_row("E-5")], format="json", headers=_auth(read_key)),
        "suppliers:write",
    )

    _command("erp", "--name", "Everything")
    assert APIToken.objects.get(name="Everything").scopes == ["*:write"]


@pytest.mark.parametrize(
    "args",
    [
        ["--scopes", "suppliers:admin"],
        ["--scopes", "nothing:read"],
        ["--scopes", "suppliers:read", "--read-only"],
    ],
)
def test_the_command_refuses_bad_scopes(integration: User, args: list[str]) -> None:
    with pytest.raises(CommandError):
        _command("erp", "--name", "ERP", *args)

    assert not APIToken.objects.exists()


@pytest.fixture
def admin_client(client: Client, make_user: Callable[..., User]) -> Client:
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_the_admin_creates_a_token_with_scopes_and_edits_them(
    admin_client: Client, integration: User
) -> None:
    admin_client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": integration.pk, "name": "ERP", "scopes": "suppliers:write, reviews:read"},
    )
    token = APIToken.objects.get(user=integration)
    assert token.scopes == ["reviews:read", "suppliers:write"]
    page = admin_client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert "reviews:read, suppliers:write" in page.content.decode()

    admin_client.post(
        reverse("admin:accounts_apitoken_change", args=[token.pk]), {"scopes": "*:read"}
    )

    token.refresh_from_db()
    assert token.scopes == ["*:read"]
    assert token.name == "ERP"


def test_the_admin_refuses_bad_scopes(admin_client: Client, integration: User) -> None:
    response = admin_client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": integration.pk, "name": "ERP", "scopes": "suppliers:admin"},
    )
    assert response.status_code == 200
    assert "read or &lt;resource&gt;:write" in response.content.decode()
    assert not APIToken.objects.exists()

    token, _key = api_token_create(user=integration, name="ERP", scopes=["suppliers:read"])
    response = admin_client.post(
        reverse("admin:accounts_apitoken_change", args=[token.pk]), {"scopes": "frobs:write"}
    )
    assert response.status_code == 200
    assert "no such resource" in response.content.decode()
    response = admin_client.post(
        reverse("admin:accounts_apitoken_change", args=[token.pk]), {"scopes": ""}
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.scopes == ["suppliers:read"]


def test_any_token_reads_the_api_root(api_client: APIClient, integration: User) -> None:
    _token, key = api_token_create(user=integration, name="ERP", scopes=["deliveries:write"])

    response = api_client.get("/api/v1/", headers=_auth(key))

    assert response.status_code == 200
    assert response.json()["suppliers"].endswith("/api/v1/suppliers/")
