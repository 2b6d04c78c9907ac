"""What the database refused, said by field: the one place that turns an ``IntegrityError``
from a unique constraint (two requests creating the same thing at once, past the service's
own check) into a ``ValidationError`` naming the field, and a ``ProtectedError`` or
``RestrictedError`` (a delete that other records still point to) into a sentence naming them.

The API's exception handler (``core.api.exceptions``) and the services' ``unique_errors``
decorator both read from here, so a page shows the same message as the API.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _

UNIQUE_VIOLATION = "23505"
_KEY_COLUMNS = re.compile(r"^Key \((?P<columns>.+?)\)=")

P = ParamSpec("P")
R = TypeVar("R")


def _model_for_table(table: str) -> type[models.Model] | None:
    for model in apps.get_models(include_auto_created=True):
        if model._meta.db_table == table:
            return model
    return None


def _named_constraint(model: type[models.Model], name: str) -> tuple[list[str], str] | None:
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and constraint.name == name:
            fields = list(constraint.fields) or [
                field.name
                for field in model._meta.concrete_fields
                if any(
                    str(field.column) in str(expression) for expression in constraint.expressions
                )
            ]
            return fields, str(constraint.violation_error_message)
    return None


def _fields_from_columns(model: type[models.Model], detail: str) -> list[str]:
    """The fields PostgreSQL names in 'Key (supplier_id, lower(email::text))=(…) already
    exists.'"""
    match = _KEY_COLUMNS.match(detail or "")
    if match is None:
        return []
    text = match["columns"]
    return [
        field.name
        for field in model._meta.concrete_fields
        if re.search(rf"\b{re.escape(str(field.column))}\b", text)
    ]


def _unique_message(model: type[models.Model], fields: Iterable[str]) -> str:
    labels = [str(getattr(model._meta.get_field(name), "verbose_name", name)) for name in fields]
    return _("A %(model)s with this %(fields)s exists already.") % {
        "model": model._meta.verbose_name,
        "fields": _(" and ").join(labels),
    }


def unique_violation(error: IntegrityError) -> ValidationError | None:
    """The ValidationError, keyed by field, for a unique constraint's IntegrityError; None
    for any other IntegrityError."""
    cause = error.__cause__
    # psycopg 3 calls the SQLSTATE ``sqlstate``, psycopg2 ``pgcode``; both carry ``diag``.
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code != UNIQUE_VIOLATION:
        return None
    diag = cause.diag  # type: ignore[union-attr]
    model = _model_for_table(diag.table_name or "")
    if model is None:
        return ValidationError({"non_field_errors": [_("This exists already.")]})
    named = _named_constraint(model, diag.constraint_name or "")
    if named is not None:
        fields, message = named
    else:
        fields = _fields_from_columns(model, diag.message_detail or "")
        message = _unique_message(model, fields) if fields else _("This exists already.")
    # A condition-free field (``supplier``) is part of the key but says nothing to a person:
    # the message goes on the last field, the one that clashed (the email, the name, the id).
    field = fields[-1] if fields else "non_field_errors"
    return ValidationError({field: [message]}, code="unique")


def unique_errors(function: Callable[P, R]) -> Callable[P, R]:
    """For services: a unique clash the database caught (a concurrent write) is raised as
    the same ValidationError a ``full_clean`` would have raised. Put it outside
    ``transaction.atomic`` so that the transaction is rolled back first."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except IntegrityError as error:
            problem = unique_violation(error)
            if problem is None:
                raise
            raise problem from error

    return wrapper


def protected_message(error: ProtectedError | RestrictedError) -> str:
    """Why a delete was refused: which records still refer to the object."""
    objects: Any = (
        error.protected_objects if isinstance(error, ProtectedError) else error.restricted_objects
    )
    kinds = sorted({str(obj._meta.verbose_name_plural) for obj in objects})
    return _("This cannot be deleted: %(records)s still refer to it.") % {
        "records": ", ".join(kinds)
    }
