"""The change feed's read side: what a client has not seen yet, in commit-safe order.

Each ``core.Change`` row carries the id of the transaction that wrote it (``txid``). A reader
takes the watermark W, the oldest transaction still open in this database (the snapshot's
``pg_snapshot_xmin``, passing over transactions of other databases): every transaction with
an id below W has ended (committed or rolled back), and every transaction still open, or yet
to start, has an id of W or more. Rows are read only below W, in (txid, id) order, and the
cursor names the last row read. So a row that commits later always carries a txid of W or
more, which is after any cursor handed out: nothing committed late is skipped (a 5,000-row
batch that started before a quicker write and commits after it is still ahead of the
cursor), and a change is read once, because each object has one row that a later change
moves forward. A page that reaches W hands out ``(W, 0)``: nothing below W is left to read.

The price: a transaction that stays open holds W back, and the feed waits for it (it never
skips it). Only transactions that have written something have an id, so readers never hold
it back; a writer left idle in a transaction does, which
``idle_in_transaction_session_timeout`` bounds. Transaction ids are the server's, not the
database's; ``watermark`` passes over the writers that ``pg_stat_activity`` shows in other
databases, so another application (or another test worker) on the same server does not hold
this feed back.

Retention: ``change_purge`` deletes tombstones (deleted, ended, cancelled, withdrawn) older
than ``CHANGE_RETENTION_DAYS`` and records the highest purged txid in ``ChangeHorizon``. A
cursor at or below it may have missed a deletion: ``CursorExpired`` (410), and the client
resyncs from 0.
"""

from __future__ import annotations

import binascii
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, Expression, F, Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import DomainError
from core.feed import TOMBSTONES
from core.models import Change, ChangeHorizon

_MAX_BIGINT = 2**63 - 1
_PREFIX = "c1."


@dataclass(frozen=True, order=True)
class Position:
    """Where a client is in the feed: after the change row (txid, id). (0, 0) is the start."""

    txid: int
    id: int

    @property
    def is_start(self) -> bool:
        return self.txid == 0 and self.id == 0


START = Position(0, 0)


class CursorExpired(DomainError):
    code = "cursor_expired"
    status_code = 410


def encode_cursor(position: Position) -> str:
    """Opaque to clients: they send back what they got."""
    if position.is_start:
        return "0"
    raw = f"{_PREFIX}{position.txid}.{position.id}".encode()
    return urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> Position:
    """``0`` or a cursor this module made; ValueError for anything else."""
    if value == "0":
        return START
    if not value or len(value) > 64 or not value.isascii():
        raise ValueError("not a cursor")
    try:
        raw = urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError):
        raise ValueError("not a cursor") from None
    if not raw.startswith(_PREFIX):
        raise ValueError("not a cursor")
    parts = raw[len(_PREFIX) :].split(".")
    if len(parts) != 2 or not all(part.isdigit() and part.isascii() for part in parts):
        raise ValueError("not a cursor")
    txid, row = (int(part) for part in parts)
    if not (0 < txid <= _MAX_BIGINT and 0 <= row <= _MAX_BIGINT):
        raise ValueError("not a cursor")
    return Position(txid, row)


# The snapshot's xmin is the server's: transaction ids are shared by every database of the
# cluster, so a long transaction in another database (another application, another test
# worker) would hold this feed back for nothing. An id of the snapshot's in-progress list that
# pg_stat_activity shows running in another database cannot have written here, and is passed
# over; every other one (ours, a prepared transaction, a backend the role may not see, one that
# ended since the snapshot) still holds the watermark, so the answer is never too high.
# backend_xid is 32 bits (xid), the list's ids 64 (xid8): compared modulo 2^32, which is exact
# for ids in progress together (they lie within 2^31 of each other).
_WATERMARK_SQL = """
SELECT coalesce(
    (SELECT min(x::text::bigint)
       FROM pg_snapshot_xip(s) AS x
      WHERE NOT EXISTS (
            SELECT 1 FROM pg_stat_activity a
             WHERE a.datname <> current_database()
               AND a.backend_xid::text::bigint = mod(x::text::bigint, 4294967296))),
    pg_snapshot_xmax(s)::text::bigint)
  FROM pg_current_snapshot() AS s
"""


def watermark() -> int:
    """The oldest transaction id still in progress in this database: everything below it
    has ended, and is visible to every statement that starts from now on."""
    with connection.cursor() as cursor:
        cursor.execute(_WATERMARK_SQL)
        row = cursor.fetchone()
    return int(row[0])


def check_not_expired(position: Position) -> None:
    """Asked after the page is read: a purge that committed before the read is seen here."""
    if position.is_start:
        return
    horizon = ChangeHorizon.objects.filter(pk=1).values_list("txid", flat=True).first() or 0
    if position.txid <= horizon:
        raise CursorExpired(
            _(
                "This cursor is older than the change feed keeps (%(days)d days): "
                "sync again from changes_after=0 (or after=0)."
            )
            % {"days": settings.CHANGE_RETENTION_DAYS}
        )


