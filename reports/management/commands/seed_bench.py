"""``manage.py seed_bench --suppliers 100000``: benchmark data in ``<NAME>_bench``.

The suppliers (``suppliers.bench``) come, by default, with ten meetings each (a million for
100,000) and the commitments, reviews, contracts and escalations the dashboard reads
(``reports.bench``). It lives in ``reports`` because it seeds every app's data, and nothing may
depend on ``reports``.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.bench import use_bench_database
from reports.bench import seed_report_data
from suppliers.bench import SEEDED_PREFIX, seed_suppliers
from suppliers.models import Category, Supplier


class Command(BaseCommand):
    help = (
        "Seeds the benchmark database (<NAME>_bench) with suppliers, categories and owners; "
        "a second run keeps what is there and adds what is missing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--suppliers", type=int, default=100_000, help="How many suppliers.")
        parser.add_argument("--database-name", help="Seed this database instead of <NAME>_bench.")
        parser.add_argument(
            "--in-place",
            action="store_true",
            help="Seed the current database (for tests); never use on real data.",
        )
        parser.add_argument(
            "--meetings-per-supplier",
            type=int,
            default=10,
            help="Meetings per supplier (10: a million for 100,000), with the commitments, "
            "reviews, contracts and escalations the reports read (reports.bench); 0: none.",
        )
        parser.add_argument(
            "--audit",
            action="store_true",
            help="Let the audit triggers record the seeded rows (slower; off by default).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["suppliers"] < 1:
            raise CommandError("--suppliers must be at least 1.")
        started = time.perf_counter()
        name = use_bench_database(name=options["database_name"], in_place=options["in_place"])
        self.stdout.write(f"Seeding {name}.")
        wanted = options["suppliers"]
        existing = Supplier.objects.filter(external_id__startswith=SEEDED_PREFIX).count()
        if existing > wanted:
            self.stdout.write(f"{existing:,} bench suppliers are there already; kept.")
        added, owners = seed_suppliers(wanted=wanted, audit=options["audit"])
        if options["meetings_per_supplier"] > 0:
            self.stdout.write("Report data (meetings, commitments, reviews, contracts):")
            seed_report_data(
                meetings_per_supplier=options["meetings_per_supplier"], say=self.stdout.write
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{wanted:,} bench suppliers wanted, {added:,} added, "
                f"{Category.objects.count()} categories, {owners} account managers "
                f"({time.perf_counter() - started:.1f} s)."
            )
        )
