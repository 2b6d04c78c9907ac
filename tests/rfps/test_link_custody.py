"""No buyer-side person ever holds a supplier's link before the deadline: the outbox, the admin,
the inbox, the API and the logs never show it; the address is pinned at publishing and a
changed contact address gets a new link (the old one stops working) with a notice to the old
address; the link pages refuse our signed-in users; a buyer resends instead of copying; and a
proposal entered on a supplier's behalf never overwrites the supplier's own."""

from __future__ import annotations

import io
from collections.abc import Callable

import pghistory.models
import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from notifications.backends import MaskedConsoleEmailBackend
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_deliver
from rfps.links import invitation_from_token, invitation_token
from rfps.models import Invitation
from rfps.services.invitations import invitation_resend
from rfps.services.responses import (
    RespondedThroughLinkError,
    clarification_answer,
    clarification_ask,
    proposal_enter_on_behalf,
    proposal_save_draft,
)
from rfps.services.rfp import rfp_publish
from suppliers.services import ContactInput, contact_update
from tests.rfps.conftest import Event, past_deadline

pytestmark = pytest.mark.django_db


def _deliver_all() -> None:
    for pk in Notification.objects.filter(sent_at__isnull=True).values_list("pk", flat=True):
        notification_deliver(notification_id=pk)


def _respond_url(invitation: Invitation) -> str:
    return reverse("rfps:respond", args=[invitation_token(invitation)])


@pytest.fixture
def buyers(event: Event, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "owner (procurement)": event.owner,
        "procurement": make_user(Role.PROCUREMENT_MANAGER, username="buyer2"),
        "account manager": event.panel[0],
        "executive": make_user(Role.EXECUTIVE, username="exec"),
        "superuser": make_user(username="root", is_superuser=True, is_staff=True),
        "administrator": make_user(Role.ADMINISTRATOR, username="admin", is_staff=True),
    }


def test_no_buyer_visible_surface_holds_a_supplier_link(
    event: Event, buyers: dict[str, User], integration: User
) -> None:
    question = clarification_ask(invitation=event.invitation(1), question="Colour?")
    clarification_answer(clarification=question, by=event.owner, answer="Black.")
    invitation_resend(invitation=event.invitation(0), by=event.owner)
    tokens = [invitation_token(event.invitation(i)) for i in range(3)]
    notification = Notification.objects.filter(kind=NotificationKind.RFP_INVITATION).first()
    assert notification is not None
    urls = [
        reverse("rfps:rfp_detail", args=[event.rfp.pk]),
        reverse("notifications:inbox"),
        "/admin/notifications/notification/",
        f"/admin/notifications/notification/{notification.pk}/change/",
        f"/admin/notifications/notification/{notification.pk}/history/",
        reverse("admin:rfps_rfp_change", args=[event.rfp.pk]),
        reverse("admin:rfps_rfp_history", args=[event.rfp.pk]),
        "/admin/pghistory/events/",
        reverse("reports:export", args=["rfps", "csv"]),
    ]
    api_urls = ["/api/v1/notifications/", "/api/v1/rfp-invitations/", "/api/v1/rfps/"]
    read = 0
    for name, user in buyers.items():
        client, api = Client(), APIClient()
        client.force_login(user)
        api.force_authenticate(user)
        for url in urls:
            response = client.get(url)
            if response.status_code == 200:
                read += 1
                data = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                body = data.decode("utf-8", "replace")
                assert not [t for t in tokens if t in body], (name, url)
        for url in api_urls:
            answer = api.get(url)
            if answer.status_code == 200:
                read += 1
                assert not [t for t in tokens if t in answer.content.decode()], (name, url)
    erp = APIClient()
    erp.credentials(HTTP_AUTHORIZATION=f"Token {api_token_create(user=integration, name='E')[1]}")
    for url in api_urls:
        assert not [t for t in tokens if t in erp.get(url).content.decode()], url
    assert read > 30
    stored = " ".join(
        f"{n.title} {n.body} {n.url} {n.link_ref} {n.dedupe_key}"
        for n in Notification.objects.all()
    )
    audit = " ".join(str(e.pgh_data) for e in pghistory.models.Events.objects.all())
    assert not [t for t in tokens if t in stored or t in audit]
    assert event.invitation(0).link_nonce not in audit

    # The detector works: the suppliers' emails carry their links.
    _deliver_all()
    sent = " ".join(m.body for m in mail.outbox)
    assert all(t in sent for t in tokens)


