from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from notifications.choices import NotificationKind
from notifications.models import Notification
from rfps.choices import RfpStatus
from rfps.models import Invitation, ProposalRevision, Round
from rfps.services.responses import (
    SubmissionClosedError,
    clarification_answer,
    clarification_ask,
    invitation_decline,
    proposal_enter_on_behalf,
    proposal_save_draft,
    proposal_submit,
)
from rfps.services.rfp import (
    CriterionInput,
    InviteeInput,
    RfpInput,
    RfpStateError,
    rfp_cancel,
    rfp_close,
    rfp_deadline_scan,
    rfp_publish,
    rfp_update,
    round_open,
)
from tests.factories import ContactFactory, SupplierFactory
from tests.rfps.conftest import DEADLINE, Event, build_rfp, past_deadline

pytestmark = pytest.mark.django_db


def _draft_input(event: Event, **children: Any) -> RfpInput:
    rfp = event.rfp
    return RfpInput(
        title=rfp.title,
        owner=rfp.owner,
        currency=rfp.currency,
        deadline=rfp.deadline,
        description=rfp.description,
        category=rfp.category,
        budget=rfp.budget,
        **children,
    )


def _external(kind: str) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, recipient=None).order_by("email_to"))


def test_create_makes_a_draft_with_a_reference(make_event: Callable[..., Event]) -> None:
    event = make_event(publish=False)
    assert event.rfp.status == RfpStatus.DRAFT
    assert event.rfp.reference == f"RFP-2027-{event.rfp.pk:05d}"
    assert event.rfp.lines.count() == 2 and event.rfp.criteria.count() == 2


def test_supplier_not_to_be_invited_is_refused(
    make_event: Callable[..., Event], procurement_manager: User
) -> None:
    banned = SupplierFactory(excluded_from_rfps=True)
    event = make_event(publish=False)
    data = _draft_input(
        event,
        invitees=[InviteeInput(banned)],
        criteria=[CriterionInput("Price", 100, True)],
    )
    with pytest.raises(ValidationError) as error:
        rfp_update(rfp=event.rfp, by=event.owner, data=data)
    assert "invitees" in error.value.message_dict
    assert not Invitation.objects.filter(supplier=banned).exists()


def test_supplier_excluded_after_invitation_blocks_publishing(
    make_event: Callable[..., Event],
) -> None:
    event = make_event(publish=False)
    supplier = event.invitations[0].supplier
    supplier.excluded_from_rfps = True
    supplier.save()
    with pytest.raises(ValidationError) as error:
        rfp_publish(rfp=event.rfp, by=event.owner)
    assert "invitees" in error.value.message_dict


def test_publish_needs_weights_adding_to_100(make_event: Callable[..., Event]) -> None:
    event = make_event(publish=False)
    event.rfp.criteria.filter(is_price=False).update(weight=50)
    with pytest.raises(ValidationError) as error:
        rfp_publish(rfp=event.rfp, by=event.owner)
    assert "criteria" in error.value.message_dict


def test_only_rfp_runners_create_or_publish(
    make_event: Callable[..., Event], account_manager: User
) -> None:
    event = make_event(publish=False)
    with pytest.raises(PermissionDenied):
        rfp_publish(rfp=event.rfp, by=account_manager)
    with pytest.raises(PermissionDenied):
        build_rfp(account_manager, [])


def test_publish_opens_round_one_and_emails_each_contact_a_link(event: Event) -> None:
    assert event.rfp.status == RfpStatus.PUBLISHED
    assert Round.objects.get(rfp=event.rfp).deadline == DEADLINE
    invitations = _external(NotificationKind.RFP_INVITATION)
    assert sorted(n.email_to for n in invitations) == sorted(
        i.contact.email for i in event.invitations
    )
    # The outbox names the link; it is made only when the email is sent.
    assert all(n.url == "" and n.link_ref.startswith("rfps.invitation:") for n in invitations)
    assert {i.email for i in Invitation.objects.filter(rfp=event.rfp)} == {
        i.contact.email for i in event.invitations
    }
    with pytest.raises(RfpStateError):
        rfp_publish(rfp=event.rfp, by=event.owner)


