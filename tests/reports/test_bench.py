"""The reports benchmark in small: seed_bench adds the reports' data, bench_reports prints its
tables, and a second seed adds nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from contracts.models import Contract
from meetings.models import Meeting
from reviews.models import Review
from suppliers.models import Supplier

pytestmark = pytest.mark.django_db(transaction=True)  # the commands commit, as they do for real


def test_seed_bench_adds_report_data_once_and_bench_reports_prints_figures() -> None:
    call_command("seed_bench", "--suppliers", "80", "--in-place", stdout=StringIO())
    counts = (Meeting.objects.count(), Review.objects.count(), Contract.objects.count())
    call_command("seed_bench", "--suppliers", "80", "--in-place", stdout=StringIO())
    out = StringIO()

    call_command("bench_reports", "--in-place", "--requests", "1", stdout=out)

    assert counts == (Meeting.objects.count(), Review.objects.count(), Contract.objects.count())
    assert counts[0] == 800 and counts[1] > 0 and counts[2] > 0
    assert not Supplier.objects.filter(annual_spend__isnull=True).exists()
    text = out.getvalue()
    assert "dashboard (whole portfolio)" in text
    assert "supplier list with health, page 1" in text
    assert "export view, CSV (streamed)" in text and "COPY of the export's query" in text
