"""An account manager finds her suppliers in the browser, on a phone-sized screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts import demo
from accounts.models import User
from accounts.roles import Role
from tests.factories import ContactFactory, OwnershipFactory, SupplierFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_account_manager_opens_my_suppliers_and_a_supplier_page(
    live_server: Any, page: Any, make_user: Callable[..., User]
) -> None:
    # The demo accounts bring their role groups with them, should a flush have removed them.
    list(demo.seed())
    account = User.objects.get(username="account")  # Anna Account, password "demo"
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mekong = SupplierFactory(name="Mekong Textiles", country="VN", segment="strategic")
    OwnershipFactory(supplier=mekong, user=account)
    ContactFactory(supplier=mekong, name="Anh Nguyen", is_primary=True)
    OwnershipFactory(supplier=SupplierFactory(name="Nordic Steel"), user=bob)

    page.goto(f"{live_server.url}/suppliers/mine/")
    page.get_by_label("Username").fill("account")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/suppliers/mine/")

    assert page.get_by_role("heading", level=1).inner_text() == "My suppliers"
    assert page.get_by_role("link", name="Mekong Textiles").is_visible()
    assert page.get_by_text("Nordic Steel").count() == 0
    # On a phone the table folds into cards that fit the screen: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    label = page.locator("td[data-label]").first.evaluate(
        "cell => getComputedStyle(cell, '::before').content"
    )
    assert label == '"Your role"'

    page.get_by_role("button", name="Menu").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My suppliers").click()
    page.get_by_role("link", name="Mekong Textiles").click()

    page.wait_for_url(f"{live_server.url}/suppliers/{mekong.pk}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Mekong Textiles"
    contacts = page.get_by_role("region", name="Contacts")
    assert "Anh Nguyen" in contacts.inner_text()
    assert contacts.get_by_role("link", name="Add a contact").is_visible()
    owners = page.get_by_role("region", name="Key-account owners")
    assert "Anna Account" in owners.inner_text()
    assert page.get_by_role("link", name="Edit", exact=True).count() == 0
