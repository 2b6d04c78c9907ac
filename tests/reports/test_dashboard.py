"""The management dashboard: every figure against a hand-computed portfolio, who sees which
suppliers' figures, links to the lists behind the numbers, filters, and a query count that
does not grow with the portfolio."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from contracts.models import Benefit, BenefitRealisation
from escalations.models import Escalation
from reports import selectors
from reports.dashboard import dashboard
from suppliers.models import Supplier
from tests.factories import (
    CategoryFactory,
    CommitmentFactory,
    ContactFactory,
    OwnershipFactory,
    SupplierFactory,
)
from tests.reports.fixtures import contract, hand_computed_supplier, review

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("reports:dashboard")


@dataclass
class Portfolio:
    alice: User
    bob: User
    mekong: Supplier  # alice's: strategic, active, high risk, 150,000 spend
    bolt: Supplier  # bob's: routine, prospect, low risk, 5,000 spend


@pytest.fixture
def portfolio(
    account_manager: User, make_user: Callable[..., User], procurement_manager: User
) -> Portfolio:
    """Two suppliers whose every figure is worked out by hand in the tests below."""
    today = timezone.localdate()
    bob = make_user(Role.ACCOUNT_MANAGER, username="bob")
    mekong = hand_computed_supplier(account_manager)
    Supplier.objects.filter(pk=mekong.pk).update(risk_level="high", annual_spend=150_000)
    bolt = SupplierFactory(
        name="Bolt Fasteners", segment="routine", status="prospect", annual_spend=5000
    )
    OwnershipFactory(supplier=bolt, user=bob)
    # Contracts: mekong's (EUR 1,000, ends in 100 days, notice 30: notice in 70 days) comes
    # with the fixture; bolt's ends in 20 days (EUR 2,000) and one in USD has no rate yet.
    contract(
        bolt,
        procurement_manager,
        value=Decimal(2000),
        end_date=today + timedelta(20),
        notice_period_days=0,
    )
    contract(bolt, procurement_manager, currency="USD", end_date=today + timedelta(days=400))
    benefit = Benefit.objects.create(
        contract=mekong.contracts.get(), kind="savings", expected_amount=Decimal(500)
    )
    for days, amount in ((10, 200), (400, 100)):  # the second ended before the period
        end = today - timedelta(days=days)
        BenefitRealisation.objects.create(
            benefit=benefit,
            period_start=end - timedelta(days=30),
            period_end=end,
            amount=Decimal(amount),
            recorded_by=procurement_manager,
        )
    # Theirs, overdue, at bolt; one of mekong's escalations raised ten days ago.
    CommitmentFactory(
        supplier=bolt,
        side="theirs",
        owner_user=None,
        owner_contact=ContactFactory(supplier=bolt),
        created_by=bob,
        due_date=today - timedelta(days=2),
    )
    Escalation.objects.filter(supplier=mekong, status="open").update(
        raised_at=timezone.now() - timedelta(days=10)
    )
    overdue = {"status": "scheduled", "overall_score": None, "submitted_at": None}
    review(bolt, today - timedelta(days=40), "0", None, due_date=today - timedelta(1), **overdue)
    return Portfolio(account_manager, bob, mekong, bolt)


def figures_for(user: User, **filters: object) -> dict[str, object]:
    return dashboard(selectors.report_scope(user=user, filters=filters))


def count_cell(panel: dict, segment: str, status: str) -> int:  # type: ignore[type-arg]
    rows = [row for row in panel["rows"] if row["segment"] == segment]
    return next(cell["count"] for cell in rows[0]["cells"] if cell["status"] == status)


def test_every_figure_of_the_whole_portfolio(portfolio: Portfolio, executive: User) -> None:
    today = timezone.localdate()
    found = figures_for(executive)

    portfolio_panel = found["portfolio"]
    assert count_cell(portfolio_panel, "strategic", "active") == 1
    assert count_cell(portfolio_panel, "routine", "prospect") == 1
    assert sum(row["total"] for row in portfolio_panel["rows"]) == 2

    cells = {(c["risk_level"], c["spend_band"]): c["count"] for c in found["kraljic"]["cells"]}
    assert cells[("high", "100k")] == 1 and cells[("low", "0")] == 1
    assert sum(cells.values()) == 2

    performance = found["performance"]
    averages = {row["quarter"]: row["values"] for row in performance["table"]}
    assert sorted(v[0] for v in averages.values()) == [Decimal("62.0"), Decimal("80.0")]
    standings = {row["standing"]: row["count"] for row in performance["standings"]}
    assert standings == {"excellent": 0, "average": 1, "poor": 0, "very_poor": 0}
    assert performance["moved_down_count"] == 1
    assert performance["moved_down"][0]["supplier"] == portfolio.mekong

    contracts = found["contracts"]
    assert contracts["notice_due"] == 2  # mekong's in 70 days, bolt's (no notice) in 20
    assert contracts["expiring"] == 1  # bolt's, in 20 days
    assert contracts["active"] == 3
    assert contracts["value_under_contract"] == Decimal("3000.00")  # the USD one has no rate
    assert contracts["lacking_rate"] == 1
    assert contracts["total_spend"] == Decimal("155000.00")
    assert contracts["savings"]["expected"] == Decimal("500.00")
    assert contracts["savings"]["realised"] == Decimal("200.00")

    relationship = found["relationship"]
    assert relationship["strategic_active"] == 1
    assert relationship["strategic_met_in_person"] == 0  # in person 400 days ago, policy 180
    assert relationship["single_threaded"] == 1  # none of our people recorded at a meeting
    assert relationship["overdue_ours"] == 2  # due 5 days ago, and 400 days ago
    assert relationship["overdue_theirs"] == 1

    escalations = {row["level"]: row for row in found["escalations"]["rows"]}
    assert (escalations[1]["open"], escalations[1]["older_than_7"]) == (2, 1)
    assert escalations[1]["older_than_30"] == 0 and escalations[2]["open"] == 0
    assert found["escalations"]["overdue_reviews"] == 1
    assert today  # the fixture's dates are relative to today


def test_an_account_manager_sees_figures_of_their_own_suppliers_only(
    portfolio: Portfolio,
) -> None:
    alice, bob = figures_for(portfolio.alice), figures_for(portfolio.bob)

    assert sum(row["total"] for row in alice["portfolio"]["rows"]) == 1
    assert count_cell(alice["portfolio"], "strategic", "active") == 1
    assert alice["contracts"]["notice_due"] == 1
    assert alice["contracts"]["total_spend"] == Decimal("150000.00")
    assert alice["relationship"]["overdue_theirs"] == 0
    assert alice["escalations"]["overdue_reviews"] == 0

    assert count_cell(bob["portfolio"], "routine", "prospect") == 1
    assert sum(row["total"] for row in bob["portfolio"]["rows"]) == 1
    assert bob["contracts"]["expiring"] == 1
    assert bob["contracts"]["savings"]["expected"] == Decimal(0)
    assert bob["performance"]["moved_down_count"] == 0
    assert bob["escalations"]["overdue_reviews"] == 1


def test_filters_by_segment_owner_and_period(portfolio: Portfolio, executive: User) -> None:
    routine = figures_for(executive, segment=["routine"])
    owned_by_alice = figures_for(executive, owner=str(portfolio.alice.pk))
    short = figures_for(executive, period="90")

    assert sum(row["total"] for row in routine["portfolio"]["rows"]) == 1
    assert routine["contracts"]["total_spend"] == Decimal("5000.00")
    assert owned_by_alice["contracts"]["total_spend"] == Decimal("150000.00")
    # Over 90 days the reviews ended 100 and 200 days ago fall out.
    assert short["performance"]["table"] == []
    assert short["performance"]["moved_down_count"] == 0


def test_dashboard_page_links_each_number_to_its_list(
    client: Client, portfolio: Portfolio, executive: User
) -> None:
    client.force_login(executive)

    page = client.get(DASHBOARD).text

    assert 'href="/reviews/?overdue=true" id="overdue-reviews">1</a>' in page
    assert 'href="/contracts/?notice_within=90">2</a>' in page
    assert 'href="/contracts/?ending_within=90">1</a>' in page
    assert 'href="/meetings/commitments/?overdue=true&amp;side=theirs">1</a>' in page
    assert 'href="/suppliers/?segment=strategic&amp;status=active">1</a>' in page
    assert "/escalations/?status=open&amp;status=acknowledged&amp;level=1&amp;older_than=7" in page
    assert '<svg class="chart kraljic"' in page and '<title id="kraljic-title">' in page


def test_the_numbers_lead_to_lists_holding_them(
    client: Client, portfolio: Portfolio, executive: User
) -> None:
    client.force_login(executive)

    theirs = client.get("/meetings/commitments/?overdue=true&side=theirs")
    strategic = client.get("/suppliers/?segment=strategic&status=active")
    spend = client.get("/suppliers/?risk_level=low&spend_min=0&spend_below=10000")

    assert theirs.status_code == 200 and "Bolt Fasteners" in theirs.text
    assert "Mekong Textiles" not in theirs.text
    assert "Mekong Textiles" in strategic.text and "Bolt Fasteners" not in strategic.text
    assert "Bolt Fasteners" in spend.text and "Mekong Textiles" not in spend.text


def test_an_account_managers_links_carry_their_own_suppliers(
    client: Client, portfolio: Portfolio
) -> None:
    client.force_login(portfolio.alice)

    page = client.get(DASHBOARD).text

    owner = portfolio.alice.pk
    assert f'href="/suppliers/?segment=strategic&amp;status=active&amp;owner={owner}">1</a>' in page


def _dashboard_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(DASHBOARD)
    assert response.status_code == 200
    return len(queries)


def test_dashboard_query_count_does_not_grow_with_the_portfolio(
    client: Client, executive: User, account_manager: User
) -> None:
    client.force_login(executive)
    for _ in range(2):
        hand_computed_supplier(account_manager)
    small = _dashboard_queries(client)
    for _ in range(20):
        hand_computed_supplier(account_manager)
    large = _dashboard_queries(client)

    assert small == large


def test_home_is_the_dashboard_or_my_day_by_role(
    client: Client,
    executive: User,
    account_manager: User,
    procurement_manager: User,
    make_user: Callable[..., User],
) -> None:
    home = reverse("core:home")
    client.force_login(executive)
    assert 'id="kraljic-heading"' in client.get(home).text
    client.force_login(procurement_manager)
    assert 'id="kraljic-heading"' in client.get(home).text
    client.force_login(account_manager)
    assert 'id="my-suppliers-heading"' in client.get(home).text
    client.force_login(make_user(Role.ADMINISTRATOR, username="root"))
    assert "Your roles" in client.get(home).text


def test_dashboard_needs_the_portfolio(client: Client, make_user: Callable[..., User]) -> None:
    client.force_login(make_user(username="nobody"))
    assert client.get(DASHBOARD).status_code == 403


def test_chart_coordinates_stay_numbers_in_every_language(
    client: Client, portfolio: Portfolio, executive: User
) -> None:
    executive.preferred_language = "de"  # German writes 12,5 where SVG needs 12.5
    executive.save(update_fields=["preferred_language"])
    client.force_login(executive)

    page = client.get(DASHBOARD).text

    svg = "".join(re.findall(r"<svg.*?</svg>", page, re.S))
    assert svg.count("<svg") == 5
    assert not re.findall(r'(?:x|y|width|r|cx|cy)="[^"]*,[^"]*"', svg)
    assert re.findall(r'width="\d+\.\d"', svg)  # fractional widths are there, with a point


RESULT_COUNT = re.compile(r'class="muted result-count">(\d+) ')


def _linked_figures(context: dict) -> list[tuple[str, int, str]]:  # type: ignore[type-arg]
    """Every (what, number, link) the dashboard shows that counts rows of a list."""
    found: list[tuple[str, int, str]] = []
    for row in context["portfolio"]["rows"]:
        found.append((f"portfolio {row['segment']}", row["total"], row["url"]))
        for cell in row["cells"]:
            found.append(
                (f"portfolio {row['segment']} {cell['status']}", cell["count"], cell["url"])
            )
    for cell in context["kraljic"]["cells"] + context["kraljic"]["unspent"]:
        found.append(
            (f"kraljic {cell['risk_level']} {cell['spend_band']}", cell["count"], cell["url"])
        )
    for row in context["performance"]["standings"]:
        found.append((f"standing {row['standing']}", row["count"], row["url"]))
    contracts = context["contracts"]
    found += [
        ("notice due", contracts["notice_due"], contracts["notice_url"]),
        ("expiring", contracts["expiring"], contracts["expiring_url"]),
        ("active contracts", contracts["active"], contracts["active_url"]),
    ]
    relationship = context["relationship"]
    found += [
        ("not met in person", relationship["strategic_not_met"], relationship["not_met_url"]),
        ("single-threaded", relationship["single_threaded"], relationship["single_threaded_url"]),
        ("overdue ours", relationship["overdue_ours"], relationship["overdue_ours_url"]),
        ("overdue theirs", relationship["overdue_theirs"], relationship["overdue_theirs_url"]),
    ]
    escalations = context["escalations"]
    for row in escalations["rows"]:
        for days, (count, url) in zip((0, 7, 30), row["cells"], strict=True):
            found.append((f"escalations level {row['level']} > {days} days", count, url))
    found.append(
        ("overdue reviews", escalations["overdue_reviews"], escalations["overdue_reviews_url"])
    )
    return found


def _rows_on(client: Client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    match = RESULT_COUNT.search(response.text)
    assert match, url
    return int(match.group(1))


def _kind(what: str) -> str:
    """The list a figure links to, less the cell: "portfolio strategic active" → "portfolio"."""
    first = what.split()[0]
    return first if first in {"portfolio", "kraljic", "standing", "escalations"} else what


def _assert_every_number_is_the_rows_of_its_list(
    client: Client, query: str = "", *, one_per_kind: bool = False
) -> int:
    """Every linked figure equals the row count of its list. With ``one_per_kind``, only the
    largest figure of each kind of link (every portfolio cell links to the supplier list the
    same way): what a filter changes is the link, which every cell of a kind builds alike."""
    response = client.get(f"{DASHBOARD}{query}")
    assert response.status_code == 200
    linked = [(what, number, url) for what, number, url in _linked_figures(response.context)]
    checked = linked
    if one_per_kind:
        largest: dict[str, tuple[str, int, str]] = {}
        for figure in linked:
            kind = _kind(figure[0])
            if figure[2] is not None and (kind not in largest or figure[1] > largest[kind][1]):
                largest[kind] = figure
        checked = list(largest.values())
    mismatched = [
        (what, number, url, rows)
        for what, number, url in checked
        if url is not None and number != (rows := _rows_on(client, url))
    ]
    assert not mismatched, "\n".join(map(str, mismatched))
    return sum(number for _what, number, _url in linked)


def test_every_number_is_the_row_count_of_the_list_it_links_to(
    client: Client, portfolio: Portfolio, executive: User
) -> None:
    today = timezone.localdate()
    # Signed, but not yet started: no value under contract today, and not on its list.
    contract(
        portfolio.mekong,
        executive,
        start_date=today + timedelta(30),
        end_date=today + timedelta(400),
    )
    client.force_login(executive)

    assert _assert_every_number_is_the_rows_of_its_list(client) > 0


def test_filtered_numbers_lead_to_lists_filtered_the_same_way(
    client: Client, portfolio: Portfolio, executive: User
) -> None:
    """Filtered to alice's suppliers, to a segment or to a category, each number and its list
    still agree: the links carry the filter and the lists honour it."""
    category = portfolio.mekong.categories.first() or CategoryFactory(name="Textiles")
    portfolio.mekong.categories.add(category)
    client.force_login(executive)

    for query in (
        f"?owner={portfolio.alice.pk}",
        f"?owner={portfolio.bob.pk}",
        "?segment=routine",
        "?segment=strategic&segment=leverage",
        f"?category={category.pk}",
    ):
        figures = _assert_every_number_is_the_rows_of_its_list(client, query, one_per_kind=True)
        assert figures > 0, query


def test_an_account_managers_numbers_lead_to_lists_of_their_own_suppliers(
    client: Client, portfolio: Portfolio
) -> None:
    for person in (portfolio.alice, portfolio.bob):
        client.force_login(person)
        assert _assert_every_number_is_the_rows_of_its_list(client, one_per_kind=True) > 0


def test_standings_link_counts_only_each_suppliers_latest_review(
    client: Client, portfolio: Portfolio, executive: User
) -> None:
    """Mekong's earlier review was excellent, its latest average: it counts once, as average."""
    client.force_login(executive)

    excellent = client.get("/reviews/?standing=excellent&latest=true")
    average = client.get("/reviews/?standing=average&latest=true")
    every_excellent = client.get("/reviews/?standing=excellent")

    assert RESULT_COUNT.search(excellent.text).group(1) == "0"  # type: ignore[union-attr]
    assert RESULT_COUNT.search(average.text).group(1) == "1"  # type: ignore[union-attr]
    assert RESULT_COUNT.search(every_excellent.text).group(1) == "1"  # type: ignore[union-attr]


