"""rfps.permissions: who may do what to an RFP and an invitation, and when (the lifecycle
table), asked the same way by the page, the API and the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from core.permissions import allowed_actions
from rfps.choices import RFP_STATUS_ACTIONS, RFP_TRANSITIONS, RfpAction, RfpStatus
from rfps.models import Invitation, Rfp
from rfps.selectors import rfp_get
from rfps.services.award import rfp_award
from rfps.services.responses import clarification_answer, clarification_ask
from rfps.services.rfp import RfpStateError, rfp_cancel, rfp_deadline_scan, round_open
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db
SECOND = DEADLINE + timedelta(days=5)


def _actions(rfp: Rfp, user: User) -> set[str]:
    return set(allowed_actions(rfp_get(user=user, pk=rfp.pk), user))


def _invitation_actions(invitation: Invitation, user: User) -> set[str]:
    return set(allowed_actions(Invitation.objects.get(pk=invitation.pk), user))


def test_the_lifecycle_tables_cover_every_status() -> None:
    assert set(RFP_TRANSITIONS) == set(RfpStatus.values) == set(RFP_STATUS_ACTIONS)
    assert not RFP_TRANSITIONS[RfpStatus.AWARDED] and not RFP_TRANSITIONS[RfpStatus.CANCELLED]


def test_a_draft_may_be_edited_published_or_cancelled_by_procurement_only(
    make_event: Callable[..., Event],
) -> None:
    event = make_event(publish=False)
    assert _actions(event.rfp, event.owner) == {"edit", "publish", "cancel"}
    assert _actions(event.rfp, event.panel[0]) == set()


def test_while_sealed_procurement_may_cancel_resend_and_enter_a_proposal(event: Event) -> None:
    assert _actions(event.rfp, event.owner) == {"cancel", "answer"}
    assert _actions(event.rfp, event.panel[0]) == set()
    assert _invitation_actions(event.invitations[0], event.owner) == {"resend", "enter_proposal"}
    assert _invitation_actions(event.invitations[0], event.panel[0]) == set()


def test_past_the_deadline_procurement_awards_and_the_panel_scores(
    event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    assert _actions(event.rfp, event.owner) == {"close", "cancel", "compare", "answer"}
    assert _invitation_actions(event.invitations[0], event.owner) == set()
    rfp_deadline_scan()
    assert _actions(event.rfp, event.owner) == {
        "new_round",
        "award",
        "cancel",
        "compare",
        "answer",
    }
    assert _actions(event.rfp, event.panel[0]) == {"score", "compare"}


def test_an_awarded_rfp_may_only_be_compared(event: Event, clock: time_machine.Traveller) -> None:
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    rfp_award(rfp=event.rfp, by=event.owner, invitation=event.invitation(0), rationale="Only")
    assert _actions(event.rfp, event.owner) == {"compare"}
    assert _actions(event.rfp, event.panel[0]) == {"compare"}


def test_the_page_shows_the_buttons_allowed_actions_allows(
    make_event: Callable[..., Event], client: Client
) -> None:
    event = make_event(publish=False)
    url = reverse("rfps:rfp_detail", args=[event.rfp.pk])
    publish = reverse("rfps:rfp_publish", args=[event.rfp.pk])
    client.force_login(event.owner)
    assert publish in client.get(url).content.decode()
    client.force_login(event.panel[0])
    page = client.get(url).content.decode()
    assert publish not in page and reverse("rfps:rfp_cancel", args=[event.rfp.pk]) not in page


def test_the_api_detail_says_the_allowed_actions_and_refuses_the_others(
    event: Event,
    clock: time_machine.Traveller,
    api_client: APIClient,
    make_user: Callable[..., User],
) -> None:
    api_client.force_authenticate(event.owner)
    body = api_client.get(f"/api/v1/rfps/{event.rfp.pk}/").json()
    assert sorted(body["allowed_actions"]) == ["answer", "cancel"]
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    member = event.panel[0]
    api_client.force_authenticate(member)
    assert sorted(api_client.get(f"/api/v1/rfps/{event.rfp.pk}/").json()["allowed_actions"]) == [
        RfpAction.COMPARE,
        RfpAction.SCORE,
    ]
    award = api_client.post(
        f"/api/v1/rfps/{event.rfp.pk}/award/",
        {"invitation": event.invitations[0].pk, "rationale": "Mine"},
        format="json",
    )
    assert award.status_code == 403
    outsider = make_user(Role.ACCOUNT_MANAGER, username="olga")
    api_client.force_authenticate(outsider)
    assert api_client.get(f"/api/v1/rfps/{event.rfp.pk}/").status_code == 404


def _detail_queries(client: Client, rfp: Rfp) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("rfps:rfp_detail", args=[rfp.pk]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_detail_page_asks_each_invitations_actions_without_a_query_per_invitation(
    make_event: Callable[..., Event], client: Client, clock: time_machine.Traveller
) -> None:
    def negotiating(suppliers: int) -> Event:
        event = make_event(suppliers=suppliers)
        for index in range(suppliers):
            event.respond(index, ["50", "200"])
        return event

    small, large = negotiating(2), negotiating(6)
    past_deadline(clock)
    rfp_deadline_scan()
    for event in (small, large):
        shortlist = [event.invitation(0), event.invitation(1)]
        round_open(rfp=event.rfp, by=event.owner, shortlist=shortlist, deadline=SECOND)
    client.force_login(small.owner)
    few, _ = _detail_queries(client, small.rfp)
    many, big_page = _detail_queries(client, large.rfp)
    assert many == few
    resend = reverse("rfps:invitation_resend", args=[large.rfp.pk, large.invitations[0].pk])
    not_shortlisted = reverse(
        "rfps:invitation_resend", args=[large.rfp.pk, large.invitations[2].pk]
    )
    assert resend in big_page and not_shortlisted not in big_page


def test_a_question_is_not_answered_once_the_rfp_is_cancelled(event: Event) -> None:
    question = clarification_ask(invitation=event.invitation(0), question="Colour?")
    rfp_cancel(rfp=event.rfp, by=event.owner)
    with pytest.raises(RfpStateError):
        clarification_answer(clarification=question, by=event.owner, answer="Black.")
    question.refresh_from_db()
    assert question.answered_at is None
