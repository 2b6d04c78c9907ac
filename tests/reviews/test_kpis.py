"""OTIF and rejection rate from delivery lines, computed in SQL: late, short, rejected, none."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from reviews.kpis import delivery_kpis, kpi_figures
from reviews.models import KpiValue
from tests.factories import SupplierFactory
from tests.reviews.conftest import Q1, deliver

pytestmark = pytest.mark.django_db


def _kpis(supplier_id: int) -> dict[str, object]:
    return delivery_kpis(supplier_ids=[supplier_id], period_start=Q1[0], period_end=Q1[1]).get(
        supplier_id, {}
    )


def test_on_time_in_full_counts_only_lines_both_on_time_and_complete() -> None:
    supplier = SupplierFactory()
    deliver(supplier, "ok")
    deliver(supplier, "late", received=date(2026, 2, 11))
    deliver(supplier, "short", got="9")
    deliver(supplier, "rejected", got="10", rejected="2")
    deliver(supplier, "never", received=None, got="0")
    deliver(supplier, "over", got="12", rejected="2")  # rejects covered by the surplus: in full
    kpis = _kpis(supplier.pk)
    assert kpis["lines"] == 6
    assert kpis["otif"] == Decimal("33.33")  # 2 of 6
    # 4 rejected of 51 received.
    assert kpis["rejection_rate"] == Decimal("7.84")


def test_lines_outside_the_period_do_not_count() -> None:
    supplier = SupplierFactory()
    deliver(supplier, "q1")
    deliver(supplier, "q2-late", promised=date(2026, 4, 2), received=date(2026, 5, 1))
    assert _kpis(supplier.pk)["otif"] == Decimal("100.00")


def test_no_deliveries_means_no_value_not_100_percent() -> None:
    supplier = SupplierFactory()
    assert _kpis(supplier.pk) == {}
    figures = {
        f.code: f
        for f in kpi_figures(supplier_id=supplier.pk, period_start=Q1[0], period_end=Q1[1])
    }
    assert figures["otif"].value is None and figures["otif"].source == ""
    assert figures["rejection_rate"].value is None


def test_nothing_received_has_no_rejection_rate() -> None:
    supplier = SupplierFactory()
    deliver(supplier, "never", received=None, got="0")
    kpis = _kpis(supplier.pk)
    assert kpis["otif"] == Decimal("0.00")
    assert kpis["rejection_rate"] is None


def test_a_value_pushed_by_the_erp_wins_over_the_computed_one() -> None:
    supplier = SupplierFactory()
    deliver(supplier, "ok")
    KpiValue.objects.create(
        supplier=supplier, code="otif", period_start=Q1[0], period_end=Q1[1], value=Decimal("91.5")
    )
    figures = {
        f.code: f
        for f in kpi_figures(supplier_id=supplier.pk, period_start=Q1[0], period_end=Q1[1])
    }
    assert figures["otif"].value == Decimal("91.5") and figures["otif"].source == "erp"
    assert figures["rejection_rate"].source == "deliveries"


def test_kpis_of_many_suppliers_in_one_query(django_assert_num_queries: object) -> None:
    first, second = SupplierFactory(), SupplierFactory()
    deliver(first, "1")
    deliver(second, "1", received=date(2026, 3, 1))
    with django_assert_num_queries(1):  # type: ignore[operator]
        kpis = delivery_kpis(
            supplier_ids=[first.pk, second.pk], period_start=Q1[0], period_end=Q1[1]
        )
    assert kpis[first.pk]["otif"] == 100 and kpis[second.pk]["otif"] == 0
