"""The RFP pages, the supplier's link pages and the admin, each holding the sealed rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pghistory.models
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from accounts.roles import Role
from contracts.models import Contract
from notifications.models import Notification
from rfps.choices import RfpStatus
from rfps.links import invitation_token
from rfps.models import Evaluation, Invitation, ProposalRevision, Rfp
from rfps.services.evaluation import evaluation_submit, score_set
from rfps.services.responses import attachment_add, proposal_enter_on_behalf, proposal_save_draft
from rfps.services.rfp import RfpInput, rfp_create, rfp_deadline_scan, rfp_publish, round_open
from tests.factories import ContactFactory, SupplierFactory
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db
SECRET_PRICE, SECRET_TOTAL, SECRET_ANSWER = "987.65", "100765", "Delivered by dragon"


def _login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _respond_secretly(event: Event) -> int:
    """Supplier 00 submits a distinctive price, answer and file; returns the file's id."""
    upload = SimpleUploadedFile("secret-offer.txt", b"secret", content_type="text/plain")
    file_id = attachment_add(invitation=event.invitation(0), upload=upload).pk
    event.respond(0, [SECRET_PRICE, "200"], answer=SECRET_ANSWER)
    return file_id


@pytest.fixture
def buyers(event: Event, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "owner": event.owner,
        "panel": event.panel[0],
        "procurement": make_user(Role.PROCUREMENT_MANAGER, username="buyer2"),
        "superuser": make_user(username="root", is_superuser=True, is_staff=True),
    }


def _pages(rfp: Rfp) -> list[str]:
    return [
        reverse("rfps:rfp_detail", args=[rfp.pk]),
        reverse("rfps:rfp_compare", args=[rfp.pk]),
        reverse("rfps:rfp_list"),
        reverse("rfps:rfp_award", args=[rfp.pk]),
        reverse("admin:rfps_rfp_change", args=[rfp.pk]),
    ]


def _contains_secret(text: str) -> bool:
    return any(s in text for s in (SECRET_PRICE, SECRET_TOTAL, SECRET_ANSWER, "secret-offer"))


def test_sealed_before_the_deadline_for_every_buyer_on_every_page(
    event: Event, buyers: dict[str, User], client: Client
) -> None:
    file_id = _respond_secretly(event)
    for name, user in buyers.items():
        _login(client, user)
        for url in _pages(event.rfp):
            response = client.get(url)
            if response.status_code == 200:
                assert not _contains_secret(response.content.decode()), (name, url)
        download = reverse("rfps:attachment_download", args=[event.rfp.pk, file_id])
        assert client.get(download).status_code == 404, name
        detail = client.get(reverse("rfps:rfp_detail", args=[event.rfp.pk])).content.decode()
        assert "Sealed until the deadline" in detail  # and who responded is shown
        assert event.invitations[0].supplier.name in detail


def test_admin_has_no_proposal_pages(buyers: dict[str, User], client: Client) -> None:
    _login(client, buyers["superuser"])
    for model in ("proposal", "proposalrevision", "proposalattachment", "score"):
        assert client.get(f"/admin/rfps/{model}/").status_code == 404


def test_opened_after_the_deadline_for_owner_panel_and_procurement(
    event: Event, buyers: dict[str, User], client: Client, clock: time_machine.Traveller
) -> None:
    file_id = _respond_secretly(event)
    past_deadline(clock)
    for name, user in buyers.items():
        _login(client, user)
        compare = client.get(reverse("rfps:rfp_compare", args=[event.rfp.pk])).content.decode()
        assert SECRET_PRICE in compare and SECRET_ANSWER in compare, name
        download = client.get(reverse("rfps:attachment_download", args=[event.rfp.pk, file_id]))
        assert download.status_code == 200 and b"".join(download.streaming_content) == b"secret"


@pytest.mark.parametrize("role", [Role.ACCOUNT_MANAGER, Role.EXECUTIVE, Role.ADMINISTRATOR])
def test_others_get_404_even_after_the_deadline(
    event: Event,
    client: Client,
    make_user: Callable[..., User],
    clock: time_machine.Traveller,
    role: Role,
) -> None:
    file_id = _respond_secretly(event)
    past_deadline(clock)
    _login(client, make_user(role, username="bob"))
    for url in (
        reverse("rfps:rfp_detail", args=[event.rfp.pk]),
        reverse("rfps:rfp_compare", args=[event.rfp.pk]),
        reverse("rfps:attachment_download", args=[event.rfp.pk, file_id]),
    ):
        assert client.get(url).status_code in (403, 404), url


