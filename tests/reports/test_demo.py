"""The demo data fills every panel of the dashboard, and seeding twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from reports import selectors
from suppliers.models import Supplier
from tests.demo_snapshot import DemoSnapshot

pytestmark = pytest.mark.django_db


def test_demo_data_fills_every_panel(demo_data: DemoSnapshot) -> None:
    spend = dict(Supplier.objects.values_list("pk", "annual_spend"))
    call_command("seed_demo", "--force", stdout=StringIO())
    assert dict(Supplier.objects.values_list("pk", "annual_spend")) == spend
    executive = User.objects.get(username="executive")

    found = selectors.dashboard_figures(selectors.report_scope(user=executive))

    assert all(spend.values())
    cells = found["portfolio"]["kraljic"]
    assert len({(c["risk_level"], c["spend_band"]) for c in cells if c["count"]}) >= 4
    performance = found["performance"]
    assert performance["average_score_by_quarter"] and performance["moved_down_count"]
    assert sum(row["count"] for row in performance["standing_distribution"]) > 0
    contracts = found["contracts"]
    for name in ("notice_due", "expiring", "active", "value_under_contract", "total_spend"):
        assert contracts[name], name
    assert contracts["savings"]["expected"] and contracts["savings"]["realised"]
    relationship = found["relationship"]
    for name in ("strategic_active", "strategic_met_in_person", "single_threaded"):
        assert relationship[name], name
    assert relationship["overdue_ours"] and relationship["overdue_theirs"]
    assert sum(row["open"] for row in found["escalations"]["by_level"])
    assert found["escalations"]["overdue_reviews"]
