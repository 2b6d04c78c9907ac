"""Defects found by using the product (issue 15), each with the test that failed before its fix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus, Level, Severity
from escalations.models import Escalation
from escalations.services import escalation_climb_scan, escalation_raise
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _supplier_sponsored_by(sponsor: User, owner: User) -> Supplier:
    supplier: Supplier = SupplierFactory(name="Acme Steel")
    OwnershipFactory(supplier=supplier, user=owner, role="owner")
    OwnershipFactory(supplier=supplier, user=sponsor, role="executive_sponsor")
    return supplier


def _climbed_to_the_top(supplier: Supplier) -> Escalation:
    escalation = escalation_raise(
        supplier=supplier,
        subject=CommitmentFactory(supplier=supplier),
        reason=EscalationReason.OVERDUE_COMMITMENT,
        severity=Severity.MEDIUM,
        summary="Specs 8 days overdue",
    )
    for _ in range(2):
        Escalation.objects.filter(pk=escalation.pk).update(
            acknowledge_by=timezone.now() - timedelta(minutes=1)
        )
        escalation_climb_scan()
    escalation.refresh_from_db()
    assert escalation.level == Level.EXECUTIVE
    return escalation


# --- An executive sponsor told to acknowledge may, on the page and in the API ----------------


def test_an_executive_sponsor_told_to_acknowledge_may_do_so_through_the_api(
    make_user: Callable[..., User], account_manager: User
) -> None:
    eva = make_user(Role.EXECUTIVE, username="eva")
    escalation = _climbed_to_the_top(_supplier_sponsored_by(eva, account_manager))

    response = _api(eva).post(f"/api/v1/escalations/{escalation.pk}/acknowledge/", {"note": "Mine"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == EscalationStatus.ACKNOWLEDGED
    assert "acknowledge" not in response.json()["allowed_actions"]


def test_the_page_and_the_api_offer_an_executive_sponsor_the_same_actions(
    make_user: Callable[..., User], account_manager: User
) -> None:
    eva = make_user(Role.EXECUTIVE, username="eva")
    escalation = _climbed_to_the_top(_supplier_sponsored_by(eva, account_manager))

    body = _api(eva).get(f"/api/v1/escalations/{escalation.pk}/").json()
    page = _page(eva).get(escalation.get_absolute_url()).content.decode()

    assert body["allowed_actions"] == ["acknowledge", "resolve"]
    assert f'action="/escalations/{escalation.pk}/acknowledge/"' in page


def test_an_executive_who_is_not_told_still_gets_403_from_the_api(
    make_user: Callable[..., User], executive: User, account_manager: User
) -> None:
    eva = make_user(Role.EXECUTIVE, username="eva")
    escalation = _climbed_to_the_top(_supplier_sponsored_by(eva, account_manager))

    response = _api(executive).post(f"/api/v1/escalations/{escalation.pk}/acknowledge/")

    assert response.status_code == 403
    assert Escalation.objects.get(pk=escalation.pk).status == EscalationStatus.OPEN


# --- Summaries and step notes render in the reader's language ---------------------------------

GERMAN_SUMMARY = "„Send the forecast“ für Acme Steel ist seit 7 Tagen überfällig"
ENGLISH_SUMMARY = "“Send the forecast” for Acme Steel is 7 days overdue"


def _overdue_commitment_escalation(owner: User) -> Escalation:
    """The commitment scan escalates our side's commitment a week overdue, as in production,
    on a worker speaking English."""
    from meetings.reminders import commitment_reminder_scan

    supplier: Supplier = SupplierFactory(name="Acme Steel")
    OwnershipFactory(supplier=supplier, user=owner, role="owner")
    CommitmentFactory(
        supplier=supplier,
        owner_user=owner,
        description="Send the forecast",
        due_date=timezone.localdate() - timedelta(days=7),
    )
    with translation.override("en"):
        commitment_reminder_scan()
    return Escalation.objects.get(reason=EscalationReason.OVERDUE_COMMITMENT)


def test_an_escalation_stores_facts_and_each_api_reader_reads_its_summary_in_their_language(
    account_manager: User, procurement_manager: User
) -> None:
    escalation = _overdue_commitment_escalation(account_manager)
    detail = f"/api/v1/escalations/{escalation.pk}/"

    german = _api(procurement_manager).get(detail, HTTP_ACCEPT_LANGUAGE="de").json()
    english = _api(procurement_manager).get(detail, HTTP_ACCEPT_LANGUAGE="en").json()
    listed = _api(procurement_manager).get("/api/v1/escalations/", HTTP_ACCEPT_LANGUAGE="de")

    assert german["summary"] == GERMAN_SUMMARY
    assert english["summary"] == ENGLISH_SUMMARY
    assert listed.json()["results"][0]["summary"] == GERMAN_SUMMARY
    stored = Escalation.objects.filter(pk=escalation.pk).values()[0]
    assert ENGLISH_SUMMARY not in str(stored)  # facts, not an English sentence
    assert stored["summary_params"] == {
        "what": "Send the forecast",
        "supplier": "Acme Steel",
        "days": 7,
    }


def test_the_page_shows_the_summary_in_the_reader_s_preferred_language(
    make_user: Callable[..., User], account_manager: User
) -> None:
    escalation = _overdue_commitment_escalation(account_manager)
    greta = make_user(Role.PROCUREMENT_MANAGER, username="greta", preferred_language="de")

    page = _page(greta).get(escalation.get_absolute_url()).content.decode()
    listed = _page(greta).get("/escalations/").content.decode()

    assert GERMAN_SUMMARY in page and GERMAN_SUMMARY in listed
    assert ENGLISH_SUMMARY not in page


def test_the_ladder_notifies_each_recipient_in_their_own_language(
    make_user: Callable[..., User],
) -> None:
    from notifications.choices import NotificationKind
    from notifications.models import Notification

    greta = make_user(Role.ACCOUNT_MANAGER, username="greta", preferred_language="de")
    _overdue_commitment_escalation(greta)

    notification = Notification.objects.get(recipient=greta, kind=NotificationKind.ESCALATION)

    assert notification.title == f"Eskalation an Sie (Stufe 1): {GERMAN_SUMMARY}"
    assert notification.body == GERMAN_SUMMARY


def test_a_severity_change_reads_in_the_reader_s_language(
    account_manager: User, procurement_manager: User
) -> None:
    from escalations.services import escalation_change_severity_for

    escalation = _overdue_commitment_escalation(account_manager)
    with translation.override("en"):
        escalation_change_severity_for(
            subject=escalation.subject, reason=escalation.reason, severity=Severity.HIGH
        )
    detail = f"/api/v1/escalations/{escalation.pk}/"

    steps = _api(procurement_manager).get(detail, HTTP_ACCEPT_LANGUAGE="de").json()["steps"]

    assert [step["note"] for step in steps if step["kind"] == "severity"] == ["Mittel → Hoch"]


def test_a_reader_who_may_not_see_the_subject_still_reads_the_generic_summary(
    make_user: Callable[..., User], account_manager: User
) -> None:
    """Translated words must not leak what the generic summary hides: a poor review's
    escalation reads as "Escalation about a review of …" to another account manager."""
    from reviews.services import review_create, review_submit
    from tests.reviews.conftest import Q1, score_all

    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory(segment="strategic", status="active", name="Acme Steel")
    OwnershipFactory(supplier=supplier, user=account_manager, role="owner")
    review = review_create(supplier=supplier, period_start=Q1[0], period_end=Q1[1], due_date=Q1[1])
    score_all(review, account_manager, 2)
    with translation.override("de"):  # a German reviewer submits it
        review_submit(review=review, by=account_manager)
    escalation = Escalation.objects.get(reason=EscalationReason.POOR_REVIEW)

    body = _api(bob).get(f"/api/v1/escalations/{escalation.pk}/", HTTP_ACCEPT_LANGUAGE="en")

    assert body.json()["summary"] == "Escalation about a review of Acme Steel"
    with translation.override("en"):  # an English reader who may see it reads it in English
        assert (
            escalation.summary == "Poor review of Acme Steel for 2026-01-01 \u2013 2026-03-31: "
            "corrective actions opened"
        )


# --- A system resolution reads in the reader's language ----------------------------------------

GERMAN_CLOSED = "Die Zusage wurde von {name} abgeschlossen (Erledigt)."
ENGLISH_CLOSED = "The commitment was closed (Done) by {name}."


def _closed_on_an_english_worker(owner: User) -> Escalation:
    """The commitment's escalation is resolved when its owner completes it, on a worker
    speaking English."""
    from meetings.services import commitment_complete

    escalation = _overdue_commitment_escalation(owner)
    with translation.override("en"):
        commitment_complete(commitment=escalation.subject, by=owner, note="Sent it")
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    return escalation


def test_a_system_resolution_is_stored_as_facts_on_the_escalation_and_its_step(
    account_manager: User,
) -> None:
    from escalations.choices import StepKind
    from escalations.models import EscalationStep

    escalation = _closed_on_an_english_worker(account_manager)
    english = ENGLISH_CLOSED.format(name=account_manager.name)

    stored = Escalation.objects.filter(pk=escalation.pk).values()[0]
    step = EscalationStep.objects.filter(escalation=escalation, kind=StepKind.RESOLVED).values()[0]
    assert english not in str(stored) and english not in str(step)  # facts, not a sentence
    assert (stored["resolution_code"], stored["resolution_params"]) == (
        "commitment_closed",
        {"status": "done", "user": account_manager.name},
    )
    assert (step["note_code"], step["note_params"], step["actor_id"]) == (
        "commitment_closed",
        {"status": "done", "user": account_manager.name},
        None,
    )


def test_a_system_resolution_reads_in_each_api_reader_s_language(
    account_manager: User, procurement_manager: User
) -> None:
    escalation = _closed_on_an_english_worker(account_manager)
    detail = f"/api/v1/escalations/{escalation.pk}/"

    german = _api(procurement_manager).get(detail, HTTP_ACCEPT_LANGUAGE="de").json()
    english = _api(procurement_manager).get(detail, HTTP_ACCEPT_LANGUAGE="en").json()

    name = account_manager.name
    assert german["resolution"] == GERMAN_CLOSED.format(name=name)
    assert [s["note"] for s in german["steps"] if s["kind"] == "resolved"] == [
        GERMAN_CLOSED.format(name=name)
    ]
    assert english["resolution"] == ENGLISH_CLOSED.format(name=name)


def test_the_page_shows_a_system_resolution_in_the_reader_s_preferred_language(
    make_user: Callable[..., User], account_manager: User
) -> None:
    escalation = _closed_on_an_english_worker(account_manager)
    greta = make_user(Role.PROCUREMENT_MANAGER, username="greta", preferred_language="de")

    page = _page(greta).get(escalation.get_absolute_url()).content.decode()

    assert GERMAN_CLOSED.format(name=account_manager.name) in page
    assert ENGLISH_CLOSED.format(name=account_manager.name) not in page


def test_a_system_resolution_written_on_a_german_worker_reads_in_english_to_an_english_reader(
    account_manager: User,
) -> None:
    from escalations.messages import review_submitted_resolution
    from escalations.services import escalation_resolve_for

    escalation = _overdue_commitment_escalation(account_manager)

    with translation.override("de"):
        escalation_resolve_for(
            subject=escalation.subject,
            reason=escalation.reason,
            note=review_submitted_resolution(),
        )
    escalation.refresh_from_db()

    with translation.override("en"):
        assert escalation.resolution_text == "The review was submitted."
    with translation.override("de"):
        assert escalation.resolution_text == "Die Bewertung wurde eingereicht."
    assert escalation.resolution == ""  # no sentence stored, in any language


def test_a_renewal_decision_resolves_its_escalation_in_the_reader_s_language() -> None:
    from escalations.messages import renewal_decided_resolution

    message = renewal_decided_resolution(decision="renegotiate")

    assert dict(message.params) == {"decision": "renegotiate"}
    with translation.override("de"):
        assert str(message) == "Entscheidung erfasst: Neu verhandeln."
    with translation.override("en"):
        assert str(message) == "Decision recorded: Renegotiate."


def test_a_person_s_resolution_stays_their_text_for_every_reader(
    account_manager: User, procurement_manager: User
) -> None:
    from escalations.services import escalation_resolve

    escalation = _overdue_commitment_escalation(account_manager)
    escalation_resolve(escalation=escalation, by=account_manager, note="  Forecast sent  ")
    detail = f"/api/v1/escalations/{escalation.pk}/"

    german = _api(procurement_manager).get(detail, HTTP_ACCEPT_LANGUAGE="de").json()

    assert german["resolution"] == "Forecast sent"
    assert [s["note"] for s in german["steps"] if s["kind"] == "resolved"] == ["Forecast sent"]
    stored = Escalation.objects.filter(pk=escalation.pk).values()[0]
    assert (stored["resolution"], stored["resolution_code"]) == ("Forecast sent", "")


def test_system_resolutions_stored_in_english_before_migrate_to_their_codes(
    account_manager: User,
) -> None:
    """Rows resolved before codes existed: the system's English sentence becomes its code; a
    person's text stays as typed."""
    import importlib

    from django.apps import apps

    from escalations.choices import StepKind
    from escalations.models import EscalationStep
    from escalations.services import escalation_resolve

    migration = importlib.import_module("escalations.migrations.0004_resolution_as_facts")
    escalation = _closed_on_an_english_worker(account_manager)
    old = f"The commitment was closed (Cancelled) by {account_manager.name}."
    Escalation.objects.filter(pk=escalation.pk).update(
        resolution=old, resolution_code="", resolution_params={}
    )
    EscalationStep.objects.filter(escalation=escalation, kind=StepKind.RESOLVED).update(
        note=old, note_code="", note_params={}
    )
    supplier = SupplierFactory()
    OwnershipFactory(supplier=supplier, user=account_manager, role="owner")
    by_hand = escalation_raise(
        supplier=supplier,
        subject=CommitmentFactory(supplier=supplier),
        reason=EscalationReason.OVERDUE_COMMITMENT,
        severity=Severity.MEDIUM,
        summary="Specs overdue",
    )
    escalation_resolve(escalation=by_hand, by=account_manager, note="The review was submitted.")

    migration.sentences_to_facts(apps, None)

    escalation.refresh_from_db()
    by_hand.refresh_from_db()
    assert (escalation.resolution, escalation.resolution_code) == ("", "commitment_closed")
    assert escalation.resolution_params == {"status": "cancelled", "user": account_manager.name}
    with translation.override("de"):
        assert escalation.resolution_text == (
            f"Die Zusage wurde von {account_manager.name} abgeschlossen (Storniert)."
        )
    # A person typed it, even in the system's words: it stays their text.
    assert (by_hand.resolution, by_hand.resolution_code) == ("The review was submitted.", "")
