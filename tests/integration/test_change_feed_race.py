"""The race an ERP's sync loses today: a 5,000-row bulk upsert that starts first and commits
after a quicker write, while a client polls. With the change feed's cursor every row is seen
exactly once and a deletion appears; with ``updated_since`` the whole batch is lost (asserted
below, as the reason the cursor exists).

Two real database connections: the batch runs in a thread of its own (Django gives each
thread its own connection) and holds its transaction open until the test lets it commit;
the quick write, the deletion and the client's polls run on the test's connection.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.db import connection, transaction
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import api_token_create
from suppliers.bulk import supplier_upsert_many
from suppliers.models import Supplier
from tests.core.test_change_feed import settled
from tests.factories import ContactFactory, SupplierFactory

BATCH = 5000


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


class HeldBatch(threading.Thread):
    """``supplier_upsert_many`` of BATCH rows in a transaction that waits to commit."""

    def __init__(self, user: User) -> None:
        super().__init__(daemon=True)
        self.user = user
        self.written = threading.Event()
        self.commit = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        rows = [
            {"external_id": f"BATCH-{n:05d}", "name": f"Batch supplier {n}", "country": "DE"}
            for n in range(BATCH)
        ]
        try:
            with transaction.atomic():
                result = supplier_upsert_many(rows=rows, by=self.user)
                assert result.created == BATCH
                self.written.set()
                assert self.commit.wait(timeout=120), "the test never let the batch commit"
        except BaseException as error:  # reported by the test's thread
            self.error = error
            self.written.set()
        finally:
            connection.close()


def poll(client: APIClient, url: str) -> tuple[list[dict[str, Any]], str]:
    """Follows ``next`` until ``has_more`` is false: what the poll gave, and the next poll."""
    results: list[dict[str, Any]] = []
    while True:
        response = client.get(url)
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        results += body["results"]
        url = _path(body["next"])
        if not body["has_more"]:
            return results, url


@pytest.mark.django_db(transaction=True)
def test_a_batch_committing_after_a_quicker_write_is_seen_whole_and_once(
    integration: User,
) -> None:
    _token, key = api_token_create(user=integration, name="ERP sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    doomed = ContactFactory()
    doomed_id, doomed_supplier = doomed.pk, doomed.supplier_id
    settled()
    # The ERP has synced everything so far, both ways.
    _rows, list_poll = poll(client, "/api/v1/suppliers/?changes_after=0&page_size=1000")
    _feed, feed_poll = poll(client, "/api/v1/changes/?page_size=1000")
    stamps = list(Supplier.objects.values_list("updated_at", flat=True))
    since = max(stamps).isoformat()

    batch = HeldBatch(integration)
    batch.start()
    assert batch.written.wait(timeout=120)
    assert batch.error is None, batch.error
    try:
        quick = SupplierFactory(name="Quick write")  # commits at once, after the batch began
        doomed.delete()  # a quick deletion, committed too

        # While the batch is open the feed waits for it: the quick write is not handed out
        # yet, because a cursor past it would skip the batch's rows when they commit.
        seen_early, list_poll = poll(client, list_poll)
        assert seen_early == []
        # The old way hands the quick write out now, and moves its watermark past the batch.
        early = client.get(
            "/api/v1/suppliers/", {"updated_since": since, "ordering": "updated_at"}
        ).json()["results"]
        assert quick.pk in {row["id"] for row in early}
        assert not any(row["external_id"].startswith("BATCH-") for row in early)
        since = max(row["updated_at"] for row in early)
    finally:
        batch.commit.set()
        batch.join(timeout=120)
    assert batch.error is None, batch.error
    settled()

    seen, _next_poll = poll(client, list_poll)
    counts = Counter(row["id"] for row in seen)
    expected = set(Supplier.objects.values_list("pk", flat=True))
    assert len(expected) == BATCH + 1 + 1  # the batch, the quick write, the contact's supplier
    assert set(counts) == expected - {doomed_supplier}
    assert set(counts.values()) == {1}  # each exactly once

    feed, _feed_poll = poll(client, feed_poll)
    actions = Counter((row["resource"], row["action"]) for row in feed)
    assert actions[("suppliers", "created")] == BATCH + 1
    assert ("contacts", doomed_id, "deleted") in {
        (row["resource"], row["id"], row["action"]) for row in feed
    }
    assert len(feed) == len({(row["resource"], row["id"]) for row in feed})

    # updated_since after the batch committed: every one of its rows was stamped before the
    # quick write, so the old sync never sees them.
    late = client.get(
        "/api/v1/suppliers/",
        {"updated_since": since, "ordering": "updated_at", "page_size": 1000},
    ).json()["results"]
    lost = BATCH - sum(1 for row in late if row["external_id"].startswith("BATCH-"))
    assert lost == BATCH