def test_the_console_email_log_masks_signed_links(event: Event) -> None:
    notification = Notification.objects.filter(kind=NotificationKind.RFP_INVITATION).first()
    assert notification is not None
    notification_deliver(notification_id=notification.pk)
    sent = mail.outbox[0]
    token = invitation_token(Invitation.objects.get(email=notification.email_to))
    assert token in sent.body
    message = EmailMultiAlternatives(sent.subject, sent.body, to=sent.to)
    for content, mimetype in sent.alternatives:
        message.attach_alternative(content, mimetype)
    message.signed_links = sent.signed_links  # type: ignore[attr-defined]
    stream = io.StringIO()
    MaskedConsoleEmailBackend(stream=stream).send_messages([message])
    assert sent.to[0] in stream.getvalue() and token not in stream.getvalue()


def test_a_changed_contact_address_gets_a_new_link_and_the_old_address_is_told(
    event: Event, buyers: dict[str, User]
) -> None:
    invitation = event.invitation(0)
    old_email, old_token = invitation.email, invitation_token(invitation)
    assert old_email == invitation.contact.email
    client = Client()
    assert client.get(_respond_url(invitation)).status_code == 200
    mail.outbox.clear()
    Notification.objects.update(sent_at=Notification.objects.first().scheduled_for)

    contact_update(
        contact=invitation.contact, by=event.owner, data=ContactInput(email="mallory@evil.test")
    )
    question = clarification_ask(invitation=event.invitation(1), question="Colour?")
    clarification_answer(clarification=question, by=event.owner, answer="Black.")
    _deliver_all()

    moved = Invitation.objects.get(pk=invitation.pk)
    assert moved.email == "mallory@evil.test" and moved.link_nonce != invitation.link_nonce
    assert invitation_from_token(old_token) is None
    assert client.get(reverse("rfps:respond", args=[old_token])).status_code == 404
    to_old = [m for m in mail.outbox if m.to == [old_email]]
    assert len(to_old) == 1 and "mallory@evil.test" in to_old[0].body
    assert "/rfps/respond/" not in to_old[0].body  # the notice carries no link
    new_token = invitation_token(moved)
    to_new = " ".join(m.body for m in mail.outbox if m.to == ["mallory@evil.test"])
    assert new_token in to_new and old_token not in to_new
    events = pghistory.models.Events.objects.filter(pgh_obj_model="rfps.Invitation")
    assert any(e.pgh_data.get("email") == "mallory@evil.test" for e in events)


def test_an_address_of_one_of_our_users_never_receives_the_link(event: Event) -> None:
    invitation = event.invitation(0)
    pinned = invitation.email
    contact_update(
        contact=invitation.contact, by=event.owner, data=ContactInput(email=event.owner.email)
    )
    assert invitation_resend(invitation=invitation, by=event.owner) == pinned
    _deliver_all()
    assert not [m for m in mail.outbox if m.to == [event.owner.email]]
    assert Invitation.objects.get(pk=invitation.pk).link_nonce == invitation.link_nonce


def test_publishing_refuses_a_contact_address_of_one_of_our_users(
    make_event: Callable[..., Event],
) -> None:
    event = make_event(publish=False)
    contact = event.invitation(0).contact
    contact_update(contact=contact, by=event.owner, data=ContactInput(email=event.panel[0].email))
    with pytest.raises(ValidationError) as error:
        rfp_publish(rfp=event.rfp, by=event.owner)
    assert "invitees" in error.value.message_dict


def test_the_link_pages_refuse_every_signed_in_user_of_ours(
    event: Event, buyers: dict[str, User]
) -> None:
    invitation = event.invitation(0)
    token = invitation_token(invitation)
    line = event.rfp.lines.first()
    for name, user in buyers.items():
        client = Client()
        client.force_login(user)
        for response in (
            client.get(reverse("rfps:respond", args=[token])),
            client.post(reverse("rfps:respond", args=[token]), {f"price_{line.pk}": "1"}),
            client.post(reverse("rfps:respond_ask", args=[token]), {"question": "Hi?"}),
            client.post(reverse("rfps:respond_decline", args=[token]), {"reason": "No"}),
        ):
            assert response.status_code == 403, name
            assert "Sign out" in response.content.decode()
    fresh = Invitation.objects.get(pk=invitation.pk)
    assert fresh.viewed_at is None and fresh.declined_at is None and fresh.link_used_at is None
    assert Client().get(reverse("rfps:respond", args=[token])).status_code == 200


