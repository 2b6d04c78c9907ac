"""The escalation pages: the list and its filters, an escalation with its steps, acknowledge and
resolve under each role, the supplier page's panel and the administration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from escalations.choices import EscalationReason, EscalationStatus, Severity, StepKind
from escalations.models import Escalation, EscalationStep
from escalations.services import escalation_climb_scan, escalation_raise, escalation_resolve
from suppliers.models import Supplier
from tests.factories import CommitmentFactory, OwnershipFactory, SupplierFactory

pytestmark = pytest.mark.django_db
LIST = reverse("escalations:escalation_list")


@pytest.fixture
def bob(make_user: Callable[..., User]) -> User:
    """An account manager who owns none of alice's suppliers."""
    return make_user(Role.ACCOUNT_MANAGER, username="bob")


@pytest.fixture
def supplier(account_manager: User) -> Supplier:
    """A supplier whose key-account owner is alice."""
    supplier: Supplier = SupplierFactory(name="Mekong Textiles")
    OwnershipFactory(supplier=supplier, user=account_manager)
    return supplier


def escalate(supplier: Supplier, **fields: Any) -> Escalation:
    """An escalation about a new commitment of the supplier, raised by the system."""
    subject = CommitmentFactory(supplier=supplier, description=fields.pop("about", "Send specs"))
    values = {
        "reason": EscalationReason.OVERDUE_COMMITMENT,
        "severity": Severity.MEDIUM,
        "summary": "Specs 8 days overdue",
        **fields,
    }
    return escalation_raise(supplier=supplier, subject=subject, **values)


def detail(escalation: Escalation) -> str:
    return reverse("escalations:escalation_detail", args=[escalation.pk])


def acknowledge(escalation: Escalation) -> str:
    return reverse("escalations:escalation_acknowledge", args=[escalation.pk])


def resolve(escalation: Escalation) -> str:
    return reverse("escalations:escalation_resolve", args=[escalation.pk])


def listed(client: Client, query: str = "") -> list[str]:
    """The summaries of the escalations the list shows, in order."""
    response = client.get(f"{LIST}{query}")
    assert response.status_code == 200
    return [escalation.summary for escalation in response.context["escalations"]]


# --- The list ---------------------------------------------------------------------------------


def test_every_portfolio_reader_sees_every_escalation_newest_first(
    client: Client, executive: User, bob: User, supplier: Supplier
) -> None:
    other = SupplierFactory()
    OwnershipFactory(supplier=other, user=bob)
    escalate(supplier, summary="Alice's")
    escalate(other, summary="Bob's")

    for reader in (executive, bob):
        client.force_login(reader)
        assert listed(client) == ["Bob's", "Alice's"]


def test_the_list_shows_supplier_severity_level_and_status(
    client: Client, executive: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier, severity=Severity.HIGH)
    client.force_login(executive)

    page = client.get(LIST).text

    assert f'href="{detail(escalation)}"' in page
    assert "Mekong Textiles" in page
    assert "High" in page
    assert "Key-account owner" in page
    assert "badge escalation-open" in page


def test_the_list_filters_by_level_status_supplier_and_age(
    client: Client, procurement_manager: User, supplier: Supplier, bob: User
) -> None:
    other = SupplierFactory()
    OwnershipFactory(supplier=other, user=bob)
    fresh = escalate(supplier, summary="fresh")
    old = escalate(supplier, summary="old", about="Old promise")
    Escalation.objects.filter(pk=old.pk).update(raised_at=timezone.now() - timedelta(days=10))
    climbed = escalate(other, summary="climbed")
    Escalation.objects.filter(pk=climbed.pk).update(level=2)
    done = escalate(other, summary="done", about="Done promise")
    escalation_resolve(escalation=done, by=None, note="Delivered")
    client.force_login(procurement_manager)

    assert listed(client, "?level=2") == ["climbed"]
    assert listed(client, "?status=resolved") == ["done"]
    assert sorted(listed(client, "?status=open&status=acknowledged")) == [
        "climbed",
        "fresh",
        "old",
    ]
    assert sorted(listed(client, f"?supplier={supplier.pk}")) == ["fresh", "old"]
    assert listed(client, "?older_than=7") == ["old"]
    assert fresh.summary not in listed(client, "?older_than=1")


def test_a_wrong_filter_is_shown_beside_its_field(
    client: Client, procurement_manager: User
) -> None:
    client.force_login(procurement_manager)

    page = client.get(f"{LIST}?older_than=-3").text

    assert 'class="field has-error"' in page


