"""Who may do what to an object, asked one way.

Each domain app's ``permissions.py`` holds plain predicates, ``may_<verb>(user, obj) -> bool``,
that answer *who* may act; the app's lifecycle table (in ``choices.py``) answers *when*. The
app's services guard with the predicates, its views and API permission classes ask them, and
one ``allowed_actions(obj, user)`` per model, registered here with ``@actions_for``, combines
both for pages, the API (``core.api.fields.AllowedActionsField``) and templates
(``{% allowed_actions obj as can %}`` … ``{% if can.award %}``). So no template compares a
status: it asks what may be done.

An action name a model does not declare is a programming error, not a "no": asking for one
raises ``UnknownActionError``, which a template does not swallow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model

M = TypeVar("M", bound=Model)
ActionsFunc = Callable[[Any, Any], Iterable[str]]


class UnknownActionError(Exception):
    """Not a LookupError on purpose: Django's template engine would turn that into a silent
    empty string, and a misspelt action would hide a button for ever."""


class Allowed(frozenset[str]):
    """The actions a user may take on an object now; ``allowed["award"]`` (``can.award`` in a
    template) is a bool, and any name outside the model's vocabulary raises."""

    vocabulary: frozenset[str]

    def __new__(cls, actions: Iterable[str], vocabulary: frozenset[str]) -> Allowed:
        self = super().__new__(cls, actions)
        unknown = self - vocabulary
        if unknown:
            raise UnknownActionError(f"undeclared actions {sorted(unknown)}")
        self.vocabulary = vocabulary
        return self

    def __getitem__(self, action: str) -> bool:
        if action not in self.vocabulary:
            raise UnknownActionError(
                f"{action!r} is not an action; expected one of {sorted(self.vocabulary)}"
            )
        return action in self


@dataclass(frozen=True)
class _Registration:
    vocabulary: frozenset[str]
    func: ActionsFunc


_registry: dict[type[Model], _Registration] = {}


def actions_for(
    model: type[M], *, actions: Iterable[str]
) -> Callable[[Callable[[M, Any], Iterable[str]]], Callable[[M, Any], Iterable[str]]]:
    """Register ``func(obj, user) -> actions`` as the one answer for ``model``. ``actions`` is
    the model's whole vocabulary (a TextChoices of action names, say)."""

    vocabulary = frozenset(str(action) for action in actions)

    def register(
        func: Callable[[M, Any], Iterable[str]],
    ) -> Callable[[M, Any], Iterable[str]]:
        _registry[model] = _Registration(vocabulary, func)
        return func

    return register


def vocabulary(model: type[Model]) -> frozenset[str]:
    return _registration(model).vocabulary


def _registration(model: type[Model]) -> _Registration:
    for klass in model.__mro__:
        if klass in _registry:
            return _registry[klass]
    raise LookupError(f"no allowed_actions registered for {model.__name__}")


def allowed_actions(obj: Model, user: Any) -> Allowed:
    """What ``user`` may do to ``obj`` now (an anonymous or inactive user: nothing)."""
    registration = _registration(type(obj))
    if user is None or not user.is_authenticated or not user.is_active:
        return Allowed((), registration.vocabulary)
    return Allowed(registration.func(obj, user), registration.vocabulary)
