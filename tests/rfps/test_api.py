"""The RFP API: the same sealed rule as the pages, the actions, scores, and fixed queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from contracts.models import Contract
from rfps.choices import RfpStatus
from rfps.models import Rfp
from rfps.services.evaluation import evaluation_submit, score_set
from rfps.services.rfp import rfp_deadline_scan
from tests.factories import ContactFactory, SupplierFactory
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db
RFPS, PROPOSALS, SCORES = "/api/v1/rfps/", "/api/v1/rfp-proposals/", "/api/v1/rfp-scores/"
INVITATIONS = "/api/v1/rfp-invitations/"
SECRET = "987.65"


def _as(client: APIClient, user: User) -> APIClient:
    client.force_authenticate(user)
    return client


def _create_body(supplier_id: int, contact_id: int | None = None) -> dict[str, Any]:
    return {
        "title": "Laptops",
        "currency": "EUR",
        "deadline": "2030-01-01T12:00:00Z",
        "lines": [{"description": "Laptop", "quantity": "20", "unit": "pcs"}],
        "questions": [{"text": "Warranty?"}],
        "criteria": [
            {"name": "Price", "weight": 70, "is_price": True},
            {"name": "Service", "weight": 30},
        ],
        "invitees": [{"supplier": supplier_id, "contact": contact_id}],
    }


def test_create_publish_and_read_an_rfp(api_client: APIClient, procurement_manager: User) -> None:
    supplier = SupplierFactory()
    contact = ContactFactory(supplier=supplier)
    _as(api_client, procurement_manager)
    created = api_client.post(RFPS, _create_body(supplier.pk, contact.pk), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft" and body["owner"]["id"] == procurement_manager.pk
    assert [c["weight"] for c in body["criteria"]] == [70, 30]
    published = api_client.post(f"{RFPS}{body['id']}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"
    again = api_client.post(f"{RFPS}{body['id']}/publish/")
    assert again.status_code == 409 and again.json()["error"]["code"] == "rfp_state"
    invitations = api_client.get(INVITATIONS).json()["results"]
    assert [i["supplier"]["id"] for i in invitations] == [supplier.pk]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {
                "criteria": [
                    {"name": "Price", "weight": 70, "is_price": True},
                    {"name": "Also price", "weight": 30, "is_price": True},
                ]
            },
            "criteria",
        ),
        ({"deadline": "soon"}, "deadline"),
        ({"lines": "not a list"}, "lines"),
        ({"currency": "XXY"}, "currency"),
        ({"lines": [{"description": "x", "quantity": "0"}]}, "quantity"),
    ],
)
def test_create_refuses_bad_input(
    api_client: APIClient, procurement_manager: User, change: dict[str, Any], field: str
) -> None:
    supplier = SupplierFactory()
    _as(api_client, procurement_manager)
    response = api_client.post(RFPS, {**_create_body(supplier.pk), **change}, format="json")
    assert response.status_code == 400
    assert field in str(response.json()["error"]["fields"])
    assert not Rfp.objects.exists()


def test_create_refuses_an_excluded_supplier(
    api_client: APIClient, procurement_manager: User
) -> None:
    banned = SupplierFactory(excluded_from_rfps=True)
    _as(api_client, procurement_manager)
    response = api_client.post(RFPS, _create_body(banned.pk), format="json")
    assert response.status_code == 400 and "invitees" in response.json()["error"]["fields"]


def test_account_managers_cannot_create_or_act(
    api_client: APIClient, account_manager: User, event: Event
) -> None:
    _as(api_client, account_manager)
    assert (
        api_client.post(RFPS, _create_body(SupplierFactory().pk), format="json").status_code == 403
    )
    assert api_client.get(f"{RFPS}{event.rfp.pk}/").status_code == 404


def test_proposals_are_sealed_in_the_api_for_everyone_until_the_deadline(
    api_client: APIClient,
    event: Event,
    make_user: Callable[..., User],
    clock: time_machine.Traveller,
) -> None:
    event.respond(0, [SECRET, "200"], answer="By dragon")
    root = make_user(username="root", is_superuser=True, is_staff=True)
    for user in (event.owner, event.panel[0], root):
        _as(api_client, user)
        response = api_client.get(PROPOSALS)
        assert response.status_code == 200
        (proposal,) = response.json()["results"]
        assert proposal["sealed"] is True and proposal["revisions"] == []
        assert SECRET not in response.content.decode()
        detail = api_client.get(f"{PROPOSALS}{proposal['id']}/")
        assert SECRET not in detail.content.decode()
    past_deadline(clock)
    _as(api_client, event.owner)
    (proposal,) = api_client.get(PROPOSALS).json()["results"]
    assert proposal["sealed"] is False
    (revision,) = proposal["revisions"]
    assert revision["content"]["lines"][0]["unit_price"] == SECRET
    assert len(revision["sha256"]) == 64


def test_an_outsider_reads_no_proposal_even_after_the_deadline(
    api_client: APIClient,
    event: Event,
    make_user: Callable[..., User],
    clock: time_machine.Traveller,
) -> None:
    event.respond(0, [SECRET, "200"])
    past_deadline(clock)
    _as(api_client, make_user(Role.EXECUTIVE, username="bob"))
    assert api_client.get(PROPOSALS).json()["results"] == []


def test_close_before_the_deadline_is_refused_then_scores_rounds_and_award(
    api_client: APIClient, event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    event.respond(1, ["45", "200"])
    _as(api_client, event.owner)
    early = api_client.post(f"{RFPS}{event.rfp.pk}/close/")
    assert early.status_code == 409
    past_deadline(clock)
    closed = api_client.post(f"{RFPS}{event.rfp.pk}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == RfpStatus.CLOSED
    # A panel member scores and submits.
    pia = event.panel[0]
    _as(api_client, pia)
    quality = event.rfp.criteria.get(is_price=False)
    for invitation in event.invitations[:2]:
        response = api_client.post(
            SCORES,
            {
                "rfp": event.rfp.pk,
                "invitation": invitation.pk,
                "criterion": quality.pk,
                "value": "7",
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
    bad = api_client.post(
        SCORES,
        {
            "rfp": event.rfp.pk,
            "invitation": event.invitations[0].pk,
            "criterion": quality.pk,
            "value": "12",
        },
        format="json",
    )
    assert bad.status_code == 400
    submitted = api_client.post(f"{RFPS}{event.rfp.pk}/submit-scores/")
    assert submitted.status_code == 200 and len(submitted.json()) == 2
    # The owner opens a round, the price comes down, and awards.
    _as(api_client, event.owner)
    second = DEADLINE + timedelta(days=4)
    opened = api_client.post(
        f"{RFPS}{event.rfp.pk}/rounds/",
        {
            "shortlist": [event.invitations[0].pk],
            "deadline": second.isoformat(),
        },
        format="json",
    )
    assert opened.status_code == 201 and opened.json()["number"] == 2
    event.respond(0, ["30", "200"])
    past_deadline(clock, second)
    rfp_deadline_scan()
    _as(api_client, event.owner)
    blank = api_client.post(
        f"{RFPS}{event.rfp.pk}/award/",
        {"invitation": event.invitations[0].pk, "rationale": ""},
        format="json",
    )
    assert blank.status_code == 400 and "rationale" in blank.json()["error"]["fields"]
    awarded = api_client.post(
        f"{RFPS}{event.rfp.pk}/award/",
        {"invitation": event.invitations[0].pk, "rationale": "Lowest"},
        format="json",
    )
    assert awarded.status_code == 201, awarded.json()
    contract = Contract.objects.get(pk=awarded.json()["contract"])
    assert contract.value == Decimal("5000.00")
    assert Decimal(awarded.json()["expected_saving"]) == Decimal(
        "1750.00"
    )  # median of 7000 and 6500


def _queries(client: APIClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url", [RFPS, PROPOSALS, INVITATIONS])
def test_lists_run_the_same_queries_for_small_and_large(
    api_client: APIClient, make_event: Callable[..., Event], url: str
) -> None:
    first = make_event(suppliers=2)
    first.respond(0, ["1", "2"])
    _as(api_client, first.owner)
    small = _queries(api_client, url)
    for _ in range(4):
        more = make_event(suppliers=3)
        for index in range(3):
            more.respond(index, ["1", "2"])
    assert _queries(api_client, url) == small


def test_panel_scores_in_the_api_stay_private_until_one_submits(
    api_client: APIClient, event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    pia, pete = event.panel
    quality = event.rfp.criteria.get(is_price=False)
    _as(api_client, pete)
    api_client.post(
        SCORES,
        {
            "rfp": event.rfp.pk,
            "invitation": event.invitations[0].pk,
            "criterion": quality.pk,
            "value": "9",
        },
        format="json",
    )
    assert api_client.post(f"{RFPS}{event.rfp.pk}/submit-scores/").status_code == 200
    _as(api_client, pia)
    assert api_client.get(SCORES).json()["results"] == []
    api_client.post(
        SCORES,
        {
            "rfp": event.rfp.pk,
            "invitation": event.invitations[0].pk,
            "criterion": quality.pk,
            "value": "6",
        },
        format="json",
    )
    mine = api_client.get(SCORES).json()["results"]
    assert [s["evaluator"]["username"] for s in mine] == ["pia"]
    api_client.post(f"{RFPS}{event.rfp.pk}/submit-scores/")
    both = api_client.get(SCORES).json()["results"]
    assert sorted(s["evaluator"]["username"] for s in both) == ["pete", "pia"]
    # Not on the panel: refused.
    _as(api_client, event.owner)
    refused = api_client.post(
        SCORES,
        {
            "rfp": event.rfp.pk,
            "invitation": event.invitations[0].pk,
            "criterion": quality.pk,
            "value": "6",
        },
        format="json",
    )
    assert refused.status_code == 403


def test_actions_on_an_rfp_one_cannot_see_are_404(
    api_client: APIClient, event: Event, make_user: Callable[..., User]
) -> None:
    other_buyer = make_user(Role.ACCOUNT_MANAGER, username="bob")
    _as(api_client, other_buyer)
    assert api_client.post(f"{RFPS}{event.rfp.pk}/publish/").status_code in (403, 404)
    assert api_client.get(f"{RFPS}{event.rfp.pk}/").status_code == 404


def _scored(make_event: Callable[..., Event], suppliers: int) -> Event:
    event = make_event(suppliers=suppliers)
    for index in range(suppliers):
        event.respond(index, ["1", "2"])
    return event


def test_scores_list_runs_the_same_queries_for_small_and_large(
    api_client: APIClient, make_event: Callable[..., Event], clock: time_machine.Traveller
) -> None:
    events = [_scored(make_event, 1)]
    past_deadline(clock)

    def score(event: Event) -> None:
        quality = event.rfp.criteria.get(is_price=False)
        for member in event.panel:
            for index in range(len(event.invitations)):
                score_set(
                    rfp=event.rfp,
                    by=member,
                    invitation=event.invitation(index),
                    criterion=quality,
                    value=Decimal(5),
                )
            evaluation_submit(rfp=event.rfp, by=member)

    score(events[0])
    _as(api_client, events[0].owner)
    small = _queries(api_client, SCORES)
    clock.move_to(DEADLINE - timedelta(days=9))
    more = [_scored(make_event, 4) for _ in range(2)]
    past_deadline(clock)
    for event in more:
        score(event)
    _as(api_client, events[0].owner)
    assert len(api_client.get(SCORES, {"page_size": 200}).json()["results"]) == 2 + 16
    assert _queries(api_client, SCORES) == small
