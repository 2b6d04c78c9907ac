from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import signing

from rfps.links import (
    SALT,
    LinkAccess,
    invitation_from_token,
    invitation_token,
    link_access,
)
from rfps.services.responses import invitation_decline
from tests.rfps.conftest import DEADLINE, Event, past_deadline

pytestmark = pytest.mark.django_db


def test_token_names_its_invitation(event: Event) -> None:
    invitation = event.invitation(0)
    assert invitation_from_token(invitation_token(invitation)) == invitation


def test_changed_token_is_refused(event: Event) -> None:
    token = invitation_token(event.invitation(0))
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert invitation_from_token(tampered) is None
    assert invitation_from_token("garbage") is None


def test_token_for_another_invitation_cannot_be_forged_without_the_key(event: Event) -> None:
    mine, theirs = event.invitation(0), event.invitation(1)
    forged = signing.dumps({"i": theirs.pk, "n": mine.link_nonce}, salt=SALT)
    assert invitation_from_token(forged) is None
    wrong_key = signing.dumps({"i": theirs.pk, "n": theirs.link_nonce}, salt=SALT, key="x" * 50)
    assert invitation_from_token(wrong_key) is None


def test_a_draft_rfp_has_no_working_link(make_event) -> None:  # type: ignore[no-untyped-def]
    event = make_event(publish=False)
    assert invitation_from_token(invitation_token(event.invitation(0))) is None


def test_link_responds_until_the_deadline_then_reads_then_expires(
    event: Event,
    clock: time_machine.Traveller,
    settings,  # type: ignore[no-untyped-def]
) -> None:
    settings.RFP_LINK_READ_DAYS = 30
    invitation = event.invitation(0)
    assert link_access(invitation) == LinkAccess.RESPOND
    past_deadline(clock)
    assert link_access(invitation) == LinkAccess.READ
    clock.move_to(DEADLINE + timedelta(days=30))
    assert link_access(invitation) == LinkAccess.EXPIRED


def test_declined_link_only_reads(event: Event) -> None:
    invitation = invitation_decline(invitation=event.invitation(0), reason="No")
    assert link_access(invitation) == LinkAccess.READ
