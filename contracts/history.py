"""A contract's versions as people read them: what each version changed from the one before."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.models import User
from contracts.models import Contract, ContractVersion
from contracts.services import TERM_FIELDS

# Terms only those who see the contract in full may read, old values included.
CONFIDENTIAL_TERMS = frozenset({"value", "currency", "description"})


@dataclass
class Change:
    label: str
    old: Any
    new: Any
    hidden: bool = False  # the reader may know that it changed, not what to


@dataclass
class VersionView:
    version: ContractVersion
    changes: list[Change] = field(default_factory=list)
    terms: list[Change] = field(default_factory=list)  # every term of this version, as agreed


def _label(name: str) -> str:
    field_name = "owner" if name == "owner_id" else name
    model_field = Contract._meta.get_field(field_name)
    return str(getattr(model_field, "verbose_name", field_name)).capitalize()


def version_changes(versions: list[ContractVersion], *, confidential: bool) -> list[VersionView]:
    """Newest first, each with the terms that differ from the previous version (the first
    lists none: it is where the contract began). Owners are named, in one query. Without
    ``confidential`` a change of value, currency or description says only that it changed."""
    ordered = sorted(versions, key=lambda version: version.number)
    owner_ids = {version.terms.get("owner_id") for version in ordered}
    names: dict[Any, str] = {
        user.pk: user.name for user in User.objects.filter(pk__in=owner_ids - {None})
    }
    views: list[VersionView] = []
    previous: dict[str, Any] | None = None
    for version in ordered:
        view = VersionView(version=version)
        for name in TERM_FIELDS:
            value = version.terms.get(name)
            if name == "owner_id":
                value = names.get(value, value)
            hidden = not confidential and name in CONFIDENTIAL_TERMS
            view.terms.append(Change(_label(name), None, None if hidden else value, hidden))
        if previous is not None:
            for name in TERM_FIELDS:
                old, new = previous.get(name), version.terms.get(name)
                if old != new:
                    if name == "owner_id":
                        old, new = names.get(old, old), names.get(new, new)
                    if not confidential and name in CONFIDENTIAL_TERMS:
                        view.changes.append(Change(_label(name), None, None, hidden=True))
                    else:
                        view.changes.append(Change(_label(name), old, new))
        views.append(view)
        previous = version.terms
    return list(reversed(views))
