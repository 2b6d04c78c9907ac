"""API tokens: created and shown once, stored hashed, used, revoked, refused when wrong."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import APIToken, User
from accounts.roles import Role
from accounts.services import api_token_create, api_token_revoke
from accounts.throttling import APITokenRateThrottle

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/"


def test_created_token_authenticates_and_records_its_use(
    api_client: APIClient, integration: User
) -> None:
    token, key = api_token_create(user=integration, name="ERP sync")
    assert token.last_used_at is None

    response = api_client.get(ME, headers={"authorization": f"Token {key}"})

    assert response.status_code == 200
    assert response.json()["username"] == "erp"
    assert response.json()["roles"] == ["Integration"]
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_token_is_stored_only_as_a_hash(integration: User) -> None:
    token, key = api_token_create(user=integration, name="ERP sync")

    stored = APIToken.objects.get(pk=token.pk)
    assert key not in {stored.key_hash, stored.prefix, stored.name}
    assert key.startswith(stored.prefix)
    assert len(stored.key_hash) == 64


def test_revoked_token_is_refused(api_client: APIClient, integration: User) -> None:
    token, key = api_token_create(user=integration, name="ERP sync")
    api_token_revoke(token=token)

    response = api_client.get(ME, headers={"authorization": f"Token {key}"})

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_revoking_twice_keeps_the_first_time(integration: User) -> None:
    token, _key = api_token_create(user=integration, name="ERP sync")
    first = api_token_revoke(token=token).revoked_at

    assert api_token_revoke(token=token).revoked_at == first


@pytest.mark.parametrize(
    "header",
    [
        "Token srm_not-a-real-token",
        "Token not-even-our-format",
        "Token",
        "Token two parts",
        "Token " + "x" * 5000,
    ],
)
def test_wrong_tokens_are_refused(api_client: APIClient, integration: User, header: str) -> None:
    api_token_create(user=integration, name="ERP sync")

    response = api_client.get(ME, headers={"authorization": header})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert set(response.json()["error"]) == {"status", "code", "message"}


def test_token_of_an_inactive_user_is_refused(api_client: APIClient, integration: User) -> None:
    _token, key = api_token_create(user=integration, name="ERP sync")
    integration.is_active = False
    integration.save()

    assert api_client.get(ME, headers={"authorization": f"Token {key}"}).status_code == 401


def test_token_names_are_unique_per_user_while_active(integration: User) -> None:
    token, _key = api_token_create(user=integration, name="ERP sync")
    with pytest.raises(ValidationError) as error:
        api_token_create(user=integration, name="ERP sync")
    assert "name" in error.value.message_dict

    api_token_revoke(token=token)
    api_token_create(user=integration, name="ERP sync")  # the name is free again


def test_token_needs_a_name_and_a_user_who_may_use_the_api(
    make_user: Callable[..., User],
) -> None:
    with pytest.raises(ValidationError):
        api_token_create(user=make_user(Role.INTEGRATION), name="  ")
    with pytest.raises(ValidationError) as error:
        api_token_create(user=make_user(), name="no role")
    assert "user" in error.value.message_dict


def test_create_api_token_command_prints_a_working_token(
    api_client: APIClient, integration: User
) -> None:
    out, err = StringIO(), StringIO()

    call_command("create_api_token", "erp", "--name", "ERP sync", stdout=out, stderr=err)

    key = out.getvalue().strip()
    assert "not shown again" in err.getvalue()
    assert api_client.get(ME, headers={"authorization": f"Token {key}"}).status_code == 200


def test_create_api_token_command_reports_bad_input(integration: User) -> None:
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        call_command("create_api_token", "nobody", "--name", "x")
    call_command("create_api_token", "erp", "--name", "ERP sync", stdout=StringIO())
    with pytest.raises(CommandError, match="already has an active token"):
        call_command("create_api_token", "erp", "--name", "ERP sync")


def test_admin_creates_a_token_and_shows_it_once(
    client: Client, make_user: Callable[..., User], integration: User
) -> None:
    client.force_login(make_user(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:accounts_apitoken_add"),
        {"user": integration.pk, "name": "ERP sync"},
        follow=True,
    )

    token = APIToken.objects.get(user=integration)
    messages = [str(m) for m in response.context["messages"]]
    assert any("will not be shown again" in m and token.prefix in m for m in messages)
    detail = client.get(reverse("admin:accounts_apitoken_change", args=[token.pk]))
    assert token.key_hash not in detail.content.decode()


def test_admin_revokes_tokens(
    client: Client, make_user: Callable[..., User], integration: User
) -> None:
    token, _key = api_token_create(user=integration, name="ERP sync")
    client.force_login(make_user(is_staff=True, is_superuser=True))

    client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_clients_are_throttled(
    api_client: APIClient, integration: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(APITokenRateThrottle, "THROTTLE_RATES", {"api_token": "3/minute"})
    _token, key = api_token_create(user=integration, name="ERP sync")
    headers = {"authorization": f"Token {key}"}

    statuses = [api_client.get(ME, headers=headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    throttled = api_client.get(ME, headers=headers)
    assert throttled.json()["error"]["code"] == "throttled"
    assert "Retry-After" in throttled


def test_browser_sessions_are_not_throttled(
    api_client: APIClient, account_manager: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(APITokenRateThrottle, "THROTTLE_RATES", {"api_token": "1/minute"})
    api_client.force_login(account_manager)

    assert [api_client.get(ME).status_code for _ in range(3)] == [200, 200, 200]


def test_a_token_call_reads_token_user_and_roles_in_one_query(
    api_client: APIClient,
    integration: User,
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    from accounts.models import APIToken

    _token, key = api_token_create(user=integration, name="ERP sync")
    api_client.get(ME, headers={"authorization": f"Token {key}"})  # records last use

    # 1: token, user and roles together; 2 at most: the manager, when there is one.
    with django_assert_max_num_queries(2):  # type: ignore[operator]
        response = api_client.get(ME, headers={"authorization": f"Token {key}"})

    assert response.json()["roles"] == ["Integration"]
    assert APIToken.objects.count() == 1