def test_every_submitted_version_is_kept_with_its_receipt(event: Event) -> None:
    first = event.respond(0, ["50", "200"])
    second = event.respond(0, ["45", "200"])
    assert [r.number for r in ProposalRevision.objects.order_by("number")] == [1, 2]
    assert first.total == Decimal("7000.00") and second.total == Decimal("6500.00")
    for revision in (first, second):
        revision.refresh_from_db()
        canonical = json.dumps(
            revision.content, sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode()
        assert revision.sha256 == hashlib.sha256(canonical).hexdigest()
    assert first.sha256 != second.sha256
    assert first.content["lines"][0]["unit_price"] == "50"


def test_submit_needs_every_line_priced_and_question_answered(event: Event) -> None:
    invitation = event.invitation(0)
    line = event.rfp.lines.first()
    proposal_save_draft(invitation=invitation, prices={str(line.pk): "5"}, answers={})
    with pytest.raises(ValidationError) as error:
        proposal_submit(invitation=invitation)
    assert set(error.value.message_dict) == {"prices", "answers"}


@pytest.mark.parametrize("price", ["abc", "-1", "NaN", "1e400", "Infinity"])
def test_bad_prices_are_refused(event: Event, price: str) -> None:
    line = event.rfp.lines.first()
    with pytest.raises(ValidationError):
        proposal_save_draft(
            invitation=event.invitation(0), prices={str(line.pk): price}, answers={}
        )


def test_prices_for_another_rfps_lines_are_refused(
    event: Event, make_event: Callable[..., Event]
) -> None:
    other = make_event()
    line = other.rfp.lines.first()
    with pytest.raises(ValidationError):
        proposal_save_draft(invitation=event.invitation(0), prices={str(line.pk): "1"}, answers={})


def test_late_submission_is_refused(event: Event, clock: time_machine.Traveller) -> None:
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    with pytest.raises(SubmissionClosedError):
        event.respond(0, ["1", "1"])
    assert ProposalRevision.objects.count() == 1


def test_submission_at_the_deadline_second_is_refused(
    event: Event, clock: time_machine.Traveller
) -> None:
    clock.move_to(DEADLINE)
    with pytest.raises(SubmissionClosedError):
        event.respond(0, ["50", "200"])


def test_supplier_not_shortlisted_cannot_submit_in_a_round(
    event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    event.respond(1, ["60", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    round_open(
        rfp=event.rfp,
        by=event.owner,
        shortlist=[event.invitation(0)],
        deadline=DEADLINE + timedelta(days=5),
    )
    with pytest.raises(SubmissionClosedError):
        event.respond(1, ["10", "10"])
    event.respond(0, ["40", "200"])


def test_declined_supplier_cannot_submit(event: Event) -> None:
    invitation_decline(invitation=event.invitation(2), reason="No capacity")
    with pytest.raises(SubmissionClosedError):
        event.respond(2, ["1", "1"])
    with pytest.raises(ValidationError):
        invitation_decline(invitation=event.invitation(1), reason=" ")


def test_buyer_enters_a_proposal_on_the_suppliers_behalf(event: Event) -> None:
    invitation = event.invitation(1)
    line_ids = list(event.rfp.lines.values_list("pk", flat=True))
    question = event.rfp.questions.get()
    revision = proposal_enter_on_behalf(
        invitation=invitation,
        by=event.owner,
        prices={str(line_ids[0]): "10", str(line_ids[1]): "20"},
        answers={str(question.pk): "Four"},
    )
    assert revision.entered_by == event.owner
    assert revision.total == Decimal("1200.00")


def test_an_account_manager_cannot_enter_on_behalf(event: Event, account_manager: User) -> None:
    with pytest.raises(PermissionDenied):
        proposal_enter_on_behalf(
            invitation=event.invitation(1), by=account_manager, prices={}, answers={}
        )


def test_questions_are_answered_to_every_invitee_without_naming_the_asker(event: Event) -> None:
    clarification = clarification_ask(invitation=event.invitation(0), question="Colour?")
    asked = Notification.objects.get(kind=NotificationKind.RFP_QUESTION)
    assert asked.recipient == event.owner
    clarification_answer(clarification=clarification, by=event.owner, answer="Black.")
    answers = _external(NotificationKind.RFP_ANSWER)
    assert len(answers) == 3
    supplier = event.invitations[0].supplier.name
    assert all(supplier not in (n.title + n.body) for n in answers)
    assert all("Black." in n.body for n in answers)


def test_close_before_the_deadline_is_refused(event: Event) -> None:
    with pytest.raises(RfpStateError):
        rfp_close(rfp=event.rfp, by=event.owner)


def test_scan_closes_after_the_deadline_once(event: Event, clock: time_machine.Traveller) -> None:
    assert rfp_deadline_scan() == {"closed": 0, "reminded": 0}
    past_deadline(clock)
    assert rfp_deadline_scan()["closed"] == 1
    assert rfp_deadline_scan()["closed"] == 0
    event.rfp.refresh_from_db()
    assert event.rfp.status == RfpStatus.CLOSED
    closed = Notification.objects.filter(kind=NotificationKind.RFP_CLOSED)
    assert {n.recipient for n in closed} == {event.owner, *event.panel}


def test_reminder_three_days_before_to_those_who_have_not_responded(
    event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    invitation_decline(invitation=event.invitation(2), reason="No capacity")
    clock.move_to(DEADLINE - timedelta(days=3, minutes=1))
    assert rfp_deadline_scan()["reminded"] == 0
    clock.move_to(DEADLINE - timedelta(days=2))
    assert rfp_deadline_scan()["reminded"] == 1
    assert rfp_deadline_scan()["reminded"] == 0
    reminders = _external(NotificationKind.RFP_REMINDER)
    assert [n.email_to for n in reminders] == [event.invitations[1].contact.email]


def test_round_needs_a_closed_rfp_and_a_shortlist_of_responders(
    event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    with pytest.raises(RfpStateError):
        round_open(
            rfp=event.rfp,
            by=event.owner,
            shortlist=[event.invitation(0)],
            deadline=DEADLINE + timedelta(days=5),
        )
    past_deadline(clock)
    rfp_deadline_scan()
    with pytest.raises(ValidationError) as error:
        round_open(
            rfp=event.rfp,
            by=event.owner,
            shortlist=[event.invitation(1)],
            deadline=DEADLINE + timedelta(days=5),
        )
    assert "shortlist" in error.value.message_dict


def test_negotiation_round_keeps_every_revision_and_reseals(
    event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    event.respond(1, ["60", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    second_deadline = DEADLINE + timedelta(days=5)
    round_open(
        rfp=event.rfp,
        by=event.owner,
        shortlist=[event.invitation(0), event.invitation(1)],
        deadline=second_deadline,
    )
    event.rfp.refresh_from_db()
    assert event.rfp.status == RfpStatus.PUBLISHED
    # The round starts from the last offer: submitting unchanged is possible at once.
    again = proposal_submit(invitation=event.invitation(0))
    assert again.total == Decimal("7000.00")
    lower = event.respond(0, ["40", "200"])
    assert lower.proposal.round.number == 2
    assert ProposalRevision.objects.filter(proposal__invitation=event.invitations[0]).count() == 3
    invitation_emails = Notification.objects.filter(
        kind=NotificationKind.RFP_INVITATION, occasion="round-2"
    )
    assert invitation_emails.count() == 2
    past_deadline(clock, second_deadline)
    rfp_deadline_scan()
    event.rfp.refresh_from_db()
    assert event.rfp.status == RfpStatus.CLOSED


def test_cancel_tells_invitees(event: Event) -> None:
    rfp_cancel(rfp=event.rfp, by=event.owner, reason="Budget withdrawn")
    assert len(_external(NotificationKind.RFP_OUTCOME)) == 3
    with pytest.raises(RfpStateError):
        rfp_cancel(rfp=event.rfp, by=event.owner)


def test_contact_of_another_supplier_is_refused(make_event: Callable[..., Event]) -> None:
    event = make_event(publish=False)
    stranger = ContactFactory()
    data = _draft_input(
        event,
        invitees=[InviteeInput(event.invitations[0].supplier, stranger)],
    )
    with pytest.raises(ValidationError):
        rfp_update(rfp=event.rfp, by=event.owner, data=data)


def test_a_supplier_excluded_meanwhile_cannot_be_shortlisted(
    event: Event, clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    supplier = event.invitations[0].supplier
    supplier.excluded_from_rfps = True
    supplier.save()
    with pytest.raises(ValidationError) as error:
        round_open(
            rfp=event.rfp,
            by=event.owner,
            shortlist=[event.invitation(0)],
            deadline=DEADLINE + timedelta(days=5),
        )
    assert "shortlist" in error.value.message_dict