def test_resend_goes_to_the_pinned_address_from_the_page_and_the_api(
    event: Event, account_manager: User, executive: User, clock
) -> None:  # type: ignore[no-untyped-def]
    invitation = event.invitation(0)
    client = Client()
    client.force_login(event.owner)
    url = reverse("rfps:invitation_resend", args=[event.rfp.pk, invitation.pk])
    page = client.get(reverse("rfps:rfp_detail", args=[event.rfp.pk])).content.decode()
    assert url in page
    response = client.post(url, follow=True)
    assert invitation.email in response.content.decode()
    assert invitation_token(invitation) not in response.content.decode()
    resent = Notification.objects.filter(occasion__startswith="resend-")
    assert [n.email_to for n in resent] == [invitation.email]

    api = APIClient()
    api.force_authenticate(event.owner)
    clock.shift(120)
    answer = api.post(f"/api/v1/rfp-invitations/{invitation.pk}/resend/")
    assert answer.status_code == 200 and answer.json() == {"sent_to": invitation.email}
    assert invitation_token(invitation) not in answer.content.decode()
    for user in (account_manager, executive):
        api.force_authenticate(user)
        assert api.post(f"/api/v1/rfp-invitations/{invitation.pk}/resend/").status_code in (
            403,
            404,
        )
        other = Client()
        other.force_login(user)
        assert other.post(url).status_code in (403, 404)
    past_deadline(clock)
    api.force_authenticate(event.owner)
    assert api.post(f"/api/v1/rfp-invitations/{invitation.pk}/resend/").status_code == 400


def _entry(event: Event) -> tuple[dict[str, str], dict[str, str]]:
    lines = list(event.rfp.lines.all())
    question = event.rfp.questions.get()
    return {str(line.pk): "4321.09" for line in lines}, {str(question.pk): "From email"}


def test_no_proposal_is_entered_for_a_supplier_that_used_its_link(
    event: Event, client: Client
) -> None:
    invitation = event.invitation(1)
    prices, answers = _entry(event)
    proposal_save_draft(invitation=invitation, prices={}, answers={})  # a draft, nothing more
    with pytest.raises(RespondedThroughLinkError):
        proposal_enter_on_behalf(
            invitation=invitation, by=event.owner, prices=prices, answers=answers
        )
    client.force_login(event.owner)
    url = reverse("rfps:proposal_enter", args=[event.rfp.pk, invitation.pk])
    assert client.get(url).status_code == 302
    line, question = event.rfp.lines.all(), event.rfp.questions.get()
    data = {f"price_{item.pk}": "10" for item in line} | {f"answer_{question.pk}": "x"}
    assert client.post(url, data).status_code == 409
    detail = client.get(reverse("rfps:rfp_detail", args=[event.rfp.pk])).content.decode()
    assert url not in detail
    assert not invitation.proposals.filter(revisions__entered_by__isnull=False).exists()


def test_an_entered_proposal_is_told_to_the_supplier_whose_draft_then_wins(event: Event) -> None:
    invitation = event.invitation(2)
    prices, answers = _entry(event)
    revision = proposal_enter_on_behalf(
        invitation=invitation, by=event.owner, prices=prices, answers=answers
    )
    told = Notification.objects.get(kind=NotificationKind.RFP_PROPOSAL_ENTERED)
    assert told.email_to == invitation.email and revision.sha256 in told.body
    assert "4321" not in told.body  # no price in the outbox
    notification_deliver(notification_id=told.pk)
    assert invitation_token(invitation) in mail.outbox[-1].body
    # The supplier's own draft through the link is saved over the entry, and then no buyer
    # enters another.
    own = dict.fromkeys(prices, "12")
    assert (
        proposal_save_draft(invitation=invitation, prices=own, answers=answers).draft["lines"]
        == own
    )
    with pytest.raises(RespondedThroughLinkError):
        proposal_enter_on_behalf(
            invitation=invitation, by=event.owner, prices=prices, answers=answers
        )
