"""The commitments list page (the dashboard's overdue commitments link here): the API's filters,
who may read it, and a query count that does not grow with the rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import CommitmentFactory, ContactFactory, SupplierFactory

pytestmark = pytest.mark.django_db
LIST = reverse("meetings:commitment_list")


def test_commitments_list_takes_the_api_filters(client: Client, executive: User) -> None:
    today = timezone.localdate()
    supplier = SupplierFactory(name="Mekong")
    CommitmentFactory(description="Ours late", due_date=today - timedelta(days=3))
    CommitmentFactory(description="Ours soon", due_date=today + timedelta(days=3))
    CommitmentFactory(
        supplier=supplier,
        description="Theirs late",
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=supplier),
        created_by=executive,
        due_date=today - timedelta(days=1),
    )
    client.force_login(executive)

    late_theirs = client.get(LIST + "?overdue=true&side=theirs").text
    every = client.get(LIST).text
    at_mekong = client.get(LIST + f"?supplier={supplier.pk}").text

    assert "Theirs late" in late_theirs and "Ours late" not in late_theirs
    assert all(text in every for text in ("Ours late", "Ours soon", "Theirs late"))
    assert "Theirs late" in at_mekong and "Ours soon" not in at_mekong
    assert "3 commitments" in every


def test_commitments_list_needs_the_portfolio(
    client: Client, make_user: Callable[..., User]
) -> None:
    client.force_login(make_user(username="nobody"))
    assert client.get(LIST).status_code == 403


def test_commitments_list_runs_the_same_queries_for_5_and_50(
    client: Client, executive: User
) -> None:
    client.force_login(executive)
    # Due later, so that ?overdue=false lists every one: with random due dates all five could
    # be overdue (about one run in thirty), and an empty page skips its prefetch queries.
    later = timezone.localdate() + timedelta(days=7)
    CommitmentFactory.create_batch(5, due_date=later)
    client.get(LIST)
    with CaptureQueriesContext(connection) as small:
        response = client.get(LIST + "?overdue=false")
    assert len(response.context["page_obj"].object_list) == 5
    CommitmentFactory.create_batch(45, due_date=later)
    with CaptureQueriesContext(connection) as large:
        client.get(LIST + "?overdue=false")

    assert len(small) == len(large)
