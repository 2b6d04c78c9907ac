"""The benchmark commands, on a tiny data set in the test database: they run, print their
tables, and leave the data as seeded."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from core.bench import bench_database_name
from suppliers.models import KeyAccountOwnership, Supplier, SupplierCategory


def test_the_bench_database_is_named_after_the_default_one() -> None:
    assert bench_database_name() == f"{connection.settings_dict['NAME']}_bench"
    assert bench_database_name("elsewhere") == "elsewhere"


@pytest.mark.django_db(transaction=True)  # the commands commit, as they do for real
def test_seed_bench_seeds_owners_and_categories_and_tops_up() -> None:
    call_command("seed_bench", "--suppliers", "30", "--in-place", stdout=StringIO())
    out = StringIO()

    call_command("seed_bench", "--suppliers", "40", "--in-place", stdout=out)

    assert "10 added" in out.getvalue()
    assert Supplier.objects.filter(external_id__startswith="BENCH-").count() == 40
    owners = KeyAccountOwnership.objects.filter(role="owner", until__isnull=True)
    assert owners.count() == 40
    assert SupplierCategory.objects.count() >= 40
    assert Supplier.objects.values("country").distinct().count() > 3


@pytest.mark.django_db(transaction=True)  # the commands commit, as they do for real
def test_bench_suppliers_prints_both_tables_and_restores_the_data() -> None:
    call_command("seed_bench", "--suppliers", "200", "--in-place", stdout=StringIO())
    seeded = dict(Supplier.objects.values_list("external_id", "name"))
    out = StringIO()

    call_command(
        "bench_suppliers",
        "--quick",
        "--in-place",
        "--requests=2",
        "--bulk-rows=120",
        "--batch-size=50",
        stdout=out,
    )

    text = out.getvalue()
    assert "1. API list" in text
    assert "2. Bulk upsert of 120 suppliers: 60 new and 60 changed" in text
    assert "60 / 60 / 0" in text  # created / updated / unchanged, for the API and the floor
    assert "3. Change feed at 200 suppliers: a page of 200" in text
    assert text.count(" yes |") == 2  # both full resyncs saw every supplier once
    assert "\n!" not in text  # no warning: same JSON as the floor, expected counts
    assert dict(Supplier.objects.values_list("external_id", "name")) == seeded
