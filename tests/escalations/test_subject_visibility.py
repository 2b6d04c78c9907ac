"""An escalation tells a reader only what its subject would: a poor review's escalation reads
in full for those who may see the review (its owners, procurement, executives, the ERP once it
is submitted, superusers) and as a generic "Escalation about a review of …" for everyone else,
on every route: the list and detail pages, the supplier page's panel, the API, the filters, the
exports and the notifications of the ladder."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus
from escalations.models import Escalation
from escalations.services import escalation_climb_scan, escalation_resolve
from notifications.models import Notification
from reviews.models import Review
from reviews.services import review_create, review_submit
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, OwnershipFactory, SupplierFactory
from tests.reviews.conftest import Q1, score_all

pytestmark = pytest.mark.django_db
GENERIC = "Escalation about a review of Acme Steel"
LIST = reverse("escalations:escalation_list")


@dataclass
class World:
    supplier: Supplier
    alice: User  # the supplier's key-account owner
    carol: User  # alice's manager, an account manager who owns nothing here
    bob: User  # another account manager
    review: Review
    escalation: Escalation


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    carol = make_user(Role.ACCOUNT_MANAGER, username="carol")
    alice = make_user(Role.ACCOUNT_MANAGER, username="alice", manager=carol)
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    supplier = SupplierFactory(segment="strategic", status="active", name="Acme Steel")
    OwnershipFactory(supplier=supplier, user=alice, role="owner")
    review = review_create(supplier=supplier, period_start=Q1[0], period_end=Q1[1], due_date=Q1[1])
    score_all(review, alice, 2)  # very poor
    review_submit(review=review, by=alice)
    escalation = Escalation.objects.get(reason=EscalationReason.POOR_REVIEW)
    assert "poor" in escalation.summary.lower()  # what the readers who see the review read
    return World(supplier, alice, carol, bob, review, escalation)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _rows(html: str) -> str:
    """The list's table body: the filter form above it names every reason."""
    match = re.search(r"<tbody>(.*)</tbody>", html, re.S)
    assert match is not None
    return match.group(1)


@pytest.fixture
def readers(
    world: World,
    make_user: Callable[..., User],
    procurement_manager: User,
    executive: User,
) -> dict[str, tuple[User, bool]]:
    """Each page reader, and whether they may see the review."""
    administrator = make_user(Role.ADMINISTRATOR, username="admin", is_staff=True)
    superuser = make_user(username="root", is_superuser=True, is_staff=True)
    return {
        "owner": (world.alice, True),
        "procurement": (procurement_manager, True),
        "executive": (executive, True),
        "superuser": (superuser, True),
        "other account manager": (world.bob, False),
        "owner's manager without the supplier": (world.carol, False),
        "administrator": (administrator, False),
    }


def test_the_list_page_shows_a_hidden_review_s_escalation_generically(
    world: World, readers: dict[str, tuple[User, bool]]
) -> None:
    for name, (user, sees) in readers.items():
        rows = _rows(_client(user).get(LIST).content.decode())
        if sees:
            assert world.escalation.summary in rows, name
            assert "Poor review" in rows and "severity-" in rows, name
        else:
            assert GENERIC in rows, name
            assert "poor" not in rows.lower(), name
            assert "corrective" not in rows.lower(), name
            assert "severity-" not in rows, name


def test_the_detail_page_shows_no_reason_severity_subject_or_notes_to_a_hidden_reader(
    world: World, readers: dict[str, tuple[User, bool]], procurement_manager: User
) -> None:
    escalation_resolve(
        escalation=world.escalation, by=procurement_manager, note="Scored 25: very poor quality."
    )
    for name, (user, sees) in readers.items():
        response = _client(user).get(world.escalation.get_absolute_url())
        assert response.status_code == 200, name
        page = response.content.decode()
        if sees:
            assert world.escalation.summary in page, name
            assert "Scored 25" in page and world.review.get_absolute_url() in page, name
        else:
            assert GENERIC in page, name
            assert "poor" not in page.lower(), name
            assert "Scored 25" not in page, name
            assert world.review.get_absolute_url() not in page, name
            assert "severity-" not in page, name


def test_the_supplier_page_panel_shows_the_generic_summary_to_a_hidden_reader(
    world: World, executive: User
) -> None:
    url = world.supplier.get_absolute_url()
    bob_page = _client(world.bob).get(url).content.decode()
    assert GENERIC in bob_page and world.escalation.summary not in bob_page
    assert world.escalation.summary in _client(executive).get(url).content.decode()


