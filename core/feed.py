"""The change feed's write side: database triggers that record, in the writing transaction,
one ``core.Change`` row per object (the latest change of each), stamped with that
transaction's id.

A model joins the feed in one line, next to ``@audited()``::

    @in_feed("contacts")
    @in_feed("key-account-owners", ended=("ended", "{row}.until IS NOT NULL"))
    @in_feed("meetings", deleted_as="cancelled")

The triggers are statement-level with transition tables (one ``INSERT … SELECT … ON
CONFLICT`` per statement, not per row: a 5,000-row bulk upsert costs one statement more, not
5,000), created by migrations like pghistory's (django-pgtrigger). Bulk writes, raw SQL and
``QuerySet.update`` are all seen, as the audit trail sees them. An UPDATE that changes nothing
records nothing, so a resent batch is no change to a client (the whole row is compared,
so every column's type needs an equality operator: jsonb, not json).

The read side (the watermark, the cursor) is ``core.changes``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pgtrigger
from django.db.models import Model

_M = TypeVar("_M", bound=type[Model])

CREATED, UPDATED, DELETED = "created", "updated", "deleted"
ENDED, CANCELLED, WITHDRAWN = "ended", "cancelled", "withdrawn"
# What ends an object for a client: it disappears from what it syncs (a tombstone). Tombstones
# are what the retention purges (core.changes.change_purge); the rest stay as long as the row.
TOMBSTONES = frozenset({DELETED, ENDED, CANCELLED, WITHDRAWN})
ACTIONS = (CREATED, UPDATED, DELETED, ENDED, CANCELLED, WITHDRAWN)

# The writing transaction's id, a 64-bit number that only grows (xid8, PostgreSQL 13+).
TXID_SQL = "pg_current_xact_id()::text::bigint"


@dataclass(frozen=True)
class FeedResource:
    name: str
    model: type[Model]
    ended: tuple[str, str] | None
    deleted_as: str


_NAME = re.compile(r"[a-z][a-z-]{0,39}")

# resource name → what it is, filled as the models load (apps.ready order).
RESOURCES: dict[str, FeedResource] = {}


def _upsert(resource: str, action_sql: str, table: str, where: str = "") -> str:
    # ORDER BY: two statements upserting overlapping rows lock them in the same order.
    # Every name here comes from a model's declaration (checked in in_feed), never from input.
    return f"""
        INSERT INTO core_change (resource, object_id, action, txid, at)
        SELECT '{resource}', {table}.id, {action_sql}, {TXID_SQL}, now()
        FROM {table} {where}
        ORDER BY {table}.id
        ON CONFLICT (resource, object_id) DO UPDATE SET
            -- created and changed again in one transaction: still news of a creation
            action = CASE
                WHEN core_change.txid = EXCLUDED.txid AND core_change.action = '{CREATED}'
                    AND EXCLUDED.action = '{UPDATED}' THEN '{CREATED}'
                ELSE EXCLUDED.action END,
            txid = EXCLUDED.txid,
            at = EXCLUDED.at;
        RETURN NULL;
    """  # noqa: S608


def _state(default: str, ended: tuple[str, str] | None, table: str) -> str:
    if ended is None:
        return f"'{default}'"
    action, condition = ended
    return f"CASE WHEN ({condition.replace('{row}', table)}) THEN '{action}' ELSE '{default}' END"


def in_feed(
    resource: str, *, ended: tuple[str, str] | None = None, deleted_as: str = DELETED
) -> Callable[[_M], _M]:
    """Decorates a model so that its every insert, update and delete lands in the change feed
    as ``resource``. ``ended`` is (action, SQL condition on the row's columns) for objects
    that end without being deleted: an ownership whose ``until`` is set is ``ended``, a
    cancelled commitment ``cancelled``; a row in that state is announced with that action.
    ``{row}`` in the condition stands for the row (``"{row}.status = 'cancelled'"``).
    ``deleted_as`` names a delete in the model's own words (a meeting called off is
    ``cancelled``, an invitation taken back ``withdrawn``)."""
    if not _NAME.fullmatch(resource):
        raise ValueError(f"{resource!r}: a resource is named in lower case and hyphens")
    if ended is not None and ended[0] not in TOMBSTONES:
        raise ValueError(f"{ended[0]!r} is not an end")
    if deleted_as not in TOMBSTONES:
        raise ValueError(f"{deleted_as!r} is not an end")
    if ended is not None and ended[0] == deleted_as:
        # The feed tells a deleted object (gone) from an ended one (still readable) by this.
        raise ValueError("an end and a deletion need two names")

    def decorate(model: _M) -> _M:
        if resource in RESOURCES and RESOURCES[resource].model is not model:
            raise ValueError(f"{resource!r} is in the feed already")
        RESOURCES[resource] = FeedResource(resource, model, ended, deleted_as)
        triggers: list[Any] = [
            pgtrigger.Trigger(
                name="feed_insert",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                referencing=pgtrigger.Referencing(new="feed_new"),
                func=_upsert(resource, _state(CREATED, ended, "feed_new"), "feed_new"),
            ),
            pgtrigger.Trigger(
                name="feed_update",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                referencing=pgtrigger.Referencing(old="feed_old", new="feed_new"),
                func=_upsert(
                    resource,
                    _state(UPDATED, ended, "feed_new"),
                    "feed_new",
                    "JOIN feed_old ON feed_old.id = feed_new.id "
                    "WHERE feed_old IS DISTINCT FROM feed_new",
                ),
            ),
            pgtrigger.Trigger(
                name="feed_delete",
                level=pgtrigger.Statement,
                when=pgtrigger.After,
                operation=pgtrigger.Delete,
                referencing=pgtrigger.Referencing(old="feed_old"),
                func=_upsert(resource, f"'{deleted_as}'", "feed_old"),
            ),
        ]
        return pgtrigger.register(*triggers)(model)

    return decorate


def backfill_sql(resource: str, table: str, ended: tuple[str, str] | None = None) -> str:
    """For a data migration: every existing row of ``table`` gets a change (``created``, or
    its end), so a client that starts from cursor 0 learns of rows older than the feed."""
    return f"""
        INSERT INTO core_change (resource, object_id, action, txid, at)
        SELECT '{resource}', t.id, {_state(CREATED, ended, "t")}, {TXID_SQL}, now()
        FROM {table} t
        ON CONFLICT (resource, object_id) DO NOTHING
    """  # noqa: S608
