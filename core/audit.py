"""The audit trail: database triggers (django-pghistory) record every insert, update and
delete of a model, bulk writes and raw SQL included; the request's user and API token are
attached as context by the middleware and the token authentication."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pghistory


def audited(*, exclude: Sequence[str] = ()) -> Any:
    """Decorates a model so that every write to it is recorded. Call it once per model:
    pghistory binds each tracker instance to one model. ``exclude`` names fields the trail
    must not copy (a secret, shown to administrators in the admin's event pages otherwise)."""
    return pghistory.track(
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
    )
