"""Benchmark suppliers, for ``manage.py seed_bench`` (reports/management/commands).

Suppliers come with realistic spreads (countries, statuses, segments, risk), 1-3 of ~30
categories in a two-level tree, one of 20 account managers as owner and sometimes a backup.
Each supplier's values are a pure function of its number, so ``bench_suppliers`` can rebuild
(and restore) any row without reading it. A second run tops up what is missing.
"""

from __future__ import annotations

import random
from bisect import bisect
from datetime import datetime, timedelta
from itertools import accumulate

import pgtrigger
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from core.bench import copy_buffer, copy_into, vacuum_analyze
from suppliers.choices import OwnershipRole
from suppliers.models import Category, KeyAccountOwnership, Supplier, SupplierCategory

SEEDED_PREFIX = "BENCH-"
OWNER_PREFIX = "bench-am-"

CATEGORY_TREE: dict[str, list[str]] = {
    "Raw materials": ["Steel", "Aluminium", "Plastics and polymers", "Chemicals"],
    "Components": ["Electronics", "Fasteners", "Bearings and seals", "Castings and forgings"],
    "Packaging": ["Corrugated board", "Labels", "Pallets", "Films and wraps"],
    "Logistics": ["Road freight", "Ocean freight", "Air freight", "Warehousing"],
    "IT and telecom": ["Software licences", "Cloud services", "IT hardware", "Telecom"],
    "Services": ["Facility management", "Consulting", "Temporary staff", "Maintenance"],
}
ACCOUNT_MANAGERS = [
    "Anna Lindqvist", "Erik Johansson", "Sofia Berg", "Lukas Schneider", "Mia Becker",
    "Jonas Weber", "Sanne de Vries", "Daan Jansen", "Nguyen Thi Lan", "Tran Van Minh",
    "Oliver Smith", "Amelia Jones", "James Miller", "Emily Davis", "Piotr Nowak",
    "Zofia Kowalska", "Camille Martin", "Hugo Bernard", "Li Wei", "Priya Sharma",
]  # fmt: skip

# country: (weight, company form, currency, VAT prefix)
COUNTRIES: dict[str, tuple[int, str, str, str]] = {
    "SE": (16, "AB", "SEK", "SE"),
    "DE": (16, "GmbH", "EUR", "DE"),
    "NL": (9, "B.V.", "EUR", "NL"),
    "VN": (8, "Co., Ltd", "VND", "VN"),
    "GB": (10, "Ltd", "GBP", "GB"),
    "US": (12, "Inc.", "USD", "US"),
    "PL": (7, "Sp. z o.o.", "PLN", "PL"),
    "FR": (7, "SAS", "EUR", "FR"),
    "CN": (8, "Co., Ltd.", "CNY", "CN"),
    "IN": (5, "Pvt Ltd", "INR", "IN"),
    "FI": (2, "Oy", "EUR", "FI"),
}
STATUSES = {"active": 62, "onboarding": 7, "prospect": 12, "suspended": 4, "offboarded": 15}
SEGMENTS = {"routine": 50, "leverage": 24, "bottleneck": 16, "strategic": 10}
RISKS = {"low": 50, "medium": 31, "high": 14, "critical": 5}
_FIRST = [
    "Nordic", "Baltic", "Rhine", "Delta", "Mekong", "Atlas", "Polar", "Summit", "Harbor",
    "Granite", "Cedar", "Falcon", "Orion", "Vistula", "Loire", "Thames", "Pacific", "Lotus",
    "Ganges", "Alpine", "Silver", "Iron", "Blue", "Green", "Northern", "Eastern", "United",
    "Global", "Precision", "Prime", "Apex", "Crown", "Viking", "Hanse", "Saigon", "Red", "River",
    "Golden",
]  # fmt: skip
_SECOND = [
    "Steel", "Metals", "Plastics", "Chemicals", "Electronics", "Components", "Fasteners",
    "Bearings", "Castings", "Packaging", "Labels", "Pallets", "Logistics", "Freight", "Shipping",
    "Warehousing", "Software", "Systems", "Data", "Telecom", "Services", "Engineering", "Tools",
    "Industries", "Manufacturing", "Supplies", "Trading", "Solutions",
]  # fmt: skip
_NOTES = [
    "Annual price review in Q4.",
    "Prefers orders through the supplier portal.",
    "Second source for critical parts.",
    "Certified ISO 9001 and ISO 14001.",
]


def _weighted(choices: dict[str, int]) -> tuple[list[str], list[int]]:
    return list(choices), list(accumulate(choices.values()))


_COUNTRY_PICK = _weighted({code: spec[0] for code, spec in COUNTRIES.items()})
_STATUS_PICK = _weighted(STATUSES)
_SEGMENT_PICK = _weighted(SEGMENTS)
_RISK_PICK = _weighted(RISKS)


def _rng(seed: int | str) -> random.Random:
    return random.Random(seed)  # noqa: S311 - reproducible sample data, not secrets


def _pick(rng: random.Random, pick: tuple[list[str], list[int]]) -> str:
    values, cumulative = pick
    return values[bisect(cumulative, rng.random() * cumulative[-1])]


