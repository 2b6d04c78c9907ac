"""What typed service input shares: a marker for "not given" (``None`` is a value).

Services take typed keyword arguments or frozen dataclasses, never ``Mapping[str, Any]``
bags. An update that changes only the fields it is given marks the others ``UNSET``.
"""

from __future__ import annotations

from dataclasses import fields
from enum import Enum
from typing import Any


class Unset(Enum):
    """A field left as it is, or to the model's default (None is a value: "no end date")."""

    UNSET = "unset"


UNSET = Unset.UNSET


def given(values: Any) -> dict[str, object]:
    """The fields of a dataclass instance that are not ``UNSET``, by name."""
    return {
        field.name: value
        for field in fields(values)
        if (value := getattr(values, field.name)) is not UNSET
    }
