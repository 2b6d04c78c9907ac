"""``manage.py bench_suppliers``: the supplier API against its floor, on ``seed_bench`` data.

1. The API list (GET /api/v1/suppliers/, owner and categories included) of 50 and of 1,000
   rows through the whole stack (middleware, token, throttle, filters, keyset paging,
   rendering), beside floors that build the same JSON from the bare driver: one SQL query
   (owners and categories aggregated), and the page plus two plain queries.
2. The bulk upsert of N suppliers (half new, half changed) through
   POST /api/v1/suppliers/bulk-upsert/ in batches, beside COPY into a staging table followed
   by one INSERT … ON CONFLICT DO UPDATE. Both start from the same state: before each, the
   rows a run created are deleted and the rows it changed are put back to their seeded
   values, then the tables are vacuumed and a checkpoint is taken.
3. The change feed: a page of 1,000 of GET /api/v1/changes/ and of
   GET /api/v1/suppliers/?changes_after= beside the plain keyset list page and a SQL floor,
   and a full resync of every supplier through ``changes_after`` against one through the
   plain list, each followed ``next`` by ``next`` until the end.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import statistics
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any
from unittest import mock

import pgtrigger
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, reset_queries, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from accounts.models import APIToken, User
from accounts.roles import Role
from accounts.services import api_token_create, api_token_revoke
from accounts.throttling import APITokenRateThrottle
from core.bench import (
    checkpoint,
    copy_buffer,
    copy_into,
    load_average,
    machine_facts,
    median_ms,
    table,
    time_interleaved,
    use_bench_database,
    vacuum_analyze,
)
from core.changes import Position, encode_cursor, watermark
from core.models import Change
from suppliers.bench import (
    SEEDED_PREFIX,
    SUPPLIER_FIELDS,
    supplier_values,
)
from suppliers.models import Contact, KeyAccountOwnership, Supplier, SupplierCategory

NEW_PREFIX = "BENCHNEW-"
BENCH_USERNAME = "bench-integration"
TOKEN_NAME = "bench_suppliers"  # noqa: S105 - the token's label, not its secret
HOST = "https://testserver"
RISKS = ["low", "medium", "high", "critical"]
RENAMED = " Group"  # what a changed row adds to its name; no seeded name ends so
UPDATABLE = [name for name in SUPPLIER_FIELDS if name != "external_id"]
AUDITED = (Supplier, SupplierCategory, KeyAccountOwnership, Contact)


@dataclass
class _ApiRun:
    seconds: float = 0.0
    queries: int = 0
    latencies: list[float] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )


@dataclass
class Sizes:
    list_sizes: list[int]
    requests: int
    warmup: int
    bulk_rows: int
    batch_size: int
    rounds: int = 1


FULL = Sizes(list_sizes=[50, 1000], requests=30, warmup=3, bulk_rows=100_000, batch_size=1000)
QUICK = Sizes(list_sizes=[50, 200], requests=5, warmup=1, bulk_rows=2_000, batch_size=500)


class Command(BaseCommand):
    help = (
        "Measures the supplier API (list of 50 and 1,000; bulk upsert of 100,000 in 1,000-row "
        "batches) against raw PostgreSQL floors, on the data of seed_bench."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quick", action="store_true", help="Small sizes: a smoke run.")
        parser.add_argument("--requests", type=int, help="Timed requests per list size.")
        parser.add_argument("--bulk-rows", type=int, help="Rows sent to the bulk upsert.")
        parser.add_argument("--batch-size", type=int, help="Rows per bulk request.")
        parser.add_argument(
            "--rounds", type=int, default=1, help="Bulk runs of each kind, alternating (median)."
        )
        parser.add_argument("--skip-list", action="store_true", help="Only the bulk upsert.")
        parser.add_argument("--skip-bulk", action="store_true", help="Skip the bulk upsert.")
        parser.add_argument("--skip-feed", action="store_true", help="Skip the change feed.")
        parser.add_argument(
            "--profile", action="store_true", help="Also print where the API spends its time."
        )
        parser.add_argument("--database-name", help="Use this database, not <NAME>_bench.")
        parser.add_argument(
            "--in-place", action="store_true", help="Use the current database (for tests)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        sizes = QUICK if options["quick"] else FULL
        sizes = Sizes(
            list_sizes=sizes.list_sizes,
            requests=options["requests"] or sizes.requests,
            warmup=sizes.warmup,
            bulk_rows=options["bulk_rows"] or sizes.bulk_rows,
            batch_size=options["batch_size"] or sizes.batch_size,
            rounds=max(1, options["rounds"]),
        )
        use_bench_database(name=options["database_name"], in_place=options["in_place"])
        seeded = Supplier.objects.filter(external_id__startswith=SEEDED_PREFIX).count()
        if not seeded:
            raise CommandError("No bench suppliers: run `manage.py seed_bench` first.")
        self.out("Supplier benchmark")
        self.out("=" * 18)
        for label, value in machine_facts():
            self.out(f"{label + ':':12}{value}")
        self.out(f"{'data:':12}{Supplier.objects.count():,} suppliers ({seeded:,} seeded)")
        self.out(f"{'settings:':12}DEBUG off while measuring; API token throttle lifted")
        _reset()  # in case an earlier run was cut short
        bench = _Bench(self, sizes, profile=options["profile"])
        with bench.environment():
            if not options["skip_list"]:
                bench.list_section()
            if not options["skip_bulk"]:
                bench.bulk_section(seeded)
            if not options["skip_feed"]:
                bench.feed_section()
        self.out(
            f"\nDone in {time.perf_counter() - started:.0f} s; load average now {load_average()}."
        )

    def out(self, text: str = "") -> None:
        self.stdout.write(text)


class _Bench:
    def __init__(self, command: Command, sizes: Sizes, *, profile: bool) -> None:
        self.command = command
        self.out = command.out
        self.sizes = sizes
        self.profile = profile
        self.client = Client()

    @contextmanager
    def environment(self) -> Iterator[None]:
        """As production serves: DEBUG off (no query log); the throttle lifted, since one
        client sends thousands of requests a minute here; an Integration account's token."""
        rates = {"api_token": "1000000/second"}
        with (
            warnings.catch_warnings(),
            override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]),
            mock.patch.object(APITokenRateThrottle, "THROTTLE_RATES", rates),
        ):
            # WhiteNoise looks for STATIC_ROOT, which only collectstatic creates.
            warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
            key = _integration_token()
            self.client = Client(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT="application/json")
            yield

    # --- 1. List ------------------------------------------------------------------------------

    def list_section(self) -> None:
        count = Supplier.objects.count()
        rows = []
        mismatches = []
        for size in self.sizes.list_sizes:
            expected = min(size, count)
            url = reverse("api:supplier-list") + f"?page_size={size}"
            body = self._get(url)  # also checks the answer
            api_results = json.loads(body)["results"]
            if len(api_results) != expected:
                raise CommandError(f"The API gave {len(api_results)} rows, not {expected}.")
            floors = {
                "one query": partial(list_floor_one_query, size),
                "three queries": partial(list_floor_three_queries, size),
            }
            for label, floor in floors.items():
                if json.loads(floor())["results"] != api_results:
                    mismatches.append(f"! {size} rows: the floor ({label}) differs from the API.")
            reset_queries()  # the log is capped: a full one would capture nothing
            with CaptureQueriesContext(connection) as captured:
                self._get(url)
            queries = _query_count(captured)  # now: the next request empties the log
            # Interleaved, so that load from elsewhere on the machine weighs on all alike.
            timings = time_interleaved(
                {"api": partial(self._get, url), **floors},
                repeat=self.sizes.requests,
                warmup=self.sizes.warmup,
            )
            api = median_ms(timings["api"])
            one, three = median_ms(timings["one query"]), median_ms(timings["three queries"])
            ratio = api / min(one, three)
            rows.append(
                [
                    f"{expected:,} rows",
                    f"{api:.1f} ms",
                    f"{_p90_ms(timings['api']):.1f} ms",
                    str(queries),
                    f"{len(body) / 1024:.0f} KiB",
                    f"{one:.1f} ms",
                    f"{three:.1f} ms",
                    f"{ratio:.1f}x",
                    "met" if ratio <= 3 else "MISSED",
                ]
            )
            if self.profile:
                self._profile(f"GET {url}", partial(self._get, url))
        self.out(
            "\n1. API list: GET /api/v1/suppliers/?page_size=N (owner and categories included)"
        )
        self.out(
            f"   median of {self.sizes.requests} requests after {self.sizes.warmup} warm-up, "
            "django.test.Client with an Integration token, every middleware"
        )
        headers = ["page", "API median", "API p90", "queries", "body"]
        headers += ["floor: 1 query", "floor: 3 queries", "API/floor", "target <= 3x"]
        self.out(table(headers, rows))
        self.out(
            "   Floors, on the bare psycopg2 cursor, each building the same JSON (checked "
            f"equal: {'no' if mismatches else 'yes'}) with json.dumps:\n"
            "   1 query: the page with owners and categories as json_agg subqueries; "
            "3 queries: the page,\n   then its owners and its categories as plain rows. "
            "API/floor is against the faster."
        )
        for line in mismatches:
            self.out(line)

    def _get(self, url: str) -> bytes:
        response = self.client.get(url, secure=True)
        if response.status_code != 200:
            raise CommandError(f"GET {url}: {response.status_code} {response.content[:500]!r}")
        return response.content

    # --- 2. Bulk upsert -----------------------------------------------------------------------

    def bulk_section(self, seeded: int) -> None:
        total, size = self.sizes.bulk_rows, self.sizes.batch_size
        changed = min(total // 2, seeded)
        new = total - changed
        rows = _bulk_rows(changed, new)
        bodies = [json.dumps(rows[i : i + size]).encode() for i in range(0, total, size)]
        staging = copy_buffer([[row[name] for name in SUPPLIER_FIELDS] for row in rows])
        expected = {"created": new, "updated": changed, "unchanged": 0}
        url = reverse("api:supplier-bulk-upsert")
        # Warm-up: seeded rows as they are, so that nothing is written.
        warmup = [supplier_values(n) for n in range(1, min(10, seeded) + 1)]
        self._post(url, json.dumps(warmup).encode())
        floor_runs: list[float] = []
        api_runs: list[_ApiRun] = []
        try:
            for _round in range(self.sizes.rounds):
                _reset()
                seconds, floor_counts = _bulk_floor(staging)
                floor_runs.append(seconds)
                _reset()
                api_runs.append(self._bulk_api(url, bodies))
            if self.profile:
                _reset()
                sample = bodies[: max(1, len(bodies) // 10)]
                self._profile(f"POST {url} x{len(sample)}", partial(self._bulk_api, url, sample))
        finally:
            _reset()  # every run starts from, and leaves, the seeded data

        floor_seconds = statistics.median(floor_runs)
        api = sorted(api_runs, key=lambda run: run.seconds)[(len(api_runs) - 1) // 2]
        api_rate, floor_rate = total / api.seconds, total / floor_seconds
        share = api_rate / floor_rate
        self.out(
            f"\n2. Bulk upsert of {total:,} suppliers: {new:,} new and {changed:,} changed "
            f"(name and risk level), {len(bodies)} batches of {size:,}"
        )
        rounds = f", median of {len(api_runs)} rounds" if len(api_runs) > 1 else ""
        self.out(
            table(
                ["path" + rounds, "seconds", "rows/s", "created / updated / unchanged", "queries"],
                [
                    [
                        "API: POST /api/v1/suppliers/bulk-upsert/",
                        f"{api.seconds:.1f}",
                        f"{api_rate:,.0f}",
                        _counts(api.counts),
                        f"{api.queries} per batch",
                    ],
                    [
                        "floor: COPY to staging + INSERT … ON CONFLICT",
                        f"{floor_seconds:.1f}",
                        f"{floor_rate:,.0f}",
                        _counts(floor_counts),
                        "3 in all",
                    ],
                    [
                        f"API/floor: {share:.0%} of the floor's rate (target >= 25%)",
                        "",
                        "",
                        "",
                        "met" if share >= 0.25 else "MISSED",
                    ],
                ],
            )
        )
        self.out(
            f"   API per batch: median {median_ms(api.latencies):.0f} ms, p90 "
            f"{_p90_ms(api.latencies):.0f} ms. Request bodies and the COPY data are built before "
            "timing.\n"
            "   Same rows, same state: before each run, rows created by an earlier one are "
            "deleted and\n   changed rows restored to their seeded values (audit triggers "
            "off for this reset only),\n   then VACUUM ANALYZE and CHECKPOINT. Both runs fire "
            "the audit triggers, compare before\n   writing and commit (the API once per "
            "batch, the floor once); neither touches categories\n   or owners (the rows "
            "carry none). The data is reset again at the end."
        )
        for label, got in (("API", api.counts), ("floor", floor_counts)):
            if got != expected:
                self.out(f"! {label} counts {_counts(got)} differ from {_counts(expected)}.")

    # --- 3. The change feed ---------------------------------------------------------------

    def feed_section(self) -> None:
        count = Supplier.objects.count()
        size = max(self.sizes.list_sizes)
        settle_feed()
        vacuum_analyze("core_change")  # as autovacuum would have after the seeding
        # A cursor in the middle of the suppliers' changes: pages from there on are typical.
        middle = (
            Change.objects.filter(resource="suppliers")
            .order_by("txid", "id")
            .values_list("txid", "id")[count // 2 : count // 2 + 1]
        )
        txid, row_id = middle[0] if middle else (0, 0)
        cursor = encode_cursor(Position(txid, row_id))
        urls = {
            "GET /api/v1/changes/?resource=suppliers": reverse("api:change-list")
            + f"?resource=suppliers&page_size={size}&after={cursor}",
            "GET /api/v1/suppliers/?changes_after=": reverse("api:supplier-list")
            + f"?page_size={size}&changes_after={cursor}",
            "GET /api/v1/suppliers/ (plain keyset list)": reverse("api:supplier-list")
            + f"?page_size={size}",
        }
        calls: dict[str, Callable[[], Any]] = {
            label: partial(self._get, url) for label, url in urls.items()
        }
        calls["floor: the changes page in SQL + json"] = partial(feed_floor, size, txid, row_id)
        queries = {}
        for label, url in urls.items():
            reset_queries()
            with CaptureQueriesContext(connection) as captured:
                body = json.loads(self._get(url))
            queries[label] = _query_count(captured)
            if not body["results"]:
                self.out(f"! {label}: an empty page")
        timings = time_interleaved(calls, repeat=self.sizes.requests, warmup=self.sizes.warmup)
        floor = median_ms(timings["floor: the changes page in SQL + json"])
        rows = [
            [
                label,
                f"{median_ms(timings[label]):.1f} ms",
                f"{_p90_ms(timings[label]):.1f} ms",
                str(queries.get(label, 1)),
                f"{median_ms(timings[label]) / floor:.1f}x",
            ]
            for label in calls
        ]
        self.out(f"\n3. Change feed at {count:,} suppliers: a page of {size:,}")
        self.out(
            f"   median of {self.sizes.requests} requests after {self.sizes.warmup} warm-up, "
            "from a cursor half-way through the suppliers' changes"
        )
        self.out(table(["request", "median", "p90", "queries", "/ feed floor"], rows))

        resync = []
        for label, url in (
            ("changes_after=0, next by next", f"?page_size={size}&changes_after=0"),
            ("plain list, next by next", f"?page_size={size}"),
        ):
            started = time.perf_counter()
            seen, pages = self._follow(reverse("api:supplier-list") + url)
            seconds = time.perf_counter() - started
            resync.append(
                [
                    label,
                    f"{seconds:.1f}",
                    str(pages),
                    f"{len(seen):,}",
                    f"{len(seen) / seconds:,.0f}",
                    "yes" if len(seen) == count and len(set(seen)) == count else "NO",
                ]
            )
        self.out(f"\n   Full resync of {count:,} suppliers, pages of {size:,}:")
        self.out(table(["path", "seconds", "pages", "rows", "rows/s", "each row once"], resync))
        self.out(
            "   The feed floor: the page of change rows read by one SQL statement on the bare "
            "driver and\n   encoded with json.dumps (what /changes/ returns, without the stack)."
        )

    def _follow(self, url: str) -> tuple[list[int], int]:
        seen: list[int] = []
        pages = 0
        while True:
            body = json.loads(self._get(url))
            pages += 1
            seen += [row["id"] for row in body["results"]]
            if not body.get("has_more", body.get("next") is not None) or not body["next"]:
                return seen, pages
            url = body["next"].removeprefix(HOST).removeprefix("http://testserver")

    def _bulk_api(self, url: str, bodies: list[bytes]) -> _ApiRun:
        run = _ApiRun()
        started = time.perf_counter()
        for index, body in enumerate(bodies):
            call_started = time.perf_counter()
            if index == 0:
                reset_queries()  # the log is capped: a full one would capture nothing
                with CaptureQueriesContext(connection) as captured:
                    answer = self._post(url, body)
                run.queries = _query_count(captured)
            else:
                answer = self._post(url, body)
            run.latencies.append(time.perf_counter() - call_started)
            for key in run.counts:
                run.counts[key] += answer[key]
        run.seconds = time.perf_counter() - started
        return run

    def _post(self, url: str, body: bytes) -> dict[str, Any]:
        response = self.client.post(
            url,
            body,
            content_type="application/json",
            secure=True,
        )
        if response.status_code != 200:
            raise CommandError(f"POST {url}: {response.status_code} {response.content[:500]!r}")
        answer: dict[str, Any] = json.loads(response.content)
        return answer

    def _profile(self, label: str, call: Callable[[], Any]) -> None:
        profiler = cProfile.Profile()
        profiler.runcall(call)
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(20)
        self.out(f"\n--- profile: {label} ---")
        self.out(text.getvalue())


def _p90_ms(timings: list[float]) -> float:
    if len(timings) < 2:
        return timings[0] * 1000
    return statistics.quantiles(timings, n=10)[-1] * 1000


def _query_count(captured: CaptureQueriesContext) -> int:
    """Statements that do work: BEGIN, COMMIT and savepoints left out."""
    control = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
    return sum(not query["sql"].startswith(control) for query in captured.captured_queries)


def _counts(counts: dict[str, int]) -> str:
    return f"{counts['created']:,} / {counts['updated']:,} / {counts['unchanged']:,}"


def _integration_token() -> str:
    """A fresh token for the bench's Integration account (the secret is shown only once)."""
    user, created = User.objects.get_or_create(
        username=BENCH_USERNAME, defaults={"display_name": "ERP (benchmark)"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=Role.INTEGRATION.value)[0])
    for token in APIToken.objects.filter(user=user, name=TOKEN_NAME, revoked_at__isnull=True):
        api_token_revoke(token=token)
    _token, key = api_token_create(user=user, name=TOKEN_NAME)
    return key


def settle_feed(timeout: float = 60) -> None:
    """Waits until the writes made so far (the seeding, a reset) are below the watermark."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint")
        mine = int(cursor.fetchone()[0])
    deadline = time.monotonic() + timeout
    while watermark() <= mine and time.monotonic() < deadline:
        time.sleep(0.05)


_FEED_PAGE = """
SELECT resource, object_id, action, at FROM core_change
 WHERE resource = 'suppliers' AND (txid, id) > (%s, %s)
   AND txid < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
 ORDER BY txid, id LIMIT %s
"""


def feed_floor(size: int, txid: int, row_id: int) -> bytes:
    with _raw_cursor() as cursor:
        cursor.execute(_FEED_PAGE, [txid, row_id, size + 1])
        rows = cursor.fetchall()
    results = [
        {"resource": resource, "id": pk, "action": action, "at": _moment(at)}
        for resource, pk, action, at in rows[:size]
    ]
    page = {"results": results, "next": "…", "cursor": "…", "has_more": len(rows) > size}
    return json.dumps(page, separators=(",", ":")).encode()


# --- The list floor ----------------------------------------------------------------------------

_SUPPLIER_COLUMNS = """s.id, s.name, s.legal_name, s.external_id, s.vat_number, s.country,
       s.website, s.status, s.segment, s.risk_level, s.excluded_from_rfps,
       s.default_currency, s.annual_spend, s.notes, s.created_at, s.updated_at"""
_PERSON = "o.id, o.role, o.since::text, u.id, u.username, u.display_name, u.first_name, u.last_name"
# One query: each row's people and categories as JSON arrays, from correlated subqueries.
_ONE_QUERY = f"""
SELECT {_SUPPLIER_COLUMNS},
       (SELECT json_agg(json_build_array({_PERSON}) ORDER BY o.role, o.since, o.id)
          FROM suppliers_keyaccountownership o JOIN accounts_user u ON u.id = o.user_id
         WHERE o.supplier_id = s.id AND o.until IS NULL),
       (SELECT json_agg(json_build_array(c.id, c.name) ORDER BY c.name)
          FROM suppliers_suppliercategory sc JOIN suppliers_category c ON c.id = sc.category_id
         WHERE sc.supplier_id = s.id)
  FROM suppliers_supplier s
 ORDER BY s.name, s.id
 LIMIT %s
"""  # noqa: S608 - constant fragments
# Three queries, as the API runs them but on the bare driver: the page, then its people and
# its categories as plain rows.
_PAGE = f"SELECT {_SUPPLIER_COLUMNS} FROM suppliers_supplier s ORDER BY s.name, s.id LIMIT %s"  # noqa: S608
_PEOPLE = f"""
SELECT o.supplier_id, {_PERSON}
  FROM suppliers_keyaccountownership o JOIN accounts_user u ON u.id = o.user_id
 WHERE o.supplier_id = ANY(%s) AND o.until IS NULL
 ORDER BY o.role, o.since, o.id
"""  # noqa: S608
_CATEGORIES = """
SELECT sc.supplier_id, c.id, c.name
  FROM suppliers_suppliercategory sc JOIN suppliers_category c ON c.id = sc.category_id
 WHERE sc.supplier_id = ANY(%s)
 ORDER BY c.name
"""


def _moment(value: Any) -> str:
    text: str = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _raw_cursor() -> Any:
    connection.ensure_connection()
    return connection.connection.cursor()


def list_floor_one_query(size: int) -> bytes:
    """The API's page from one query on the bare psycopg2 cursor, encoded with json."""
    with _raw_cursor() as cursor:
        cursor.execute(_ONE_QUERY, [size + 1])
        rows = cursor.fetchall()
    return _page_json(
        [(row[:16], row[16] or (), row[17] or ()) for row in rows[:size]], more=len(rows) > size
    )


def list_floor_three_queries(size: int) -> bytes:
    """The API's page from three plain queries on the bare psycopg2 cursor, encoded with json."""
    with _raw_cursor() as cursor:
        cursor.execute(_PAGE, [size + 1])
        rows = cursor.fetchall()
        ids = [row[0] for row in rows[:size]]
        people: dict[int, list[Any]] = {pk: [] for pk in ids}
        categories: dict[int, list[Any]] = {pk: [] for pk in ids}
        cursor.execute(_PEOPLE, [ids])
        for supplier_id, *person in cursor.fetchall():
            people[supplier_id].append(person)
        cursor.execute(_CATEGORIES, [ids])
        for supplier_id, *category in cursor.fetchall():
            categories[supplier_id].append(category)
    return _page_json(
        [(row, people[row[0]], categories[row[0]]) for row in rows[:size]], more=len(rows) > size
    )


_KEYS = [column.strip().removeprefix("s.") for column in _SUPPLIER_COLUMNS.split(",")]


def _page_json(rows: list[tuple[Any, Any, Any]], *, more: bool) -> bytes:
    """The API's JSON for (supplier columns, people, categories) rows."""
    results = []
    for columns, people, categories in rows:
        row = dict(zip(_KEYS, columns, strict=True))
        pk = row["id"]
        owner = None
        owners = []
        for ownership_id, role, since, user_id, username, display_name, first, last in people:
            user = {
                "id": user_id,
                "username": username,
                "name": display_name or f"{first} {last}".strip() or username,
            }
            if role == "owner":
                owner = user
            owners.append(
                {
                    "id": ownership_id,
                    "url": f"{HOST}/api/v1/key-account-owners/{ownership_id}/",
                    "user": user,
                    "role": role,
                    "since": since,
                }
            )
        row["url"] = f"{HOST}/api/v1/suppliers/{pk}/"
        row["owner"] = owner
        row["key_account_owners"] = owners
        row["categories"] = [
            {"id": cid, "url": f"{HOST}/api/v1/categories/{cid}/", "name": name}
            for cid, name in categories
        ]
        spend = row["annual_spend"]
        row["annual_spend"] = None if spend is None else str(spend)  # DRF renders decimals so
        row["created_at"] = _moment(row["created_at"])
        row["updated_at"] = _moment(row["updated_at"])
        results.append(row)
    page = {"next": "…" if more else None, "previous": None, "results": results}
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()


# --- The bulk rows, the reset and the floor ----------------------------------------------------


def _changed(values: dict[str, str]) -> dict[str, str]:
    risk = RISKS[(RISKS.index(values["risk_level"]) + 1) % len(RISKS)]
    return {**values, "name": values["name"] + RENAMED, "risk_level": risk}


def _bulk_rows(changed: int, new: int) -> list[dict[str, str]]:
    """Changed and new rows alternating, so that every batch holds both."""
    old = [_changed(supplier_values(n)) for n in range(1, changed + 1)]
    fresh = [supplier_values(n, prefix=NEW_PREFIX) for n in range(1, new + 1)]
    rows: list[dict[str, str]] = []
    for i in range(max(changed, new)):
        rows.extend(batch[i] for batch in (old, fresh) if i < len(batch))
    return rows


def _audit_triggers() -> list[str]:
    """The audit's triggers and the change feed's (core.feed) on the tables the reset writes."""
    return [
        f"suppliers.{model.__name__}:{operation}_{operation}"
        for model in AUDITED
        for operation in ("insert", "update", "delete")
    ] + [
        f"suppliers.{model.__name__}:feed_{operation}"
        for model in (Supplier, KeyAccountOwnership, Contact)
        for operation in ("insert", "update", "delete")
    ]


def _reset() -> None:
    """Back to the seeded state: suppliers a run created are deleted, and those it changed
    (their names gained " Group") get their seeded values back. The audit triggers stay
    quiet: this is not a change anyone made."""
    new = f"{NEW_PREFIX}%"
    with transaction.atomic(), pgtrigger.ignore(*_audit_triggers()), connection.cursor() as cursor:
        for table_name in ("suppliercategory", "keyaccountownership", "contact"):
            cursor.execute(
                f"DELETE FROM suppliers_{table_name} WHERE supplier_id IN "  # noqa: S608
                "(SELECT id FROM suppliers_supplier WHERE external_id LIKE %s)",
                [new],
            )
        cursor.execute("DELETE FROM suppliers_supplier WHERE external_id LIKE %s", [new])
        # The feed's rows of what was just deleted unseen (its triggers were quiet too).
        for resource, table_name in (
            ("suppliers", "supplier"),
            ("contacts", "contact"),
            ("key-account-owners", "keyaccountownership"),
        ):
            cursor.execute(
                "DELETE FROM core_change c WHERE c.resource = %s AND NOT EXISTS "  # noqa: S608
                f"(SELECT 1 FROM suppliers_{table_name} t WHERE t.id = c.object_id)",
                [resource],
            )
        cursor.execute(
            "SELECT external_id FROM suppliers_supplier WHERE external_id LIKE %s AND name LIKE %s",
            [f"{SEEDED_PREFIX}%", f"%{RENAMED}"],
        )
        numbers = [int(key.removeprefix(SEEDED_PREFIX)) for (key,) in cursor.fetchall()]
        if numbers:
            originals = [supplier_values(number) for number in numbers]
            cursor.execute(_temp_table("bench_original"))
            copy_into(
                cursor,
                "bench_original",
                SUPPLIER_FIELDS,
                copy_buffer([list(values.values()) for values in originals]),
            )
            assignments = ", ".join(f"{name} = o.{name}" for name in UPDATABLE)
            cursor.execute(
                f"UPDATE suppliers_supplier s SET {assignments} "  # noqa: S608
                "FROM bench_original o WHERE s.external_id = o.external_id"
            )
    vacuum_analyze("suppliers_supplier", "suppliers_suppliercategory")
    checkpoint()


def _temp_table(name: str) -> str:
    columns = ", ".join(f"{column} text" for column in SUPPLIER_FIELDS)
    return f"CREATE TEMP TABLE {name} ({columns}) ON COMMIT DROP"


def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{name}" for name in UPDATABLE)


def _bulk_floor(staging: io.StringIO) -> tuple[float, dict[str, int]]:
    """COPY into a temporary staging table, then one INSERT … ON CONFLICT DO UPDATE that
    skips rows whose values did not change (as the service does); returns the seconds."""
    columns = ", ".join(SUPPLIER_FIELDS)
    updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in [*UPDATABLE, "updated_at"])
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_temp_table("bench_staging"))
        copy_into(cursor, "bench_staging", SUPPLIER_FIELDS, staging)
        cursor.execute(
            f"INSERT INTO suppliers_supplier ({columns}, created_at, updated_at) "  # noqa: S608
            f"SELECT {columns}, now(), now() FROM bench_staging "
            f"ON CONFLICT (external_id) DO UPDATE SET {updates} "
            f"WHERE ({_columns('suppliers_supplier')}) IS DISTINCT FROM "
            f"({_columns('EXCLUDED')}) "
            "RETURNING (xmax = 0)"
        )
        created_flags = [created for (created,) in cursor.fetchall()]
    seconds = time.perf_counter() - started
    created = sum(created_flags)
    counts = {
        "created": created,
        "updated": len(created_flags) - created,
        "unchanged": staging.getvalue().count("\n") - len(created_flags),
    }
    return seconds, counts
