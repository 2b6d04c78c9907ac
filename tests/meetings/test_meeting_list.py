"""The meetings list page: every meeting across the portfolio (or my suppliers), filtered by
supplier, kind, dates, in person, segment and key-account owner; its export; its query count."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from tests.factories import MeetingFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
MEETINGS = reverse("meetings:meeting_list")


def days_ago(days: int) -> object:
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def meetings(account_manager: User, make_user: Callable[..., User]) -> dict[str, object]:
    """Alice's supplier met in person 10 days ago and by video 40 days ago; bob's, a leverage
    supplier, by phone 5 days ago."""
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mekong = SupplierFactory(name="Mekong Textiles", segment="strategic")
    bolt = SupplierFactory(name="Bolt Fasteners", segment="leverage")
    OwnershipFactory(supplier=mekong, user=account_manager)
    OwnershipFactory(supplier=bolt, user=bob)
    visit = MeetingFactory(
        supplier=mekong, kind="in_person", subject="Plant visit", starts_at=days_ago(10)
    )
    call = MeetingFactory(
        supplier=mekong, kind="video_call", subject="Price call", starts_at=days_ago(40)
    )
    phone = MeetingFactory(supplier=bolt, kind="phone_call", subject="Bolt check-in")
    phone.starts_at = days_ago(5)
    phone.save()
    return {"bob": bob, "mekong": mekong, "bolt": bolt, "visit": visit, "call": call}


def subjects(client: Client, query: dict[str, object] | None = None) -> list[str]:
    response = client.get(MEETINGS, query or {})
    assert response.status_code == 200
    return [meeting.subject for meeting in response.context["page_obj"]]


def test_meetings_list_newest_first_with_every_filter(
    client: Client, executive: User, meetings: dict[str, object], account_manager: User
) -> None:
    client.force_login(executive)
    today = timezone.localdate()

    assert subjects(client) == ["Bolt check-in", "Plant visit", "Price call"]
    assert subjects(client, {"supplier": meetings["mekong"].pk}) == [  # type: ignore[attr-defined]
        "Plant visit",
        "Price call",
    ]
    assert subjects(client, {"kind": ["phone_call", "video_call"]}) == [
        "Bolt check-in",
        "Price call",
    ]
    assert subjects(client, {"in_person": "true"}) == ["Plant visit"]
    assert subjects(client, {"in_person": "false"}) == ["Bolt check-in", "Price call"]
    window = {"date_from": today - timedelta(days=20), "date_to": today - timedelta(days=10)}
    assert subjects(client, window) == ["Plant visit"]
    assert subjects(client, {"segment": "leverage"}) == ["Bolt check-in"]
    assert subjects(client, {"account_owner": account_manager.pk}) == [
        "Plant visit",
        "Price call",
    ]


def test_only_mine_shows_the_meetings_of_my_suppliers_not_bobs(
    client: Client, account_manager: User, meetings: dict[str, object]
) -> None:
    client.force_login(account_manager)

    page = client.get(MEETINGS).text
    mine = subjects(client, {"account_owner": account_manager.pk})
    bobs = subjects(client, {"account_owner": meetings["bob"].pk})  # type: ignore[attr-defined]

    assert f'href="{MEETINGS}?account_owner={account_manager.pk}"' in page  # "Only mine"
    assert mine == ["Plant visit", "Price call"]
    assert bobs == ["Bolt check-in"]


def test_bad_filters_say_so_instead_of_failing(
    client: Client, executive: User, meetings: dict[str, object]
) -> None:
    client.force_login(executive)

    response = client.get(MEETINGS, {"date_from": "yesterday", "kind": "dinner"})

    assert response.status_code == 200
    form = response.context["filter_form"]
    assert set(form.errors) == {"date_from", "kind"}


def test_meetings_list_needs_the_portfolio(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user(username="nobody"))
    assert client.get(MEETINGS).status_code == 403


def test_meetings_list_is_in_the_navigation_and_exports_its_filter(
    client: Client, executive: User, meetings: dict[str, object]
) -> None:
    client.force_login(executive)

    page = client.get(MEETINGS, {"in_person": "false", "segment": "strategic"}).text
    export = reverse("reports:export", args=["meetings", "csv"])
    response = client.get(f"{export}?in_person=false&segment=strategic")
    body = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(body[1:])))

    assert f'<a href="{MEETINGS}"' in page  # the main navigation
    assert f"{export}?in_person=false&amp;segment=strategic" in page
    assert [row[4] for row in rows[1:]] == ["Price call"]


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(MEETINGS, {"segment": "strategic"})
    assert response.status_code == 200
    return len(queries)


def test_meetings_list_query_count_does_not_grow_with_rows(
    client: Client, executive: User, account_manager: User
) -> None:
    client.force_login(executive)

    def add(count: int) -> None:
        for _ in range(count):
            supplier = SupplierFactory(segment="strategic")
            OwnershipFactory(supplier=supplier, user=account_manager)
            MeetingFactory(supplier=supplier, our_attendees=[account_manager, executive])

    add(5)
    small = _list_queries(client)
    add(45)
    large = _list_queries(client)

    assert small == large
