"""Demo contracts: one or two for each active key demo supplier, in the supplier's currency,
some near their notice date (so the alerts, the board and the dashboard show something), with
obligations and benefits partly realised; and monthly exchange rates. Safe to run again."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from contracts.models import Contract, ExchangeRate
from contracts.services import (
    benefit_create,
    benefit_realisation_record,
    contract_activate,
    contract_create,
    contract_terminate,
    obligation_create,
    renewal_decision_advance,
)
from suppliers.models import Supplier

# What one unit was worth in EUR, roughly, at the start of the demo period.
RATES_IN_EUR = {
    "SEK": "0.087",
    "USD": "0.92",
    "GBP": "1.17",
    "VND": "0.000036",
    "CNY": "0.127",
    "JPY": "0.0061",
    "PLN": "0.23",
    "DKK": "0.134",
    "NOK": "0.085",
    "CHF": "1.05",
    "INR": "0.011",
    "KRW": "0.00068",
    "MXN": "0.054",
    "THB": "0.026",
    "TRY": "0.028",
    "BRL": "0.18",
    "EUR": "1",
}
TITLES = [
    "Framework agreement",
    "Supply agreement",
    "Service level agreement",
    "Logistics services",
    "Maintenance and support",
]
# Days from today to each contract's last notice day: some urgent, some far.
NOTICE_IN = [10, 25, 45, 80, 110, 160, 250, 400, 600]


def seed() -> Iterator[str]:
    if Contract.objects.filter(external_id__startswith="DEMO-C-").exists():
        return
    procurement = User.objects.filter(username="procurement").first()
    if procurement is None:
        return
    rng = random.Random(6)  # noqa: S311 - demo data, not security
    today = timezone.localdate()
    yield _rates(rng, today)
    suppliers = list(
        Supplier.objects.filter(
            external_id__startswith="DEMO-", status="active", segment__in=["strategic", "leverage"]
        )
        .prefetch_related("ownerships__user")
        .order_by("external_id")
    )
    made = 0
    for index, supplier in enumerate(suppliers):
        owners = [
            o.user for o in supplier.ownerships.all() if o.until is None and o.role == "owner"
        ]
        owner = owners[0] if owners else procurement
        notice_in = NOTICE_IN[index % len(NOTICE_IN)]
        contract = _contract(rng, supplier, owner, procurement, today, notice_in, index)
        _obligations_and_benefits(rng, contract, procurement, today)
        made += 1
        if index % 4 == 1:
            renewal_decision_advance(contract=contract, by=procurement, stage="under_review")
        if index % 4 == 2 and notice_in > 30:
            renewal_decision_advance(contract=contract, by=procurement, stage="under_review")
            renewal_decision_advance(
                contract=contract, by=procurement, stage="decided", decision="renegotiate"
            )
    made += _odd_ones(rng, suppliers[:3], procurement, today)
    yield f"created {made} contracts with obligations and benefits"


def _rates(rng: random.Random, today: date) -> str:
    currencies = set(Supplier.objects.values_list("default_currency", flat=True)) | {"SEK", "USD"}
    rows = []
    for currency in sorted(currencies - {settings.REPORTING_CURRENCY}):
        base = Decimal(RATES_IN_EUR.get(currency, "0"))
        if not base:
            continue
        for months_ago in range(24, -1, -1):
            day = (today.replace(day=1) - timedelta(days=30 * months_ago)).replace(day=1)
            drift = Decimal(str(1 + rng.uniform(-0.04, 0.04)))
            rows.append(
                ExchangeRate(
                    currency=currency, date=day, rate=(base * drift).quantize(Decimal("0.00000001"))
                )
            )
    ExchangeRate.objects.bulk_create(rows, ignore_conflicts=True)
    return f"created {len(rows)} exchange rates"


def _contract(
    rng: random.Random,
    supplier: Supplier,
    owner: User,
    by: User,
    today: date,
    notice_in: int,
    index: int,
) -> Contract:
    notice_days = rng.choice([30, 60, 90, 90, 180])
    end = today + timedelta(days=notice_in + notice_days)
    start = end - timedelta(days=rng.choice([365, 730, 1095]))
    scale = Decimal(1) / Decimal(RATES_IN_EUR.get(supplier.default_currency, "1"))
    contract = contract_create(
        by=by,
        supplier=supplier,
        title=f"{rng.choice(TITLES)} {start.year}",
        owner=owner,
        value=(Decimal(rng.randint(40, 900) * 1000) * scale).quantize(Decimal(1)),
        currency=supplier.default_currency,
        start_date=start,
        end_date=end,
        notice_period_days=notice_days,
        auto_renew=index % 3 == 0,
        renewal_term_months=12 if index % 3 == 0 else None,
        description="Prices fixed for the first year, then indexed.",
        external_id=f"DEMO-C-{index + 1:04d}",
    )
    return contract_activate(contract=contract, by=by)


def _obligations_and_benefits(
    rng: random.Random, contract: Contract, by: User, today: date
) -> None:
    obligation_create(
        by=by,
        contract=contract,
        party="them",
        description="Monthly delivery performance report",
        metric="On-time delivery",
        target="≥ 95%",
        due_date=today + timedelta(days=rng.randint(1, 25)),
        recurrence="monthly",
    )
    obligation_create(
        by=by,
        contract=contract,
        party="us",
        description="Share the rolling 12-month forecast",
        due_date=today + timedelta(days=rng.randint(5, 60)),
        recurrence="quarterly",
    )
    expected = (contract.value * Decimal("0.06")).quantize(Decimal(1))
    benefit = benefit_create(
        by=by,
        contract=contract,
        kind="savings",
        expected_amount=expected,
        gain_share_percent=Decimal(20) if rng.random() < 0.3 else None,
        note="Price reduction against the previous agreement.",
    )
    start = contract.start_date or today
    quarter = start
    while quarter + timedelta(days=90) < today:
        benefit_realisation_record(
            by=by,
            benefit=benefit,
            period_start=quarter,
            period_end=quarter + timedelta(days=89),
            amount=(expected / 4 * Decimal(str(rng.uniform(0.5, 1.1)))).quantize(Decimal(1)),
        )
        quarter += timedelta(days=90)
    if rng.random() < 0.5:
        benefit_create(
            by=by,
            contract=contract,
            kind="cost_avoidance",
            expected_amount=(expected / 3).quantize(Decimal(1)),
        )


def _odd_ones(rng: random.Random, suppliers: list[Supplier], by: User, today: date) -> int:
    """An open-ended contract, a draft, and a terminated one, so every status shows."""
    if len(suppliers) < 3:
        return 0
    open_ended = contract_create(
        by=by,
        supplier=suppliers[0],
        title="Spare parts call-off",
        owner=by,
        value=Decimal(50000),
        currency=suppliers[0].default_currency,
        start_date=today - timedelta(days=400),
        external_id="DEMO-C-9001",
    )
    contract_activate(contract=open_ended, by=by)
    contract_create(
        by=by,
        supplier=suppliers[1],
        title="Draft: next year's volumes",
        owner=by,
        value=Decimal(0),
        currency=suppliers[1].default_currency,
        external_id="DEMO-C-9002",
    )
    ended = contract_create(
        by=by,
        supplier=suppliers[2],
        title="Pilot agreement",
        owner=by,
        value=Decimal(15000),
        currency=suppliers[2].default_currency,
        start_date=today - timedelta(days=300),
        end_date=today + timedelta(days=60),
        external_id="DEMO-C-9003",
    )
    contract_activate(contract=ended, by=by)
    contract_terminate(
        contract=ended, by=by, on=today - timedelta(days=5), reason="Pilot ended early."
    )
    return 3