def test_filtered_dashboard_links_carry_the_filter(
    client: Client, portfolio: Portfolio, executive: User
) -> None:
    client.force_login(executive)
    alice = portfolio.alice.pk

    page = client.get(f"{DASHBOARD}?owner={alice}&segment=strategic").text

    assert f'href="/reviews/?overdue=true&amp;segment=strategic&amp;account_owner={alice}"' in page
    assert f"/contracts/?notice_within=90&amp;segment=strategic&amp;account_owner={alice}" in page
    assert f"single-threaded/?segment=strategic&amp;owner={alice}" in page


def _filtered_dashboard_queries(client: Client, query: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"{DASHBOARD}{query}")
    assert response.status_code == 200
    return len(queries)


def test_query_count_does_not_grow_for_any_role_or_filter(
    client: Client,
    executive: User,
    procurement_manager: User,
    account_manager: User,
    make_user: Callable[..., User],
) -> None:
    other = make_user(Role.ACCOUNT_MANAGER, username="other")
    category = CategoryFactory(name="Metals")
    queries = ("", "?segment=strategic", f"?owner={account_manager.pk}&period=90")
    queries += (f"?category={category.pk}&segment=strategic&segment=routine",)
    people = (executive, procurement_manager, account_manager)

    def measure() -> list[int]:
        counts = []
        for person in people:
            client.force_login(person)
            counts += [_filtered_dashboard_queries(client, query) for query in queries]
        return counts

    def grow(times: int) -> None:
        for _ in range(times):
            supplier = hand_computed_supplier(account_manager)
            supplier.categories.add(category)
            OwnershipFactory(supplier=SupplierFactory(), user=other)

    grow(2)
    small = measure()
    grow(6)
    large = measure()

    assert small == large
