"""Shared tables of no domain: the API's remembered answers to creates sent with a key."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """An ``Idempotency-Key`` a caller sent with a POST, and the answer it got: a retry with
    the same key and body replays that answer instead of writing again."""

    caller = models.CharField(_("caller"), max_length=64)  # a hash of who sent it
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=2000)
    body_hash = models.CharField(_("body hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=200, blank=True)
    response_body = models.BinaryField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["caller", "key"], name="core_idempotency_caller_key")
        ]

    def __str__(self) -> str:
        return self.key


class Change(models.Model):
    """The latest change of one object in the change feed (``core.feed`` writes it, by
    trigger, in the transaction of the change; ``core.changes`` reads it). One row per
    (resource, object): a later change moves the row forward, so a client never reads an
    object twice for one change, and the table stays the size of the data plus tombstones."""

    resource = models.CharField(_("resource"), max_length=40)
    object_id = models.BigIntegerField(_("object id"))
    action = models.CharField(_("action"), max_length=12)
    # pg_current_xact_id() of the writing transaction: commit visibility, not wall clocks.
    txid = models.BigIntegerField(_("transaction id"))
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("change")
        verbose_name_plural = _("changes")
        constraints = [
            models.UniqueConstraint(
                fields=["resource", "object_id"], name="core_change_one_per_object"
            )
        ]
        indexes = [
            models.Index(fields=["txid", "id"], name="core_change_order_idx"),
            models.Index(fields=["resource", "txid", "id"], name="core_change_resource_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.resource} {self.object_id} {self.action}"


class ChangeHorizon(models.Model):
    """One row: the highest transaction id whose tombstones the retention has purged. A cursor
    at or below it may have missed a deletion, so it is refused (410 ``cursor_expired``)."""

    txid = models.BigIntegerField(_("transaction id"), default=0)
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("change horizon")
        verbose_name_plural = _("change horizons")

    def __str__(self) -> str:
        return str(self.txid)
