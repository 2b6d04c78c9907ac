"""The typed input of ``suppliers.services``: one frozen dataclass per shape.

A field left ``UNSET`` is not given: a create leaves the model's default, an update leaves
the stored value. Forms and serializers build these from their validated data with
``from_validated`` (which takes only the dataclass's own fields), so a service never sees a
dict of whatever the interface had.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Self

from core.inputs import UNSET, Unset
from suppliers.models import Category


class _Validated:
    @classmethod
    def from_validated(cls, data: Mapping[str, Any]) -> Self:
        """The input from a form's ``cleaned_data`` or a serializer's ``validated_data``:
        the fields present there, typed as those have checked them; the rest ``UNSET``."""
        names = {field.name for field in fields(cls)}  # type: ignore[arg-type]
        return cls(**{name: value for name, value in data.items() if name in names})


@dataclass(frozen=True)
class SupplierInput(_Validated):
    """A supplier's profile; its status changes only through ``supplier_change_status``."""

    name: str | Unset = UNSET
    legal_name: str | Unset = UNSET
    external_id: str | Unset | None = UNSET
    vat_number: str | Unset = UNSET
    country: str | Unset = UNSET
    website: str | Unset = UNSET
    segment: str | Unset = UNSET
    risk_level: str | Unset = UNSET
    default_currency: str | Unset = UNSET
    annual_spend: Decimal | Unset | None = UNSET
    notes: str | Unset = UNSET


@dataclass(frozen=True)
class ContactInput(_Validated):
    """A person at a supplier."""

    name: str | Unset = UNSET
    job_title: str | Unset = UNSET
    email: str | Unset = UNSET
    phone: str | Unset = UNSET
    preferred_language: str | Unset = UNSET
    is_primary: bool | Unset = UNSET


@dataclass(frozen=True)
class CategoryInput(_Validated):
    """A purchasing category; ``parent`` None makes it a top-level one."""

    name: str | Unset = UNSET
    parent: Category | Unset | None = UNSET
