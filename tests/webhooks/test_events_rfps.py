"""The RFP events: published, and awarded with the winner and the draft contract."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import time_machine

from accounts.models import User
from rfps.services.award import rfp_award
from rfps.services.rfp import rfp_deadline_scan, rfp_publish
from tests.rfps.conftest import Event as Rfp  # the conftest's RFP as set up, not ours
from tests.rfps.conftest import _media, build_rfp, clock, make_event, past_deadline  # noqa: F401
from webhooks.models import Endpoint, Event

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:9/hooks"


def test_published_and_awarded(
    make_event: Callable[..., Rfp],  # noqa: F811
    make_endpoint: Callable[..., Endpoint],
    clock: time_machine.Traveller,  # noqa: F811
    procurement_manager: User,
) -> None:
    make_endpoint(URL)
    rfp = make_event(publish=False)
    rfp_publish(rfp=rfp.rfp, by=rfp.owner)
    rfp.respond(0, ["50", "200"])
    rfp.respond(1, ["40", "200"])
    past_deadline(clock)
    rfp_deadline_scan()
    winner = rfp.invitation(1)
    award = rfp_award(rfp=rfp.rfp, by=rfp.owner, invitation=winner, rationale="Best value")
    published = Event.objects.get(type="rfp.published").payload["data"]
    assert published["id"] == rfp.rfp.pk
    assert published["reference"] == rfp.rfp.reference
    assert sorted(published["invited_supplier_ids"]) == sorted(
        i.supplier_id for i in rfp.invitations
    )
    awarded = Event.objects.get(type="rfp.awarded").payload["data"]
    assert awarded["status"] == "awarded"
    assert awarded["supplier_id"] == winner.supplier_id
    assert awarded["contract_id"] == award.contract_id
    assert awarded["award_id"] == award.pk