class _After(Expression):
    """``(txid, id) > (%s, %s)``: one index range scan on (txid, id)."""

    output_field = BooleanField()

    def __init__(self, position: Position, prefix: str = "") -> None:
        super().__init__()
        self.position = position
        self.columns = [F(f"{prefix}txid"), F(f"{prefix}id")]

    def get_source_expressions(self) -> list[Any]:
        return list(self.columns)

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.columns = list(exprs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        txid, row = (compiler.compile(column)[0] for column in self.columns)
        return f"({txid}, {row}) > (%s, %s)", (self.position.txid, self.position.id)


@dataclass(frozen=True)
class ChangePage:
    rows: list[dict[str, Any]]  # resource, object_id, action, at, txid, id
    cursor: Position  # where the next poll starts
    has_more: bool


def _page(changes: QuerySet[Change], *, after: Position, limit: int, w: int) -> ChangePage:
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in changes.filter(_After(after), txid__lt=w)
        .order_by("txid", "id")
        .values("resource", "object_id", "action", "at", "txid", "id")[: limit + 1]
    ]
    has_more = len(rows) > limit
    rows = rows[:limit]
    # Caught up: nothing below W is left to read, and rows that commit later carry W or more.
    cursor = Position(rows[-1]["txid"], rows[-1]["id"]) if has_more else max(after, Position(w, 0))
    check_not_expired(after)
    return ChangePage(rows=rows, cursor=cursor, has_more=has_more)


def change_page(
    *, after: Position, limit: int, resources: Collection[str] | None = None
) -> ChangePage:
    """A page of ``/api/v1/changes/``: the changes after ``after``, oldest first."""
    w = watermark()
    changes = Change.objects.all()
    if resources is not None:
        changes = changes.filter(resource__in=sorted(resources))
    return _page(changes, after=after, limit=limit, w=w)


def changed_rows_page(
    queryset: QuerySet[Any], *, resource: str, after: Position, limit: int
) -> tuple[list[Any], ChangePage]:
    """A page of a list's ``?changes_after=``: the rows of ``queryset`` (already narrowed by
    the selector and the filters) whose latest change comes after ``after``, in change order.
    Two queries whatever the page size: the page of change rows joined to the queryset, then
    the rows themselves (model instances or ``.values()`` dicts with ``id``), each with its
    change's txid as that statement sees it."""
    w = watermark()
    changes = Change.objects.filter(
        resource=resource, object_id__in=queryset.order_by().values("pk")
    )
    page = _page(changes, after=after, limit=limit, w=w)
    if not page.rows:
        return [], page
    read = {row["object_id"]: row["txid"] for row in page.rows}
    # The rows are read by a second statement, which may see a transaction that committed
    # after the first: a row changed again in between would come now with its newer data,
    # and again when the poll reaches that newer change. So each row is read together with
    # its change's txid as of the same statement, and kept only if that is the change this
    # page read; otherwise it comes once, with the newer change, on a later poll.
    now = Change.objects.filter(resource=resource, object_id=OuterRef("pk")).values("txid")[:1]
    found: dict[int, Any] = {}
    for row in queryset.filter(pk__in=list(read)).annotate(feed_txid_now=Subquery(now)):
        txid = row.pop("feed_txid_now") if isinstance(row, dict) else row.feed_txid_now
        if txid == read[_pk(row)]:
            found[_pk(row)] = row
    # A row deleted since its change was read is gone: its deletion is in the feed.
    return [found[row["object_id"]] for row in page.rows if row["object_id"] in found], page


def _pk(row: Any) -> int:
    return int(row["id"] if isinstance(row, dict) else row.pk)


def visible_ids(queryset: QuerySet[Any], ids: Iterable[int]) -> set[int]:
    return set(queryset.filter(pk__in=list(ids)).values_list("pk", flat=True))


def change_purge(*, now: datetime | None = None) -> int:
    """Deletes the tombstones older than ``CHANGE_RETENTION_DAYS`` and moves the horizon to
    the highest txid purged; returns how many. Created and updated rows stay: they are the
    current objects' place in the feed."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.CHANGE_RETENTION_DAYS)
    with transaction.atomic():
        old = Change.objects.filter(action__in=sorted(TOMBSTONES), at__lt=cutoff)
        highest = old.aggregate(highest=Max("txid"))["highest"]
        if highest is None:
            return 0
        # Below the horizon first, then delete: a reader that sees the deletion sees the
        # horizon too (one transaction), and refuses a cursor that might have missed one.
        horizon, _created = ChangeHorizon.objects.select_for_update().get_or_create(pk=1)
        horizon.txid = max(horizon.txid, highest)
        horizon.purged_at = timezone.now()
        horizon.save(update_fields=["txid", "purged_at"])
        deleted, _kinds = old.filter(txid__lte=highest).delete()
    return deleted
