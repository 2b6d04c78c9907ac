"""The sealed rule by every route, for every role on the buying side: before a round's deadline
no page, API endpoint, admin page, download, export, email, in-app notification or audit entry
shows a proposal's prices, total, answers or files, to the owner, the panel, procurement, an
executive, a superuser, an administrator or the ERP's integration token alike. A negotiation
round seals its revisions again while the first round's offers stay readable."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pghistory.models
import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from notifications.models import Notification
from notifications.services import notification_deliver
from rfps.models import Rfp
from rfps.services.responses import attachment_add, clarification_answer, clarification_ask
from rfps.services.rfp import rfp_deadline_scan, round_open
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db

# Supplier 00 offers 100 chairs at 987.65 and 10 desks at 200: 98,765 + 2,000 = 100,765.
PRICE, ANSWER, FILE = "987.65", "Delivered by dragon", "secret-offer"
TOTALS = ("100765", "100,765", "100.765", "100 765", "100\xa0765")
# In the negotiation round it comes down to 876.54 a chair: 87,654 + 2,000 = 89,654.
ROUND_TWO = ("876.54", "876,54", "89654", "89,654", "89.654", "89 654", "Delivered by griffin")


def _leaks(text: str, secrets: tuple[str, ...]) -> list[str]:
    return [secret for secret in secrets if secret in text]


def _respond_secretly(event: Event) -> int:
    """Supplier 00 attaches a file and submits a distinctive price and answer; supplier 01
    submits an ordinary offer. A question is asked and answered, so emails go out."""
    upload = SimpleUploadedFile(f"{FILE}.txt", b"secret", content_type="text/plain")
    file_id = attachment_add(invitation=event.invitation(0), upload=upload).pk
    event.respond(0, [PRICE, "200"], answer=ANSWER)
    event.respond(0, [PRICE, "200"], answer=ANSWER)  # a revision: version 2
    event.respond(1, ["50", "300"])
    question = clarification_ask(invitation=event.invitation(1), question="Colour of the chairs?")
    clarification_answer(clarification=question, by=event.owner, answer="Black.")
    return file_id


@pytest.fixture
def readers(event: Event, make_user: Callable[..., User]) -> dict[str, User]:
    """Everyone on the buying side who reads this RFP, or administers the site."""
    executive = make_user(Role.EXECUTIVE, username="exec")
    event.rfp.panel.add(executive)
    return {
        "owner": event.owner,
        "panel (account manager)": event.panel[0],
        "panel (executive)": executive,
        "procurement": make_user(Role.PROCUREMENT_MANAGER, username="buyer2"),
        "superuser": make_user(username="root", is_superuser=True, is_staff=True),
        "administrator": make_user(Role.ADMINISTRATOR, username="admin", is_staff=True),
    }


def _page_urls(rfp: Rfp, event: Event, file_id: int) -> list[str]:
    supplier = event.invitations[0].supplier_id
    return [
        reverse("rfps:rfp_list"),
        reverse("rfps:rfp_detail", args=[rfp.pk]),
        reverse("rfps:rfp_compare", args=[rfp.pk]),
        reverse("rfps:rfp_award", args=[rfp.pk]),
        reverse("rfps:rfp_score", args=[rfp.pk]),
        reverse("rfps:round_create", args=[rfp.pk]),
        reverse("rfps:proposal_enter", args=[rfp.pk, event.invitations[0].pk]),
        reverse("rfps:attachment_download", args=[rfp.pk, file_id]),
        reverse("suppliers:supplier_detail", args=[supplier]),
        reverse("notifications:inbox"),
        reverse("reports:export", args=["rfps", "csv"]),
        reverse("reports:export", args=["rfps", "xlsx"]),
        reverse("admin:rfps_rfp_changelist"),
        reverse("admin:rfps_rfp_change", args=[rfp.pk]),
        reverse("admin:rfps_rfp_history", args=[rfp.pk]),
        "/admin/pghistory/events/",
        "/admin/notifications/notification/",
    ]


def _api_urls(rfp: Rfp) -> list[str]:
    return [
        "/api/v1/rfps/",
        f"/api/v1/rfps/{rfp.pk}/",
        "/api/v1/rfp-invitations/",
        "/api/v1/rfp-proposals/",
        *(f"/api/v1/rfp-proposals/{pk}/" for pk in rfp.proposals.values_list("pk", flat=True)),
        f"/api/v1/rfp-proposals/?rfp={rfp.pk}&round=1",
        "/api/v1/rfp-scores/",
        "/api/v1/notifications/",
    ]


def _body(response: Any) -> str:
    """The response as text; an XLSX archive as the text of every part inside it."""
    data = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return " ".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    return data.decode("utf-8", "replace")


def _assert_sealed_everywhere(
    event: Event,
    readers: dict[str, User],
    file_id: int,
    secrets: tuple[str, ...],
    integration_key: str,
) -> int:
    """Fetches every route as every reader; returns how many answered 200 (so that a test
    can see the routes were really read, not all refused)."""
    rfp = event.rfp
    read = 0
    for name, user in readers.items():
        client, api = Client(), APIClient()
        client.force_login(user)
        api.force_authenticate(user)
        for url in _page_urls(rfp, event, file_id):
            response = client.get(url)
            assert response.status_code in (200, 302, 403, 404), (name, url)
            if response.status_code == 200:
                read += 1
                body = _body(response)
                assert not _leaks(body, secrets), (name, url, _leaks(body, secrets))
        for url in _api_urls(rfp):
            answer = api.get(url)
            if answer.status_code == 200:
                read += 1
                assert not _leaks(_body(answer), secrets), (name, url)
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {integration_key}")
    for url in _api_urls(rfp):
        answer = token_client.get(url)
        assert answer.status_code in (200, 403, 404), url
        assert not _leaks(_body(answer), secrets), ("integration", url)
    for notification in Notification.objects.filter(sent_at__isnull=True):
        notification_deliver(notification_id=notification.pk)
    assert mail.outbox  # the invitations, the answer and the closing went out
    for message in mail.outbox:
        parts = [message.subject, message.body]
        parts += [alternative[1] for alternative in getattr(message, "alternatives", [])]
        text = " ".join(str(part) for part in parts)
        assert not _leaks(text, secrets), message.subject
    for notification in Notification.objects.all():
        assert not _leaks(f"{notification.title} {notification.body}", secrets)
    audit = " ".join(str(e.pgh_data) for e in pghistory.models.Events.objects.all())
    assert audit and not _leaks(audit, secrets)
    return read


@pytest.fixture
def integration_key(integration: User) -> str:
    return api_token_create(user=integration, name="ERP")[1]


def test_sealed_by_every_route_for_every_reader_before_the_deadline(
    event: Event, readers: dict[str, User], integration_key: str, clock: time_machine.Traveller
) -> None:
    file_id = _respond_secretly(event)
    secrets = (PRICE, "987,65", *TOTALS, ANSWER, FILE)
    read = _assert_sealed_everywhere(event, readers, file_id, secrets, integration_key)
    assert read > 60  # most routes answer these readers; they just show nothing sealed

    # The detector works: past the deadline the owner reads the price and the file.
    past_deadline(clock)
    client = Client()
    client.force_login(event.owner)
    compare = client.get(reverse("rfps:rfp_compare", args=[event.rfp.pk])).content.decode()
    assert PRICE in compare and ANSWER in compare and FILE in compare
    download = client.get(reverse("rfps:attachment_download", args=[event.rfp.pk, file_id]))
    assert download.status_code == 200


def test_a_negotiation_round_is_sealed_by_every_route_again(
    event: Event, readers: dict[str, User], integration_key: str, clock: time_machine.Traveller
) -> None:
    file_id = _respond_secretly(event)
    past_deadline(clock)
    rfp_deadline_scan()
    second = DEADLINE + timedelta(days=3)
    round_open(rfp=event.rfp, by=event.owner, shortlist=[event.invitation(0)], deadline=second)
    event.respond(0, ["876.54", "200"], answer="Delivered by griffin")
    _assert_sealed_everywhere(event, readers, file_id, ROUND_TWO, integration_key)

    # Round one stays readable meanwhile; at the new deadline round two opens.
    client = Client()
    client.force_login(event.owner)
    url = reverse("rfps:rfp_compare", args=[event.rfp.pk])
    assert PRICE in client.get(url).content.decode()
    past_deadline(clock, second)
    client.force_login(event.owner)  # the session ended while idle for three days
    assert "876.54" in client.get(url).content.decode()
