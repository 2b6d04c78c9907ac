"""Webhook tests send to a real receiver on loopback over plain http, so loopback and http are
allowed here (as WEBHOOKS_ALLOW_PRIVATE_ADDRESSES and WEBHOOKS_ALLOW_HTTP allow them); the SSRF
tests turn them off again. Retries wait 0 seconds, so a test sends them at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from accounts.models import User
from accounts.roles import Role
from webhooks.delivery import deliver_due
from webhooks.models import Endpoint
from webhooks.services import EndpointInput, endpoint_create
from webhooks.testing import Receiver


@pytest.fixture(autouse=True)
def _webhook_settings(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_RETRY_BASE_SECONDS = 0


@pytest.fixture
def administrator(make_user: Callable[..., User]) -> User:
    return make_user(Role.ADMINISTRATOR, username="admin")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def make_endpoint(procurement_manager: User) -> Callable[..., Endpoint]:
    def make(url: str, *, event_types: tuple[str, ...] = (), by: User | None = None) -> Endpoint:
        return endpoint_create(
            by=by or procurement_manager, data=EndpointInput(url=url, event_types=event_types)
        )

    return make


@pytest.fixture
def endpoint(make_endpoint: Callable[..., Endpoint], receiver: Receiver) -> Endpoint:
    return make_endpoint(receiver.url)


def drain() -> int:
    """Runs the delivery loop until nothing is due (retries wait 0 s here)."""
    return deliver_due(budget_seconds=30.0)