def test_the_supplier_filter_offers_only_suppliers_with_escalations(
    client: Client, procurement_manager: User, supplier: Supplier
) -> None:
    escalate(supplier)
    SupplierFactory(name="Quiet Supplier")
    client.force_login(procurement_manager)

    page = client.get(LIST).text

    assert "Mekong Textiles" in page.split('name="supplier"')[1]
    assert "Quiet Supplier" not in page


def test_the_list_needs_sign_in(client: Client) -> None:
    response = client.get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_someone_without_a_role_gets_403(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user())

    assert client.get(LIST).status_code == 403


def test_the_navigation_links_the_list_for_portfolio_readers(
    client: Client, executive: User
) -> None:
    client.force_login(executive)

    assert f'href="{LIST}"' in client.get(reverse("core:home")).text


# --- One escalation ---------------------------------------------------------------------------


def test_the_page_shows_every_step_with_who_to_whom_and_the_note(
    client: Client, procurement_manager: User, account_manager: User, supplier: Supplier
) -> None:
    manager = procurement_manager
    manager.display_name = "Mona Manager"
    manager.save()
    account_manager.display_name = "Alice Andersson"
    account_manager.manager = manager
    account_manager.save()
    escalation = escalate(supplier)
    Escalation.objects.filter(pk=escalation.pk).update(acknowledge_by=timezone.now())
    escalation_climb_scan()
    client.force_login(manager)
    client.post(acknowledge(escalation), {"note": "Calling them today"})

    page = client.get(detail(escalation)).text
    steps = page.split('id="steps-heading"')[1]

    for kind in ("Raised", "Notified", "Climbed", "Acknowledged"):
        assert kind in steps
    assert "to Alice Andersson" in steps
    assert "to Mona Manager" in steps
    assert "(a copy)" in steps  # alice, copied when it reached her manager
    assert "by Mona Manager" in steps
    assert "Calling them today" in steps
    assert steps.index("Raised") < steps.index("Climbed") < steps.index("Acknowledged")


def test_an_unknown_escalation_is_404(client: Client, executive: User) -> None:
    client.force_login(executive)

    assert client.get(reverse("escalations:escalation_detail", args=[999999])).status_code == 404


