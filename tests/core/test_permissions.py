"""core.permissions: one allowed_actions per model, asked the same way by pages and the API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.template import Context, Template

from core import permissions
from core.models import IdempotencyKey
from core.permissions import UnknownActionError, actions_for, allowed_actions


@pytest.fixture
def registered() -> Iterator[None]:
    @actions_for(IdempotencyKey, actions=["replay", "purge"])
    def key_actions(key: IdempotencyKey, user: object) -> list[str]:
        return ["replay"]

    yield
    del permissions._registry[IdempotencyKey]


@pytest.mark.usefixtures("registered")
def test_allowed_actions_answers_per_action_and_refuses_unknown_names(
    django_user_model: type,
) -> None:
    user = django_user_model(email="a@example.com", is_active=True)
    allowed = allowed_actions(IdempotencyKey(), user)
    assert allowed["replay"] is True
    assert allowed["purge"] is False
    with pytest.raises(UnknownActionError):
        allowed["repaly"]


@pytest.mark.usefixtures("registered")
def test_anonymous_and_inactive_users_may_do_nothing(django_user_model: type) -> None:
    from django.contrib.auth.models import AnonymousUser

    assert not allowed_actions(IdempotencyKey(), AnonymousUser())
    assert not allowed_actions(IdempotencyKey(), None)
    assert not allowed_actions(IdempotencyKey(), django_user_model(is_active=False))


@pytest.mark.usefixtures("registered")
def test_template_tag_asks_allowed_actions_and_a_misspelt_action_fails_loudly(
    django_user_model: type,
) -> None:
    user = django_user_model(email="a@example.com", is_active=True)
    context = Context({"user": user, "key": IdempotencyKey()})
    shown = Template(
        "{% load actions %}{% allowed_actions key as can %}"
        "{% if can.replay %}replay{% endif %}{% if can.purge %}purge{% endif %}"
    ).render(context)
    assert shown == "replay"
    with pytest.raises(UnknownActionError):
        Template("{% load actions %}{% allowed_actions key as can %}{{ can.prge }}").render(context)


def test_a_function_may_not_answer_an_undeclared_action(django_user_model: type) -> None:
    @actions_for(IdempotencyKey, actions=["replay"])
    def key_actions(key: IdempotencyKey, user: object) -> list[str]:
        return ["replay", "explode"]

    try:
        with pytest.raises(UnknownActionError):
            allowed_actions(IdempotencyKey(), django_user_model(is_active=True))
    finally:
        del permissions._registry[IdempotencyKey]
