"""The layout, error pages and what the browser loads."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import User
from core.views import server_error

pytestmark = pytest.mark.django_db


def test_layout_shows_name_navigation_and_language_switcher(
    client: Client, procurement_manager: User
) -> None:
    client.force_login(procurement_manager)

    content = client.get(reverse("core:home")).content.decode()

    assert procurement_manager.name in content
    assert 'id="main-nav"' in content
    assert 'name="language"' in content
    assert 'name="viewport"' in content
    assert "Sign out" in content


def test_pages_load_nothing_from_other_sites(client: Client, procurement_manager: User) -> None:
    pages = [Client().get(reverse("accounts:login"))]
    client.force_login(procurement_manager)
    pages += [client.get(reverse("core:home")), client.get(reverse("api-docs"))]

    for page in pages:
        assert page.status_code == 200
        content = page.content.decode()
        sources = re.findall(r'(?:src|href)="([^"]+)"', content)
        assert sources
        assert not [s for s in sources if re.match(r"(https?:)?//", s)], page.request


def test_static_files_are_served_by_the_app(client: Client) -> None:
    response = client.get("/static/css/srm.css")

    assert response.status_code == 200


def test_404_page_in_the_layout(client: Client, account_manager: User) -> None:
    client.force_login(account_manager)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    content = response.content.decode()
    assert "Page not found" in content
    assert 'class="topbar"' in content


def test_403_page_in_the_layout(client: Client, integration: User) -> None:
    client.force_login(integration)

    response = client.get(reverse("core:home"))

    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    assert 'class="topbar"' in response.content.decode()


def test_500_page_in_the_layout_without_the_database(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    request = RequestFactory().get("/")

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert 'class="topbar"' in response.content.decode()


def test_admin_is_for_staff_only(client: Client, procurement_manager: User) -> None:
    client.force_login(procurement_manager)

    assert client.get("/admin/").status_code == 302
