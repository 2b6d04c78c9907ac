"""Deactivating a user, in the admin or by any save, revokes their API tokens and ends their
sessions at once; a password change ends the other sessions but keeps API tokens."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import APIToken, User
from accounts.roles import Role
from accounts.services import api_token_create

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
HOME = reverse("core:home")


def _token_client(user: User) -> tuple[APIClient, APIToken]:
    token, key = api_token_create(user=user, name="ERP sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/me/").status_code == 200
    return client, token


def _signed_in(user: User) -> Client:
    client = Client()
    assert (
        client.post(
            reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
        ).status_code
        == 302
    )
    assert client.get(HOME).status_code == 200
    return client


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMINISTRATOR, username="admin", is_staff=True, is_superuser=True)


def _deactivate_in_admin(administrator: User, user: User) -> None:
    admin = Client()
    admin.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[user.pk])
    form = admin.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"password", "groups", "user_permissions"}
    }
    data.update(
        {
            "is_active": "",
            "groups": [group.pk for group in user.groups.all()],
            "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        }
    )
    if user.last_login:
        data["last_login_0"] = user.last_login.strftime("%Y-%m-%d")
        data["last_login_1"] = user.last_login.strftime("%H:%M:%S")
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_active is False


@pytest.mark.parametrize(
    "role", [Role.INTEGRATION, Role.ACCOUNT_MANAGER, Role.PROCUREMENT_MANAGER, Role.EXECUTIVE]
)
def test_deactivating_in_the_admin_revokes_tokens_and_ends_sessions(
    make_user: Callable[..., User], administrator: User, role: Role
) -> None:
    user = make_user(role, username="leaver")
    api, token = _token_client(user)
    pages = _signed_in(user) if role != Role.INTEGRATION else None
    bystander = make_user(Role.ACCOUNT_MANAGER, username="stays")
    bystander_pages = _signed_in(bystander)
    bystander_api, bystander_token = _token_client(bystander)

    _deactivate_in_admin(administrator, user)

    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/me/").status_code == 401
    if pages is not None:
        assert pages.get(HOME).status_code == 302
    assert all(s.get_decoded().get("_auth_user_id") != str(user.pk) for s in Session.objects.all())
    # Nobody else loses anything.
    assert bystander_pages.get(HOME).status_code == 200
    assert bystander_api.get("/api/v1/me/").status_code == 200
    bystander_token.refresh_from_db()
    assert bystander_token.revoked_at is None


def test_deactivating_by_any_save_ends_access(make_user: Callable[..., User]) -> None:
    user = make_user(Role.ACCOUNT_MANAGER, username="leaver")
    api, _token = _token_client(user)
    pages = _signed_in(user)

    user.is_active = False
    user.save()

    assert api.get("/api/v1/me/").status_code == 401
    assert pages.get(HOME).status_code == 302
    assert not APIToken.objects.filter(user=user, revoked_at__isnull=True).exists()


def test_saving_an_active_user_keeps_their_tokens_and_sessions(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.ACCOUNT_MANAGER, username="stays")
    api, _token = _token_client(user)
    pages = _signed_in(user)

    user.first_name = "Renamed"
    user.save()

    assert api.get("/api/v1/me/").status_code == 200
    assert pages.get(HOME).status_code == 200


def test_a_password_change_ends_other_sessions_but_keeps_api_tokens(
    make_user: Callable[..., User],
) -> None:
    user = make_user(Role.PROCUREMENT_MANAGER, username="changer")
    api, _token = _token_client(user)
    other_device = _signed_in(user)
    this_device = _signed_in(user)

    response = this_device.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-passphrase-42",
            "new_password2": "a-new-passphrase-42",
        },
    )

    assert response.status_code == 302
    assert this_device.get(HOME).status_code == 200
    assert other_device.get(HOME).status_code == 302
    assert api.get("/api/v1/me/").status_code == 200
