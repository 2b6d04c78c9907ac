"""Sign-in, sign-out, password change, idle sessions, lockout and the language switcher."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
LOGIN = reverse("accounts:login")
HOME = reverse("core:home")


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):  # type: ignore[no-untyped-def]
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_anonymous_visitor_is_sent_to_sign_in(client: Client) -> None:
    response = client.get(HOME)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={HOME}"


def test_procurement_manager_signs_in_and_sees_home(
    client: Client, procurement_manager: User
) -> None:
    response = sign_in(client, "procurement")
    assert response.status_code == 302
    assert response["Location"] == HOME

    page = client.get(HOME)

    assert page.status_code == 200
    assert procurement_manager.name in page.content.decode()
    assert "Procurement manager" in page.content.decode()


def test_wrong_password_shows_an_error_and_keeps_the_username(
    client: Client, account_manager: User
) -> None:
    response = sign_in(client, "alice", "wrong")

    assert response.status_code == 200
    content = response.content.decode()
    assert "Please enter a correct username and password" in content
    assert 'value="alice"' in content
    assert "_auth_user_id" not in client.session


def _answer(response: object) -> tuple[int, str]:
    """The status and the form's errors of a sign-in answer, without the typed username."""
    form = response.context["form"]  # type: ignore[attr-defined]
    return response.status_code, str(form.non_field_errors())  # type: ignore[attr-defined]


def test_integration_account_s_right_password_gets_the_wrong_password_answer(
    client: Client, integration: User, account_manager: User
) -> None:
    """The sign-in page must not confirm an API-only account's password."""
    right = sign_in(client, "erp")
    wrong = sign_in(Client(), "erp", "wrong")
    someone_wrong = sign_in(Client(), "alice", "wrong")

    assert _answer(right) == _answer(wrong) == _answer(someone_wrong)
    assert right.status_code == 200
    assert "Please enter a correct username and password" in right.content.decode()
    assert "API" not in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_integration_account_s_right_password_counts_as_a_failed_sign_in(
    client: Client, integration: User, settings: object
) -> None:
    limit = settings.AXES_FAILURE_LIMIT  # type: ignore[attr-defined]
    for _attempt in range(limit - 1):
        assert sign_in(client, "erp").status_code == 200
    assert sign_in(client, "erp").status_code == 429  # locked out, as after wrong passwords
    assert "_auth_user_id" not in client.session


def test_integration_account_cannot_sign_in_to_the_admin(client: Client, integration: User) -> None:
    integration.is_staff = True
    integration.save(update_fields=["is_staff"])

    response = client.post(
        reverse("admin:login"), {"username": "erp", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "role",
    [Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER, Role.EXECUTIVE, Role.ADMINISTRATOR],
)
def test_every_page_role_still_signs_in(
    client: Client, make_user: Callable[..., User], role: Role
) -> None:
    make_user(role, username="person")

    assert sign_in(client, "person").status_code == 302
    assert "_auth_user_id" in client.session


def test_a_superuser_without_a_role_signs_in(
    client: Client, make_user: Callable[..., User]
) -> None:
    make_user(username="root", is_superuser=True, is_staff=True)

    assert sign_in(client, "root").status_code == 302


def test_integration_account_with_a_session_gets_403_on_pages(
    client: Client, integration: User
) -> None:
    client.force_login(integration)

    assert client.get(HOME).status_code == 403


def test_sign_out_needs_post_and_ends_the_session(client: Client, account_manager: User) -> None:
    client.force_login(account_manager)

    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert client.get(HOME).status_code == 302


def test_password_change(client: Client, account_manager: User) -> None:
    client.force_login(account_manager)
    url = reverse("accounts:password_change")

    wrong = client.post(url, {"old_password": "nope", "new_password1": "x", "new_password2": "y"})
    assert wrong.status_code == 200
    assert "Your old password was entered incorrectly" in wrong.content.decode()

    response = client.post(
        url,
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-passphrase-42",
            "new_password2": "a-new-passphrase-42",
        },
    )
    assert response.status_code == 302
    account_manager.refresh_from_db()
    assert account_manager.check_password("a-new-passphrase-42")
    assert client.get(HOME).status_code == 200  # still signed in


def test_session_expires_after_the_idle_time(
    client: Client, account_manager: User, settings: object
) -> None:
    # The database store checks expiry against the clock this test moves; with Redis the
    # cached_db store gives its keys the same age as a TTL, which only real time runs down.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"  # type: ignore[attr-defined]
    idle = timedelta(seconds=settings.SESSION_COOKIE_AGE)  # type: ignore[attr-defined]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        client.force_login(account_manager)
        traveller.shift(idle - timedelta(minutes=1))
        assert client.get(HOME).status_code == 200  # activity renews the session

        traveller.shift(idle - timedelta(minutes=1))
        assert client.get(HOME).status_code == 200

        traveller.shift(idle + timedelta(minutes=1))
        assert client.get(HOME).status_code == 302


def test_repeated_failed_sign_ins_lock_the_account_out(
    client: Client, account_manager: User, settings: object
) -> None:
    limit = settings.AXES_FAILURE_LIMIT  # type: ignore[attr-defined]
    for _attempt in range(limit - 1):
        assert sign_in(client, "alice", "guess").status_code == 200
    assert sign_in(client, "alice", "guess").status_code == 429

    locked = sign_in(client, "alice")  # even the right password is refused now

    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(
    client: Client, make_user: Callable[..., User], settings: object
) -> None:
    make_user(Role.ACCOUNT_MANAGER, username="alice")
    make_user(Role.ACCOUNT_MANAGER, username="bob")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):  # type: ignore[attr-defined]
        sign_in(client, "alice", "guess")

    assert sign_in(client, "bob").status_code == 302
    assert sign_in(Client(), "alice", REMOTE_ADDR="10.0.0.7").status_code == 302


def test_language_switch_is_remembered_for_the_user(client: Client, account_manager: User) -> None:
    client.force_login(account_manager)

    response = client.post(reverse("accounts:language"), {"language": "sv", "next": HOME})

    assert response.status_code == 302
    assert response["Location"] == HOME
    account_manager.refresh_from_db()
    assert account_manager.preferred_language == "sv"
    page = client.get(HOME)
    assert page["Content-Language"] == "sv"
    assert "Logga ut" in page.content.decode()


def test_preferred_language_wins_over_the_browser(client: Client, account_manager: User) -> None:
    account_manager.preferred_language = "de"
    account_manager.save()
    client.force_login(account_manager)

    page = client.get(HOME, headers={"accept-language": "nl"})

    assert page["Content-Language"] == "de"


def test_anonymous_language_switch_sets_the_cookie(client: Client) -> None:
    response = client.post(reverse("accounts:language"), {"language": "vi", "next": LOGIN})

    assert response.cookies["django_language"].value == "vi"
    assert client.get(LOGIN)["Content-Language"] == "vi"


def test_language_switch_refuses_unknown_languages_and_foreign_redirects(
    client: Client, account_manager: User
) -> None:
    client.force_login(account_manager)

    response = client.post(
        reverse("accounts:language"), {"language": "xx", "next": "https://evil.example.com/"}
    )

    assert response["Location"] == HOME
    account_manager.refresh_from_db()
    assert account_manager.preferred_language == ""
