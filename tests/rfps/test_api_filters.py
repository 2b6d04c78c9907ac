"""The RFP API's filters a client needs: invitations by RFP and supplier, scores by RFP, and an
RFP's invitees in its own representation, each within what the caller may see."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from rfps.services.evaluation import evaluation_submit, score_set
from tests.rfps.conftest import Event, past_deadline

pytestmark = pytest.mark.django_db
RFPS, SCORES, INVITATIONS = "/api/v1/rfps/", "/api/v1/rfp-scores/", "/api/v1/rfp-invitations/"


def _as(client: APIClient, user: User) -> APIClient:
    client.force_authenticate(user)
    return client


def _ids(client: APIClient, url: str, **params: object) -> list[int]:
    response = client.get(url, {"page_size": 200, **params})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_invitations_filter_by_rfp_and_by_supplier(
    api_client: APIClient, make_event: Callable[..., Event]
) -> None:
    first, second = make_event(suppliers=2), make_event(suppliers=3)
    _as(api_client, first.owner)

    assert sorted(_ids(api_client, INVITATIONS, rfp=first.rfp.pk)) == sorted(
        i.pk for i in first.invitations
    )
    assert sorted(_ids(api_client, INVITATIONS, rfp=second.rfp.pk)) == sorted(
        i.pk for i in second.invitations
    )
    supplier = second.invitations[1].supplier_id
    assert _ids(api_client, INVITATIONS, supplier=supplier) == [second.invitations[1].pk]
    assert _ids(api_client, INVITATIONS, rfp=first.rfp.pk, supplier=supplier) == []
    assert _ids(api_client, INVITATIONS, rfp=999_999) == []


def test_invitations_of_an_rfp_one_cannot_see_are_not_listed(
    api_client: APIClient, event: Event, make_user: Callable[..., User]
) -> None:
    _as(api_client, make_user(Role.ACCOUNT_MANAGER, username="bob"))

    assert _ids(api_client, INVITATIONS, rfp=event.rfp.pk) == []


@pytest.mark.parametrize("name", ["rfp", "supplier"])
def test_a_bad_invitation_filter_is_a_400_naming_it(
    api_client: APIClient, event: Event, name: str
) -> None:
    _as(api_client, event.owner)

    response = api_client.get(INVITATIONS, {name: "first"})

    assert response.status_code == 400
    assert name in response.json()["error"]["fields"]


def _score_all(event: Event) -> None:
    quality = event.rfp.criteria.get(is_price=False)
    for member in event.panel:
        for index in range(len(event.invitations)):
            score_set(
                rfp=event.rfp,
                by=member,
                invitation=event.invitation(index),
                criterion=quality,
                value=Decimal(7),
            )
        evaluation_submit(rfp=event.rfp, by=member)


def test_scores_filter_by_rfp(
    api_client: APIClient, make_event: Callable[..., Event], clock: time_machine.Traveller
) -> None:
    first, second = make_event(suppliers=1), make_event(suppliers=2)
    for event in (first, second):
        for index in range(len(event.invitations)):
            event.respond(index, ["1", "2"])
    past_deadline(clock)
    _score_all(first)
    _score_all(second)
    _as(api_client, first.owner)

    everything = api_client.get(SCORES, {"page_size": 200}).json()["results"]
    only_first = api_client.get(SCORES, {"rfp": first.rfp.pk, "page_size": 200}).json()["results"]

    assert len(everything) == 2 * 1 + 2 * 2
    assert len(only_first) == 2
    assert {row["rfp"] for row in only_first} == {first.rfp.pk}
    assert api_client.get(SCORES, {"rfp": "x"}).status_code == 400


def test_an_rfp_lists_its_invitees(api_client: APIClient, event: Event) -> None:
    _as(api_client, event.owner)

    body = api_client.get(f"{RFPS}{event.rfp.pk}/").json()

    assert [row["id"] for row in body["invitees"]] == [i.pk for i in event.invitations]
    assert [row["supplier"]["name"] for row in body["invitees"]] == [
        "Supplier 00",
        "Supplier 01",
        "Supplier 02",
    ]
    assert all(row["rfp"] == event.rfp.pk for row in body["invitees"])
    assert "price" not in str(body["invitees"]).lower()


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


def test_the_rfp_list_with_its_invitees_runs_the_same_queries_for_few_and_many(
    api_client: APIClient, make_event: Callable[..., Event]
) -> None:
    event = make_event(suppliers=1)
    _as(api_client, event.owner)
    few = _queries(api_client, RFPS)

    for _ in range(3):
        make_event(suppliers=4)

    assert len(api_client.get(RFPS).json()["results"]) == 4
    assert _queries(api_client, RFPS) == few
