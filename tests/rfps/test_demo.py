"""The demo RFPs: one in each state, one awarded into a draft contract; safe to run twice."""

from __future__ import annotations

import pytest

import rfps.demo
from contracts.models import Benefit
from rfps.models import Award, ProposalRevision, Rfp
from tests.demo_snapshot import DemoSnapshot

pytestmark = pytest.mark.django_db


def test_demo_rfps_in_every_state_and_run_twice(demo_data: DemoSnapshot) -> None:
    count = Rfp.objects.count()
    list(rfps.demo.seed())
    assert Rfp.objects.count() == count == 5
    assert set(Rfp.objects.values_list("status", flat=True)) == {
        "draft",
        "published",
        "closed",
        "awarded",
        "cancelled",
    }
    award = Award.objects.get()
    assert award.contract is not None and award.contract.status == "draft"
    assert Benefit.objects.filter(contract=award.contract, kind="savings").exists()
    assert ProposalRevision.objects.filter(proposal__round__number=2).exists()
