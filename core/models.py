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