def test_list_shows_alice_only_the_rfps_she_evaluates(
    event: Event, make_event: Callable[..., Event], client: Client
) -> None:
    alice = event.panel[0]
    other = make_event(publish=False)
    other.rfp.panel.clear()
    _login(client, alice)
    content = client.get(reverse("rfps:rfp_list")).content.decode()
    assert event.rfp.reference in content and other.rfp.reference not in content


def _list_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("rfps:rfp_list")).status_code == 200
    return len(queries)


def test_list_runs_the_same_queries_for_2_and_12_rfps(
    make_event: Callable[..., Event], client: Client
) -> None:
    events = [make_event(suppliers=1, publish=False) for _ in range(2)]
    _login(client, events[0].owner)
    small = _list_queries(client)
    for _ in range(10):
        make_event(suppliers=1, publish=False)
    assert _list_queries(client) == small


def _compare_queries(client: Client, rfp: Rfp) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("rfps:rfp_compare", args=[rfp.pk]))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _scored_event(
    make_event: Callable[..., Event], clock: time_machine.Traveller, suppliers: int
) -> Event:
    clock.move_to(DEADLINE - timedelta(days=9))
    event = make_event(suppliers=suppliers)
    for index in range(suppliers):
        event.respond(index, [str(40 + index), "200"])
    past_deadline(clock)
    quality = event.rfp.criteria.get(is_price=False)
    for member in event.panel:
        for index in range(suppliers):
            score_set(
                rfp=event.rfp,
                by=member,
                invitation=event.invitation(index),
                criterion=quality,
                value=Decimal(7),
            )
        evaluation_submit(rfp=event.rfp, by=member)
    return event


def test_comparison_runs_the_same_queries_for_3_and_12_suppliers(
    make_event: Callable[..., Event], client: Client, clock: time_machine.Traveller
) -> None:
    three = _scored_event(make_event, clock, 3)
    _login(client, three.owner)
    small, content = _compare_queries(client, three.rfp)
    # The lowest chair price (one supplier) and the desk, where all three tie at 200.
    assert content.count('class="best-mark"') == 4
    twelve = _scored_event(make_event, clock, 12)
    large, content = _compare_queries(client, twelve.rfp)
    assert "Supplier 11" in content
    assert large == small


# --- The supplier's link ---------------------------------------------------------------------


def _respond_url(event: Event, index: int, name: str = "rfps:respond") -> str:
    return reverse(name, args=[invitation_token(event.invitation(index))])


def _form_data(event: Event, prices: list[str], answer: str = "Two weeks") -> dict[str, str]:
    data = {
        f"price_{line.pk}": price for line, price in zip(event.rfp.lines.all(), prices, strict=True)
    }
    data[f"answer_{event.rfp.questions.get().pk}"] = answer
    return data


def test_supplier_responds_through_the_link_without_an_account(
    event: Event, client: Client
) -> None:
    url = _respond_url(event, 0)
    page = client.get(url)
    assert page.status_code == 200 and "Office chairs" in page.content.decode()
    assert event.invitation(0).viewed_at is not None
    saved = client.post(url, {**_form_data(event, ["12", ""]), "save": "1"})
    assert saved.status_code == 302 and not ProposalRevision.objects.exists()
    refused = client.post(url, {**_form_data(event, ["12", ""]), "submit": "1"})
    assert refused.status_code == 400 and not ProposalRevision.objects.exists()
    client.post(url, {**_form_data(event, ["12", "30"]), "submit": "1"})
    client.post(url, {**_form_data(event, ["11", "30"]), "submit": "1"})
    revisions = list(ProposalRevision.objects.order_by("number"))
    assert [r.total for r in revisions] == [Decimal("1500.00"), Decimal("1400.00")]
    assert all(r.entered_by is None for r in revisions)
    content = client.get(url).content.decode()
    assert all(r.sha256 in content for r in revisions)