def supplier_values(number: int, *, prefix: str = SEEDED_PREFIX) -> dict[str, str]:
    """The fields of supplier ``number``, as the ERP would send them (already clean)."""
    rng = _rng(f"{prefix}{number}")
    country = _pick(rng, _COUNTRY_PICK)
    _weight, form, currency, vat_prefix = COUNTRIES[country]
    first, second = rng.choice(_FIRST), rng.choice(_SECOND)
    name = f"{first} {second} {number}"
    return {
        "external_id": f"{prefix}{number:07d}",
        "name": name,
        "legal_name": f"{name} {form}",
        "vat_number": f"{vat_prefix}{rng.randrange(10**9, 10**10)}",
        "country": country,
        "website": f"https://www.{first.lower()}-{second.lower()}-{number}.example.com",
        "status": _pick(rng, _STATUS_PICK),
        "segment": _pick(rng, _SEGMENT_PICK),
        "risk_level": _pick(rng, _RISK_PICK),
        "default_currency": currency,
        "notes": rng.choice(_NOTES) if rng.random() < 0.2 else "",
    }


SUPPLIER_FIELDS = list(supplier_values(1))


def seed_suppliers(*, wanted: int, audit: bool = False) -> tuple[int, int]:
    """Tops the bench suppliers up to ``wanted`` (with categories and account managers);
    answers how many were added and how many account managers there are."""
    categories = _seed_categories()
    owners = _seed_owners()
    existing = set(
        Supplier.objects.filter(external_id__startswith=SEEDED_PREFIX).values_list(
            "external_id", flat=True
        )
    )
    missing = [
        number for number in range(1, wanted + 1) if f"{SEEDED_PREFIX}{number:07d}" not in existing
    ]
    if missing:
        # The audit trail would record every seeded row twice over (supplier, owner,
        # categories); seed data is not history, so its triggers are off unless asked.
        ignore = [] if audit else _audit_triggers()
        with transaction.atomic(), pgtrigger.ignore(*ignore):
            _apply_trigger_settings()
            for chunk in range(0, len(missing), 50_000):
                _seed_suppliers(missing[chunk : chunk + 50_000], categories, owners)
        vacuum_analyze(*_tables())
    return len(missing), len(owners)


def _tables() -> list[str]:
    return [
        model._meta.db_table
        for model in (Supplier, SupplierCategory, KeyAccountOwnership, Category, User)
    ]


def _audit_triggers() -> list[str]:
    return [
        f"suppliers.{model.__name__}:{operation}_{operation}"
        for model in (Supplier, SupplierCategory, KeyAccountOwnership)
        for operation in ("insert", "update", "delete")
    ]


def _apply_trigger_settings() -> None:
    # pgtrigger.ignore() rides on the next statement run through Django, and holds until the
    # transaction ends; COPY bypasses Django's cursor, so run one statement first.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _seed_categories() -> list[int]:
    """The leaf categories' ids (suppliers are put in leaves)."""
    leaves = []
    for root_name, children in CATEGORY_TREE.items():
        root = Category.objects.filter(name__iexact=root_name).first()
        if root is None:
            root = Category.objects.create(name=root_name)
        for child_name in children:
            child = Category.objects.filter(name__iexact=child_name).first()
            if child is None:
                child = Category.objects.create(name=child_name, parent=root)
            leaves.append(child.pk)
    return leaves


def _seed_owners() -> list[int]:
    group, _created = Group.objects.get_or_create(name=Role.ACCOUNT_MANAGER.value)
    ids = []
    for number, display_name in enumerate(ACCOUNT_MANAGERS, start=1):
        user, created = User.objects.get_or_create(
            username=f"{OWNER_PREFIX}{number:02d}",
            defaults={
                "display_name": display_name,
                "email": f"{OWNER_PREFIX}{number:02d}@example.com",
            },
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(group)
        ids.append(user.pk)
    return ids


def _seed_suppliers(numbers: list[int], categories: list[int], owners: list[int]) -> None:
    now = timezone.now()
    stamps: dict[str, tuple[datetime, datetime]] = {}
    rows = []
    for number in numbers:
        values = supplier_values(number)
        rng = _rng(number)
        created = now - timedelta(days=rng.uniform(30, 3650))
        updated = created + (now - created) * rng.random()
        stamps[values["external_id"]] = (created, updated)
        rows.append([*values.values(), created, updated])
    with connection.cursor() as cursor:
        copy_into(
            cursor,
            Supplier._meta.db_table,
            [*SUPPLIER_FIELDS, "created_at", "updated_at"],
            copy_buffer(rows),
        )
        cursor.execute(
            "SELECT id, external_id FROM suppliers_supplier WHERE external_id = ANY(%s)",
            [list(stamps)],
        )
        ids = cursor.fetchall()
        links, ownerships = [], []
        for supplier_id, external_id in ids:
            rng = _rng(external_id)
            for category_id in rng.sample(categories, rng.choice((1, 1, 2, 2, 3))):
                links.append((supplier_id, category_id))
            created, updated = stamps[external_id]
            owner, backup = rng.sample(owners, 2)
            ownerships.append((supplier_id, owner, OwnershipRole.OWNER.value, created.date()))
            if rng.random() < 0.25:
                ownerships.append((supplier_id, backup, OwnershipRole.BACKUP.value, updated.date()))
        copy_into(
            cursor,
            SupplierCategory._meta.db_table,
            ["supplier_id", "category_id"],
            copy_buffer(links),
        )
        copy_into(
            cursor,
            KeyAccountOwnership._meta.db_table,
            ["supplier_id", "user_id", "role", "since", "created_at", "updated_at"],
            copy_buffer([(*row, now, now) for row in ownerships]),
        )
