from __future__ import annotations

from typing import Any

import pytest

from tests.demo_snapshot import DemoSnapshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_procurement_manager_signs_in_and_sees_home(
    demo_data: DemoSnapshot, live_server: Any, page: Any
) -> None:

    page.goto(f"{live_server.url}/")
    assert "/accounts/sign-in/" in page.url

    page.get_by_label("Username").fill("procurement")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Welcome, Per Procurement"
    # On a phone the navigation folds behind the menu button, which opens it.
    page.get_by_role("button", name="Menu").click()
    assert page.get_by_role("navigation", name="Main").is_visible()