def test_attachments_are_checked_and_kept_to_the_supplier(event: Event, client: Client) -> None:
    attach = _respond_url(event, 0, "rfps:respond_attach")
    bad = SimpleUploadedFile("run.pdf", b"MZ\x90\x00" + b"\x00" * 100)
    assert client.post(attach, {"file": bad}).status_code == 400
    good = SimpleUploadedFile("spec.txt", b"hello", content_type="text/plain")
    assert client.post(attach, {"file": good}).status_code == 302
    file_id = event.rfp.proposals.get().attachments.get().pk
    own = reverse("rfps:respond_download", args=[invitation_token(event.invitation(0)), file_id])
    assert client.get(own).status_code == 200
    other = reverse("rfps:respond_download", args=[invitation_token(event.invitation(1)), file_id])
    assert client.get(other).status_code == 404


def test_a_huge_attachment_is_refused(event: Event, client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.RFP_ATTACHMENT_MAX_BYTES = 10
    upload = SimpleUploadedFile("big.txt", b"x" * 11, content_type="text/plain")
    response = client.post(_respond_url(event, 0, "rfps:respond_attach"), {"file": upload})
    assert response.status_code == 400 and "limit" in response.content.decode()


def test_tampered_link_is_404(event: Event, client: Client) -> None:
    url = _respond_url(event, 0)
    assert client.get(url[:-3] + "xx/").status_code == 404
    assert client.get(reverse("rfps:respond", args=["nope"])).status_code == 404


def test_link_after_the_deadline_reads_but_does_not_submit(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    url = _respond_url(event, 0)
    client.post(url, {**_form_data(event, ["12", "30"]), "submit": "1"})
    receipt = ProposalRevision.objects.get().sha256
    past_deadline(clock)
    page = client.get(url).content.decode()
    assert receipt in page and "no longer accepts proposals" in page
    late = client.post(url, {**_form_data(event, ["1", "1"]), "submit": "1"})
    assert late.status_code == 409
    assert ProposalRevision.objects.count() == 1
    ask = client.post(_respond_url(event, 0, "rfps:respond_ask"), {"question": "Late?"})
    assert ask.status_code == 409


def test_expired_link_is_410(
    event: Event,
    client: Client,
    clock: time_machine.Traveller,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.RFP_LINK_READ_DAYS = 1
    url = _respond_url(event, 0)
    clock.move_to(DEADLINE + timedelta(days=2))
    assert client.get(url).status_code == 410


def test_uninvited_supplier_has_no_way_in(event: Event, client: Client) -> None:
    # A link for another RFP's invitation does not reach this RFP's pages.
    stranger = SupplierFactory()
    assert not event.rfp.invitations.filter(supplier=stranger).exists()
    response = client.post(reverse("rfps:respond", args=["forged-token"]), {"submit": "1"})
    assert response.status_code == 404


def test_question_answered_to_all_without_the_asker(event: Event, client: Client) -> None:
    client.post(_respond_url(event, 0, "rfps:respond_ask"), {"question": "Colour options?"})
    clarification = event.rfp.clarifications.get()
    _login(client, event.owner)
    answer = reverse("rfps:clarification_answer", args=[event.rfp.pk, clarification.pk])
    assert client.post(answer, {"answer": "Black or grey."}).status_code == 302
    client.logout()
    page = client.get(_respond_url(event, 1)).content.decode()
    assert "Colour options?" in page and "Black or grey." in page
    assert event.invitations[0].supplier.name not in page


# --- The buyer's pages -----------------------------------------------------------------------


def test_create_flow_makes_a_draft_with_its_children(
    procurement_manager: User, client: Client, make_user: Callable[..., User]
) -> None:
    supplier = SupplierFactory(name="Nordic Seating")
    ContactFactory(supplier=supplier, is_primary=True)
    banned = SupplierFactory(name="Banned Ltd", excluded_from_rfps=True)
    panelist = make_user(Role.ACCOUNT_MANAGER, username="pia")
    _login(client, procurement_manager)
    page = client.get(reverse("rfps:rfp_create")).content.decode()
    assert "Nordic Seating" in page and "Banned Ltd" not in page
    data = {
        "title": "Seats",
        "owner": procurement_manager.pk,
        "currency": "EUR",
        "deadline": "2030-01-31T12:00",
        "suppliers": [supplier.pk],
        "panel": [panelist.pk],
        "lines-TOTAL_FORMS": 2,
        "lines-INITIAL_FORMS": 0,
        "lines-0-description": "Seat",
        "lines-0-quantity": "5",
        "lines-0-unit": "pcs",
        "lines-1-unit": "pcs",  # an empty extra row, as the browser sends it
        "questions-TOTAL_FORMS": 1,
        "questions-INITIAL_FORMS": 0,
        "questions-0-text": "Warranty?",
        "criteria-TOTAL_FORMS": 2,
        "criteria-INITIAL_FORMS": 0,
        "criteria-0-name": "Price",
        "criteria-0-weight": 50,
        "criteria-0-is_price": "on",
        "criteria-1-name": "Quality",
        "criteria-1-weight": 50,
    }
    response = client.post(reverse("rfps:rfp_create"), data)
    assert response.status_code == 302, [
        response.context[n].errors for n in ("form", "lines", "questions", "criteria")
    ] + [response.context[n].non_form_errors() for n in ("lines", "questions", "criteria")]
    rfp = Rfp.objects.get(title="Seats")
    assert rfp.lines.count() == 1 and rfp.questions.count() == 1 and rfp.criteria.count() == 2
    assert rfp.invitations.get().contact is not None
    assert list(rfp.panel.all()) == [panelist]
    bad = client.post(reverse("rfps:rfp_create"), {**data, "suppliers": [banned.pk]})
    assert bad.status_code == 200 and Rfp.objects.count() == 1
    publish = client.post(reverse("rfps:rfp_publish", args=[rfp.pk]))
    assert publish.status_code == 302
    rfp.refresh_from_db()
    assert rfp.status == RfpStatus.PUBLISHED


def test_account_manager_cannot_create(account_manager: User, client: Client) -> None:
    _login(client, account_manager)
    assert client.get(reverse("rfps:rfp_create")).status_code == 403


def test_buyer_enters_a_proposal_received_by_email(event: Event, client: Client) -> None:
    _login(client, event.owner)
    url = reverse("rfps:proposal_enter", args=[event.rfp.pk, event.invitations[1].pk])
    assert client.post(url, _form_data(event, ["10", "20"])).status_code == 302
    revision = ProposalRevision.objects.get()
    assert revision.entered_by == event.owner
    # It stays sealed for the buyer who typed it.
    compare = client.get(reverse("rfps:rfp_compare", args=[event.rfp.pk])).content.decode()
    assert "1200.00" not in compare


def test_score_page_shows_others_only_after_submitting(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    pia, pete = event.panel
    quality = event.rfp.criteria.get(is_price=False)
    score_set(
        rfp=event.rfp,
        by=pete,
        invitation=event.invitation(0),
        criterion=quality,
        value=Decimal(3),
        comment="Pete's secret view",
    )
    evaluation_submit(rfp=event.rfp, by=pete)
    _login(client, pia)
    url = reverse("rfps:rfp_score", args=[event.rfp.pk])
    assert "Pete&#x27;s secret view" not in client.get(url).content.decode()
    field = f"score_{event.invitations[0].pk}_{quality.pk}"
    assert client.post(url, {field: "11", "save": "1"}).status_code == 400
    assert client.post(url, {field: "8", "submit": "1"}).status_code == 302
    assert Evaluation.objects.get(evaluator=pia).submitted_at is not None
    assert "Pete&#x27;s secret view" in client.get(url).content.decode()
    _login(client, event.owner)
    assert client.get(url).status_code == 403  # the owner is not on the panel


def test_round_and_award_pages(event: Event, client: Client, clock: time_machine.Traveller) -> None:
    event.respond(0, ["50", "200"])
    event.respond(1, ["45", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    _login(client, event.owner)
    round_url = reverse("rfps:round_create", args=[event.rfp.pk])
    assert client.get(round_url).status_code == 200
    response = client.post(
        round_url,
        {
            "shortlist": [event.invitations[0].pk],
            "deadline": "2027-03-20T12:00",
            "note": "Best price",
        },
    )
    assert response.status_code == 302
    event.respond(0, ["30", "200"])
    clock.move_to(DEADLINE + timedelta(days=10))
    rfp_deadline_scan()
    _login(client, event.owner)  # the session expired meanwhile
    award_url = reverse("rfps:rfp_award", args=[event.rfp.pk])
    missing = client.post(award_url, {"invitation": event.invitations[0].pk, "rationale": ""})
    assert missing.status_code == 400 and not Contract.objects.exists()
    done = client.post(
        award_url, {"invitation": event.invitations[0].pk, "rationale": "Lowest after negotiation"}
    )
    assert done.status_code == 302
    contract = Contract.objects.get()
    assert contract.value == Decimal("5000.00")
    detail = client.get(reverse("rfps:rfp_detail", args=[event.rfp.pk])).content.decode()
    assert contract.number in detail


def _supplier_page_queries(client: Client, supplier_id: int) -> tuple[int, str]:
    url = reverse("suppliers:supplier_detail", args=[supplier_id])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_supplier_page_lists_its_rfps_without_a_query_per_rfp(
    make_event: Callable[..., Event], client: Client, account_manager: User
) -> None:
    first = make_event()
    supplier = first.invitations[0].supplier
    _login(client, first.owner)
    small, content = _supplier_page_queries(client, supplier.pk)
    assert first.rfp.title in content and first.rfp.reference in content
    for _ in range(3):
        more = make_event(publish=False)
        Invitation.objects.create(rfp=more.rfp, supplier=supplier)
        rfp_publish(rfp=more.rfp, by=more.owner)
    large, content = _supplier_page_queries(client, supplier.pk)
    assert large == small
    _login(client, account_manager)
    _count, content = _supplier_page_queries(client, supplier.pk)
    assert first.rfp.reference not in content


def test_edit_a_draft_then_no_more_after_publishing(
    make_event: Callable[..., Event], client: Client
) -> None:
    event = make_event(publish=False)
    _login(client, event.owner)
    url = reverse("rfps:rfp_edit", args=[event.rfp.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'value="Chair"' in page.content.decode()
    form = page.context["form"]
    data = {
        "title": "Office chairs, ergonomic",
        "owner": event.owner.pk,
        "currency": "EUR",
        "deadline": form.initial["deadline"].strftime("%Y-%m-%dT%H:%M"),
        "suppliers": [i.supplier.pk for i in event.invitations],
        "panel": [],
        "lines-TOTAL_FORMS": 1,
        "lines-INITIAL_FORMS": 0,
        "lines-0-description": "Chair",
        "lines-0-quantity": "120",
        "lines-0-unit": "pcs",
        "questions-TOTAL_FORMS": 0,
        "questions-INITIAL_FORMS": 0,
        "criteria-TOTAL_FORMS": 1,
        "criteria-INITIAL_FORMS": 0,
        "criteria-0-name": "Price",
        "criteria-0-weight": 100,
        "criteria-0-is_price": "on",
    }
    assert client.post(url, data).status_code == 302
    event.rfp.refresh_from_db()
    assert event.rfp.title == "Office chairs, ergonomic"
    assert [line.quantity for line in event.rfp.lines.all()] == [Decimal(120)]
    assert not event.rfp.panel.exists() and event.rfp.invitations.count() == 3
    client.post(reverse("rfps:rfp_publish", args=[event.rfp.pk]))
    assert client.post(url, data).status_code == 409


def test_publish_with_problems_says_what_is_missing(
    make_event: Callable[..., Event], client: Client
) -> None:
    event = make_event(publish=False)
    event.rfp.criteria.filter(is_price=False).update(weight=10)
    _login(client, event.owner)
    response = client.post(reverse("rfps:rfp_publish", args=[event.rfp.pk]), follow=True)
    assert "add up to 50" in response.content.decode()
    event.rfp.refresh_from_db()
    assert event.rfp.status == RfpStatus.DRAFT


def test_pages_of_another_rfp_are_404(
    event: Event, make_event: Callable[..., Event], client: Client
) -> None:
    other = make_event()
    _login(client, event.owner)
    assert client.get(reverse("rfps:rfp_detail", args=[999999])).status_code == 404
    # An invitation of another RFP under this RFP's address.
    url = reverse("rfps:proposal_enter", args=[event.rfp.pk, other.invitations[0].pk])
    assert client.get(url).status_code == 404


def test_buyer_enters_a_proposal_with_its_file(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    _login(client, event.owner)
    url = reverse("rfps:proposal_enter", args=[event.rfp.pk, event.invitations[1].pk])
    upload = SimpleUploadedFile("emailed-offer.txt", b"from the email", content_type="text/plain")
    assert client.post(url, {**_form_data(event, ["10", "20"]), "file": upload}).status_code == 302
    (item,) = ProposalRevision.objects.get().content["attachments"]
    assert item["name"] == "emailed-offer.txt"
    past_deadline(clock)
    _login(client, event.owner)
    download = client.get(reverse("rfps:attachment_download", args=[event.rfp.pk, item["id"]]))
    assert b"".join(download.streaming_content) == b"from the email"


def test_a_blank_answer_is_refused_with_a_message(event: Event, client: Client) -> None:
    client.post(_respond_url(event, 0, "rfps:respond_ask"), {"question": "Colour?"})
    clarification = event.rfp.clarifications.get()
    _login(client, event.owner)
    url = reverse("rfps:clarification_answer", args=[event.rfp.pk, clarification.pk])
    response = client.post(url, {"answer": ""}, follow=True)
    assert "This field is required." in response.content.decode()
    clarification.refresh_from_db()
    assert clarification.answered_at is None


def test_the_audit_trail_in_the_admin_holds_no_proposal_content(
    event: Event, buyers: dict[str, User], client: Client
) -> None:
    _respond_secretly(event)
    events = [str(e.pgh_data) for e in pghistory.models.Events.objects.all()]
    assert events and not any(_contains_secret(data) for data in events)
    _login(client, buyers["superuser"])
    response = client.get("/admin/pghistory/events/")
    assert response.status_code == 200 and not _contains_secret(response.content.decode())


def test_enter_on_behalf_is_offered_only_to_suppliers_in_the_open_round(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    # Supplier 00 sent its proposal by email (entered by the buyer): not through its link.
    lines, question = list(event.rfp.lines.all()), event.rfp.questions.get()
    proposal_enter_on_behalf(
        invitation=event.invitation(0),
        by=event.owner,
        prices={str(line.pk): "50" for line in lines},
        answers={str(question.pk): "Yes"},
    )
    event.respond(1, ["60", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    round_open(
        rfp=event.rfp,
        by=event.owner,
        shortlist=[event.invitation(0)],
        deadline=DEADLINE + timedelta(days=3),
    )
    _login(client, event.owner)
    page = client.get(reverse("rfps:rfp_detail", args=[event.rfp.pk])).content.decode()
    shortlisted = reverse("rfps:proposal_enter", args=[event.rfp.pk, event.invitations[0].pk])
    left_out = reverse("rfps:proposal_enter", args=[event.rfp.pk, event.invitations[1].pk])
    assert shortlisted in page and left_out not in page
    assert client.post(left_out, _form_data(event, ["1", "1"])).status_code == 409


def test_deadlines_said_to_be_utc_are_utc_whatever_the_sites_time_zone(
    event: Event, client: Client, clock: time_machine.Traveller, settings: Any
) -> None:
    """The deadline fields, the supplier's page and the invitation emails say "UTC": so they
    read, show and send UTC also on a site whose TIME_ZONE is Stockholm (UTC+1 in March)."""
    settings.TIME_ZONE = "Europe/Stockholm"
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    _login(client, event.owner)
    round_url = reverse("rfps:round_create", args=[event.rfp.pk])
    typed = {"shortlist": [event.invitations[0].pk], "deadline": "2027-03-20T12:00"}
    assert client.post(round_url, typed).status_code == 302
    deadline = event.rfp.rounds.get(number=2).deadline
    assert deadline == datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    email = Notification.objects.get(kind="rfp_invitation", occasion="round-2")
    assert "2027-03-20 12:00 (UTC)" in str(email.body)
    # The supplier's page, opened signed out (a signed-in user of ours is refused).
    page = Client().get(_respond_url(event, 0)).content.decode()
    assert "March 20, 2027, noon (UTC" in page

    draft = rfp_create(
        by=event.owner,
        data=RfpInput(
            title="Desks",
            owner=event.owner,
            currency="EUR",
            deadline=datetime(2027, 6, 1, 12, 0, tzinfo=UTC),
        ),
    )
    edit = client.get(reverse("rfps:rfp_edit", args=[draft.pk])).content.decode()
    assert 'value="2027-06-01T12:00"' in edit


def test_every_write_through_a_link_is_refused_after_the_deadline(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    url = _respond_url(event, 0)
    upload = SimpleUploadedFile("spec.txt", b"spec", content_type="text/plain")
    assert (
        client.post(_respond_url(event, 0, "rfps:respond_attach"), {"file": upload}).status_code
        == 302
    )
    attachment = event.rfp.proposals.get().attachments.get()
    client.post(url, {**_form_data(event, ["12", "30"]), "submit": "1"})
    past_deadline(clock)
    late = SimpleUploadedFile("late.txt", b"late", content_type="text/plain")
    writes = {
        "rfps:respond": {**_form_data(event, ["1", "1"]), "submit": "1"},
        "rfps:respond_attach": {"file": late},
        "rfps:respond_ask": {"question": "Still open?"},
        "rfps:respond_decline": {"reason": "Too late anyway"},
    }
    for name, data in writes.items():
        assert client.post(_respond_url(event, 0, name), data).status_code == 409, name
    draft_only = client.post(url, _form_data(event, ["2", "2"]))  # saving a draft, too
    assert draft_only.status_code == 409
    remove = client.post(
        _respond_url(event, 0, "rfps:respond_remove"), {"attachment": attachment.pk}, follow=True
    )
    assert "The deadline has passed" in remove.content.decode()
    proposal = event.rfp.proposals.get()
    assert proposal.revisions.count() == 1 and proposal.draft["lines"] == {
        str(line.pk): price for line, price in zip(event.rfp.lines.all(), ["12", "30"], strict=True)
    }
    assert list(proposal.attachments.values_list("name", "in_draft")) == [("spec.txt", True)]
    assert not event.rfp.clarifications.exists()
    assert event.invitation(0).declined_at is None


def test_a_supplier_left_out_of_a_negotiation_round_reads_but_cannot_respond(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    event.respond(1, ["45", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    second = DEADLINE + timedelta(days=3)
    round_open(rfp=event.rfp, by=event.owner, shortlist=[event.invitation(0)], deadline=second)
    left_out = _respond_url(event, 1)
    page = client.get(left_out)
    assert page.status_code == 200 and "no longer accepts proposals" in page.content.decode()
    response = client.post(left_out, {**_form_data(event, ["1", "1"]), "submit": "1"})
    assert response.status_code == 409
    assert ProposalRevision.objects.filter(proposal__invitation=event.invitations[1]).count() == 1
    shortlisted = client.post(
        _respond_url(event, 0), {**_form_data(event, ["40", "200"]), "submit": "1"}
    )
    assert shortlisted.status_code == 302


def test_a_revised_offer_in_a_negotiation_round_keeps_its_files(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    upload = SimpleUploadedFile("datasheet.txt", b"datasheet", content_type="text/plain")
    first_file = attachment_add(invitation=event.invitation(0), upload=upload)
    event.respond(0, ["50", "200"])
    event.respond(1, ["60", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    second = DEADLINE + timedelta(days=3)
    round_open(
        rfp=event.rfp,
        by=event.owner,
        shortlist=[event.invitation(0), event.invitation(1)],
        deadline=second,
    )
    revised = event.respond(0, ["40", "200"])  # the price only; the file is not sent again
    (carried,) = revised.content["attachments"]
    assert carried["sha256"] == first_file.sha256 and carried["id"] != first_file.pk
    page = client.get(_respond_url(event, 0)).content.decode()
    assert "datasheet.txt" in page

    past_deadline(clock, second)
    _login(client, event.owner)
    compare = client.get(reverse("rfps:rfp_compare", args=[event.rfp.pk])).content.decode()
    new_link = reverse("rfps:attachment_download", args=[event.rfp.pk, carried["id"]])
    assert new_link in compare
    for file_id in (carried["id"], first_file.pk):
        url = reverse("rfps:attachment_download", args=[event.rfp.pk, file_id])
        download = client.get(url)
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == b"datasheet"  # type: ignore[attr-defined]


def test_taking_a_carried_file_out_of_a_negotiation_draft_keeps_round_ones(
    event: Event, client: Client, clock: time_machine.Traveller
) -> None:
    upload = SimpleUploadedFile("datasheet.txt", b"datasheet", content_type="text/plain")
    first_file = attachment_add(invitation=event.invitation(0), upload=upload)
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    second = DEADLINE + timedelta(days=3)
    round_open(rfp=event.rfp, by=event.owner, shortlist=[event.invitation(0)], deadline=second)
    proposal_save_draft(invitation=event.invitation(0), prices={}, answers={})  # opens round 2
    carried = event.rfp.proposals.get(round__number=2).attachments.get()
    removed = client.post(_respond_url(event, 0, "rfps:respond_remove"), {"attachment": carried.pk})
    assert removed.status_code == 302
    assert not event.rfp.proposals.get(round__number=2).attachments.exists()
    _login(client, event.owner)
    url = reverse("rfps:attachment_download", args=[event.rfp.pk, first_file.pk])
    assert b"".join(client.get(url).streaming_content) == b"datasheet"  # type: ignore[attr-defined]
