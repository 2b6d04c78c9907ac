"""The sealed rule at its source: before the deadline no one on the buying side reads a price,
an answer or a file, superusers and the owner included; after it the owner, the panel and
procurement managers do, and nobody else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from accounts.models import User
from accounts.roles import Role
from rfps import selectors
from rfps.comparison import comparison_build
from rfps.services.responses import attachment_add
from rfps.services.rfp import rfp_deadline_scan, round_open
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db


@pytest.fixture
def readers(event: Event, make_user: Callable[..., User]) -> dict[str, User]:
    return {
        "owner": event.owner,
        "panel": event.panel[0],
        "procurement": make_user(Role.PROCUREMENT_MANAGER, username="other-buyer"),
        "superuser": make_user(username="root", is_superuser=True, is_staff=True),
    }


def _attach(event: Event) -> int:
    upload = SimpleUploadedFile("offer.txt", b"our offer", content_type="text/plain")
    return attachment_add(invitation=event.invitation(0), upload=upload).pk


def test_nothing_is_readable_before_the_deadline(event: Event, readers: dict[str, User]) -> None:
    file_id = _attach(event)
    event.respond(0, ["50", "200"])
    for user in readers.values():
        assert not selectors.revision_opened(user=user).exists()
        proposals = list(selectors.proposal_list(user=user))
        assert len(proposals) == 1
        assert proposals[0].opened_revisions == []
        assert "draft" in proposals[0].get_deferred_fields()
        with pytest.raises(Http404):
            selectors.attachment_get_for_buyer(user=user, pk=file_id)
        rfp = selectors.rfp_get(user=user, pk=event.rfp.pk)
        assert comparison_build(user=user, rfp=rfp).columns == []
        # They see who responded and when.
        assert [r["invitation_id"] for r in selectors.response_list(user=user, rfp=rfp)] == [
            event.invitations[0].pk
        ]


def test_after_the_deadline_owner_panel_and_procurement_read(
    event: Event, readers: dict[str, User], clock: time_machine.Traveller
) -> None:
    file_id = _attach(event)
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    for user in readers.values():
        assert selectors.revision_opened(user=user).count() == 1
        assert selectors.attachment_get_for_buyer(user=user, pk=file_id).pk == file_id


@pytest.mark.parametrize(
    "role", [Role.ACCOUNT_MANAGER, Role.EXECUTIVE, Role.INTEGRATION, Role.ADMINISTRATOR]
)
def test_others_never_read_even_after_the_deadline(
    event: Event, make_user: Callable[..., User], clock: time_machine.Traveller, role: Role
) -> None:
    file_id = _attach(event)
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    bob = make_user(role, username="bob")
    assert not selectors.revision_opened(user=bob).exists()
    assert not selectors.proposal_list(user=bob).exists()
    with pytest.raises(Http404):
        selectors.rfp_get(user=bob, pk=event.rfp.pk)
    with pytest.raises(Http404):
        selectors.attachment_get_for_buyer(user=bob, pk=file_id)


def test_a_file_uploaded_but_never_submitted_stays_closed(
    event: Event, readers: dict[str, User], clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    file_id = _attach(event)  # after the last submit: part of no version
    past_deadline(clock)
    with pytest.raises(Http404):
        selectors.attachment_get_for_buyer(user=readers["owner"], pk=file_id)


def test_a_negotiation_round_is_sealed_again_while_round_one_stays_open(
    event: Event, readers: dict[str, User], clock: time_machine.Traveller
) -> None:
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    second = DEADLINE + timedelta(days=5)
    round_open(rfp=event.rfp, by=event.owner, shortlist=[event.invitation(0)], deadline=second)
    event.respond(0, ["10", "10"])
    opened = selectors.revision_opened(user=readers["superuser"])
    assert [r.total for r in opened] == [
        event.rfp.proposals.get(round__number=1).revisions.get().total
    ]
    rfp = selectors.rfp_get(user=readers["owner"], pk=event.rfp.pk)
    assert [c.total for c in comparison_build(user=readers["owner"], rfp=rfp).columns] == [
        opened[0].total
    ]
    past_deadline(clock, second)
    column = comparison_build(user=readers["owner"], rfp=rfp).columns[0]
    assert column.total < column.first_total
    assert [r.proposal.round.number for r in column.history] == [1, 2]


def test_panel_member_without_rfp_role_sees_only_their_rfps(
    event: Event, make_event: Callable[..., Event]
) -> None:
    pia = event.panel[0]
    assert list(selectors.rfp_visible(user=pia)) == [event.rfp]


def test_list_carries_the_current_rounds_deadline(
    event: Event, clock: time_machine.Traveller, make_event: Callable[..., Event]
) -> None:
    draft = make_event(publish=False)
    event.respond(0, ["50", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    second = DEADLINE + timedelta(days=5)
    round_open(rfp=event.rfp, by=event.owner, shortlist=[event.invitation(0)], deadline=second)
    deadlines = {r.pk: r.current_deadline for r in selectors.rfp_list(user=event.owner)}
    assert deadlines == {event.rfp.pk: second, draft.rfp.pk: draft.rfp.deadline}