def test_the_owner_acknowledges_an_escalation_of_their_supplier(
    client: Client, account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(account_manager)
    assert 'name="note"' in client.get(detail(escalation)).text

    response = client.post(acknowledge(escalation), {"note": "On it"}, follow=True)

    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.ACKNOWLEDGED
    assert response.redirect_chain[-1][0] == detail(escalation)
    assert "climbs no more" in response.text
    step = escalation.steps.get(kind=StepKind.ACKNOWLEDGED)
    assert (step.actor, step.note) == (account_manager, "On it")


def test_a_stranger_account_manager_gets_403_and_no_forms(
    client: Client, bob: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(bob)

    assert 'id="act-heading"' not in client.get(detail(escalation)).text
    assert client.post(acknowledge(escalation)).status_code == 403
    assert client.post(resolve(escalation), {"note": "Not mine"}).status_code == 403
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_an_executive_reads_but_may_not_act(
    client: Client, executive: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(executive)

    assert client.get(detail(escalation)).status_code == 200
    assert 'id="act-heading"' not in client.get(detail(escalation)).text
    assert client.post(acknowledge(escalation)).status_code == 403
    assert client.post(resolve(escalation), {"note": "Seen"}).status_code == 403


def test_a_procurement_manager_resolves_any_escalation(
    client: Client, procurement_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(procurement_manager)

    response = client.post(resolve(escalation), {"note": "Specs arrived"})

    assert response.status_code == 302
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED
    assert escalation.resolution == "Specs arrived"
    page = client.get(detail(escalation)).text
    assert "Specs arrived" in page
    assert 'id="act-heading"' not in page  # nothing left to do


def test_acknowledging_twice_changes_nothing_the_second_time(
    client: Client, account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(account_manager)
    client.post(acknowledge(escalation))
    first = Escalation.objects.get(pk=escalation.pk).acknowledged_at

    response = client.post(acknowledge(escalation))

    assert response.status_code == 302
    assert Escalation.objects.get(pk=escalation.pk).acknowledged_at == first
    assert escalation.steps.filter(kind=StepKind.ACKNOWLEDGED).count() == 1


def test_resolving_needs_a_note_shown_beside_the_field(
    client: Client, account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(account_manager)

    response = client.post(resolve(escalation), {"note": "  "})

    assert response.status_code == 200
    assert "Say how it was resolved." in response.text.split('id="id_resolve_note"')[1]
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.OPEN


def test_acknowledging_a_resolved_escalation_is_a_conflict_shown_on_the_page(
    client: Client, account_manager: User, supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(account_manager)
    client.post(resolve(escalation), {"note": "Fixed"})

    response = client.post(acknowledge(escalation))

    assert response.status_code == 409
    assert "This escalation is resolved already." in response.text
    escalation.refresh_from_db()
    assert escalation.status == EscalationStatus.RESOLVED


def test_the_manager_may_act_once_it_has_climbed_to_them(
    client: Client, account_manager: User, make_user: Callable[..., User], supplier: Supplier
) -> None:
    manager = make_user(Role.ACCOUNT_MANAGER, username="carol")
    account_manager.manager = manager
    account_manager.save()
    escalation = escalate(supplier)
    client.force_login(manager)
    assert client.post(acknowledge(escalation)).status_code == 403

    Escalation.objects.filter(pk=escalation.pk).update(acknowledge_by=timezone.now())
    escalation_climb_scan()

    assert client.post(acknowledge(escalation)).status_code == 302


# --- The supplier page's panel ----------------------------------------------------------------


def test_the_supplier_page_lists_its_open_escalations_only(
    client: Client, executive: User, supplier: Supplier
) -> None:
    open_one = escalate(supplier, summary="Still open")
    done = escalate(supplier, summary="All done", about="Other")
    escalation_resolve(escalation=done, by=None, note="Fine")
    elsewhere = escalate(SupplierFactory(), summary="Someone else's")
    client.force_login(executive)

    page = client.get(supplier.get_absolute_url()).text
    panel = page.split('id="escalations-heading"')[1].split("</section>")[0]

    assert f'href="{detail(open_one)}"' in panel
    assert "All done" not in panel
    assert elsewhere.summary not in panel
    assert f"{LIST}?supplier={supplier.pk}" in panel


def test_a_supplier_without_escalations_says_so(
    client: Client, executive: User, supplier: Supplier
) -> None:
    client.force_login(executive)

    assert "No open escalations." in client.get(supplier.get_absolute_url()).text


# --- Administration ---------------------------------------------------------------------------


def test_the_admin_shows_an_escalation_with_its_steps_read_only(
    client: Client, make_user: Callable[..., User], supplier: Supplier
) -> None:
    escalation = escalate(supplier)
    client.force_login(make_user(is_staff=True, is_superuser=True))

    page = client.get(reverse("admin:escalations_escalation_change", args=[escalation.pk]))

    assert page.status_code == 200
    assert "Specs 8 days overdue" in page.text
    assert "Raised" in page.text
    assert 'name="summary"' not in page.text  # nothing to edit
    assert client.get(reverse("admin:escalations_escalation_add")).status_code == 403


# --- Query counts -----------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def add_escalations(count: int, owner: User) -> None:
    for _index in range(count):
        supplier = SupplierFactory()
        OwnershipFactory(supplier=supplier, user=owner)
        escalate(supplier)


def test_the_list_runs_the_same_queries_for_3_and_15_escalations(
    client: Client, procurement_manager: User, account_manager: User
) -> None:
    client.force_login(procurement_manager)
    add_escalations(3, account_manager)
    filtered = f"{LIST}?status=open&level=1&older_than=0"
    at_3 = count_queries(client, LIST), count_queries(client, filtered)

    add_escalations(12, account_manager)

    assert (count_queries(client, LIST), count_queries(client, filtered)) == at_3


def test_the_escalation_page_runs_the_same_queries_for_few_and_many_steps(
    client: Client,
    procurement_manager: User,
    supplier: Supplier,
    make_user: Callable[..., User],
) -> None:
    few, many = escalate(supplier), escalate(supplier, about="Another")
    for _index in range(10):
        person = make_user(Role.ACCOUNT_MANAGER)
        EscalationStep.objects.create(
            escalation=many, kind=StepKind.NOTIFIED, level=1, actor=person, recipient=person
        )
    client.force_login(procurement_manager)
    count_queries(client, detail(few))  # warms per-process caches (content types)

    assert count_queries(client, detail(few)) == count_queries(client, detail(many))