def test_the_api_leaves_out_what_a_hidden_reader_may_not_know(
    world: World,
    executive: User,
    integration: User,
    make_user: Callable[..., User],
) -> None:
    superuser = make_user(username="root", is_superuser=True)
    detail = f"/api/v1/escalations/{world.escalation.pk}/"
    for user in (world.bob, world.carol):
        for body in (_api(user).get(detail).json(), _api(user).get("/api/v1/escalations/").json()):
            row = body["results"][0] if "results" in body else body
            assert row["summary"] == GENERIC
            assert row["reason"] is None and row["severity"] is None
            assert row["subject_visible"] is False and row["resolution"] == ""
            assert "poor" not in str(row).lower()
    # The ERP pulls submitted reviews' results, so it reads the escalation in full.
    for user in (world.alice, executive, integration, superuser):
        row = _api(user).get(detail).json()
        assert row["summary"] == world.escalation.summary
        assert row["reason"] == EscalationReason.POOR_REVIEW
        assert row["severity"] == world.escalation.severity and row["subject_visible"] is True


def test_filtering_by_reason_or_severity_finds_no_hidden_escalation(
    world: World, executive: User
) -> None:
    severity = world.escalation.severity
    for query in ("reason=poor_review", f"severity={severity}"):
        assert _api(world.bob).get(f"/api/v1/escalations/?{query}").json()["results"] == []
        assert len(_api(executive).get(f"/api/v1/escalations/?{query}").json()["results"]) == 1
        assert _client(world.bob).get(f"{LIST}?{query}").context["escalations"] == []
    # Without those filters the hidden one is still listed, generically.
    assert [
        row["summary"] for row in _api(world.bob).get("/api/v1/escalations/").json()["results"]
    ] == [GENERIC]


def test_the_escalations_export_shows_the_generic_summary_to_a_hidden_reader(
    world: World, executive: User
) -> None:
    url = reverse("reports:export", args=["escalations", "csv"])

    def rows(user: User) -> list[list[str]]:
        response = _client(user).get(url)
        body = b"".join(response.streaming_content).decode("utf-8")
        return list(csv.reader(io.StringIO(body[1:])))

    header, *bob_rows = rows(world.bob)
    assert bob_rows[0][header.index("Summary")] == GENERIC
    assert bob_rows[0][header.index("Reason")] == ""
    assert bob_rows[0][header.index("Severity")] == ""
    assert "poor" not in str(bob_rows).lower()
    header, *executive_rows = rows(executive)
    assert executive_rows[0][header.index("Summary")] == world.escalation.summary
    assert executive_rows[0][header.index("Reason")] == "Poor review"


def test_a_ladder_notification_tells_a_recipient_who_may_not_see_the_review_only_the_generic(
    world: World,
) -> None:
    Escalation.objects.filter(pk=world.escalation.pk).update(
        acknowledge_by=timezone.now() - timedelta(minutes=1)
    )
    escalation_climb_scan()  # level 2: carol, alice's manager, who may not see the review
    carol_inbox = _api(world.carol).get("/api/v1/notifications/").json()["results"]
    assert len(carol_inbox) == 1
    assert GENERIC in carol_inbox[0]["title"]
    assert "poor" not in str(carol_inbox).lower()
    carol_note = Notification.objects.get(recipient=world.carol)
    assert "poor" not in (carol_note.title + carol_note.body).lower()
    # alice, the owner, is told in full on both occasions.
    alice_inbox = _api(world.alice).get("/api/v1/notifications/").json()["results"]
    alice_titles = [n["title"] for n in alice_inbox if n["kind"] == "escalation"]
    assert len(alice_titles) == 2
    assert all(world.escalation.summary in title for title in alice_titles)


def test_an_overdue_commitment_s_escalation_reads_in_full_for_every_portfolio_reader(
    world: World,
) -> None:
    """Commitments are read by every portfolio reader, so their escalations are not masked."""
    from escalations.services import escalation_raise

    commitment = CommitmentFactory(supplier=world.supplier, description="Send specs")
    escalation = escalation_raise(
        supplier=world.supplier,
        subject=commitment,
        reason=EscalationReason.OVERDUE_COMMITMENT,
        severity="medium",
        summary="“Send specs” for Acme Steel is 8 days overdue",
    )
    row = _api(world.bob).get(f"/api/v1/escalations/{escalation.pk}/").json()
    assert row["summary"] == escalation.summary and row["subject_visible"] is True
    assert row["reason"] == EscalationReason.OVERDUE_COMMITMENT
    assert escalation.status == EscalationStatus.OPEN
