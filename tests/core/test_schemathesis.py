"""Schemathesis over the whole API: every operation of /api/schema/, called with inputs generated
from the schema, with the ERP's integration token (full scope) and with a procurement manager's
token, answers without a server error and as the schema says: a documented status code, the
documented content type and a body that matches its schema.

Each request runs through Django's WSGI application inside a savepoint that is rolled back, so
the examples do not pile up data and one failed query does not spoil the next. A bounded number
of examples per operation keeps the run to a couple of minutes; deselect it with -m "not slow".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from accounts.throttling import APITokenRateThrottle
from notifications.choices import NotificationKind
from notifications.services import notification_create
from srm.wsgi import application
from tests.factories import CommitmentFactory, ContactFactory, MeetingFactory, SupplierFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

EXAMPLES_PER_OPERATION = 3
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_requests_keep_the_test_transaction() -> Iterator[None]:
    """Django closes the connection around each request, which would end the test's
    transaction; its own test client turns that off the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(monkeypatch: pytest.MonkeyPatch) -> None:
    """The run makes more requests a minute than API_TOKEN_RATE allows a token."""
    monkeypatch.setattr(APITokenRateThrottle, "THROTTLE_RATES", {"api_token": "100000/minute"})


def run_operation(operation: Any, token: str) -> None:

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        with transaction.atomic():
            savepoint = transaction.savepoint()
            try:
                response = case.call(headers={"Authorization": f"Token {token}"})
            finally:
                transaction.savepoint_rollback(savepoint)
        case.validate_response(response, checks=CHECKS)

    call()


@pytest.mark.usefixtures("wsgi_requests_keep_the_test_transaction", "unthrottled")
@pytest.mark.parametrize("role", [Role.INTEGRATION, Role.PROCUREMENT_MANAGER])
def test_every_operation_answers_without_server_error_and_as_documented(
    make_user: Callable[..., User], role: Role
) -> None:
    # Values that once broke the schema: a blank email and language, no manager, a blank
    # website, a notification that links nowhere.
    user = make_user(role, username="schemathesis", email="", preferred_language="")
    supplier = SupplierFactory(website="")
    ContactFactory(supplier=supplier)
    commitment = CommitmentFactory(supplier=supplier, meeting=MeetingFactory(supplier=supplier))
    notification_create(
        recipient=user,
        kind=NotificationKind.COMMITMENT_DUE,
        subject=commitment,
        occasion="schemathesis",
        title="Due soon",
    )
    token, key = api_token_create(user=user, name="schemathesis")
    assert token.scopes == ["*:write"]
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)

    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            run_operation(operation, key)
        except (Exception, BaseExceptionGroup) as error:  # collected: every failure is reported
            failures.append(f"{operation.label}: {type(error).__name__}: {error}"[:2000])

    assert operations >= 60
    assert failures == [], "\n\n".join(failures)
