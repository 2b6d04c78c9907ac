"""A client generated from the served schema by a tool nobody here wrote (openapi-python-client)
works unedited: every module imports, and with a token it lists suppliers through the change
feed, bulk-upserts 100 suppliers, creates a meeting with a commitment and completes it, each
answer parsed into the generated models.

The app runs under gunicorn on loopback (tests/integration/conftest.py); the client is
generated into the test's tmp directory and imported from there.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.conf import settings

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from suppliers.models import Supplier
from tests.integration.conftest import WebServer

PACKAGE = "srm_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"


@pytest.fixture
def generated(tmp_path: Path) -> Iterator[Callable[[WebServer], ModuleType]]:
    """Generates the client from the server's /api/schema/ and imports it; unloads it after."""

    def generate(server: WebServer) -> ModuleType:
        answer = server.request("GET", "/api/schema/?format=json")
        assert answer.status == 200, answer.body[:500]
        schema = tmp_path / "schema.json"
        schema.write_bytes(answer.body)
        environment = {
            **os.environ,
            "PATH": f"{GENERATOR.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        run = subprocess.run(  # noqa: S603
            [
                str(GENERATOR),
                "generate",
                "--path",
                str(schema),
                "--output-path",
                str(tmp_path / PACKAGE),
                "--meta",
                "none",
            ],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = run.stdout + run.stderr
        assert run.returncode == 0, output
        # Nothing skipped: a warning names an operation or schema the tool could not read.
        assert "Warning" not in output, output
        sys.path.insert(0, str(tmp_path))
        return importlib.import_module(PACKAGE)

    try:
        yield generate
    finally:
        if str(tmp_path) in sys.path:
            sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def _import_every_module(package: ModuleType) -> list[str]:
    names = [
        module.name for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
    ]
    for name in names:
        importlib.import_module(name)
    return names


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


def _changes_after(url: str) -> str:
    return parse_qs(urlparse(url).query)["changes_after"][0]


@pytest.mark.usefixtures("live_database")
def test_a_generated_client_imports_and_syncs_suppliers_meetings_and_commitments(
    start_web: Callable[[], WebServer],
    generated: Callable[[WebServer], ModuleType],
    make_user: Callable[..., User],
) -> None:
    assert settings.DATABASES  # the live database (committed writes) is what gunicorn reads
    user = make_user(Role.PROCUREMENT_MANAGER, username="erp-buyer")
    _token, key = api_token_create(user=user, name="generated client")
    server = start_web()
    package = generated(server)

    modules = _import_every_module(package)
    operations = [
        name for name in modules if name.startswith(f"{PACKAGE}.api.") and name.count(".") == 3
    ]
    assert len(operations) >= 100, len(operations)

    client = package.AuthenticatedClient(
        base_url=f"http://127.0.0.1:{server.port}",
        token=key,
        prefix="Token",
        raise_on_unexpected_status=True,
    )
    models = _module(package, "models")

    # Bulk-upsert 100 suppliers.
    rows = [
        models.SupplierBulkRowRequest(
            external_id=f"GEN-{n:03d}", name=f"Generated {n:03d}", country="SE", website=""
        )
        for n in range(100)
    ]
    upsert = _module(package, "api.suppliers.suppliers_bulk_upsert_create")
    result = upsert.sync(client=client, body=rows)
    assert isinstance(result, models.SupplierBulkResult), result
    assert (result.created, result.updated, result.unchanged) == (100, 0, 0)
    assert Supplier.objects.filter(external_id__startswith="GEN-").count() == 100

    # A meeting with a commitment of ours, then the commitment completed.
    supplier = Supplier.objects.get(external_id="GEN-007")
    create = _module(package, "api.meetings.meetings_create")
    meeting = create.sync(
        client=client,
        body=models.MeetingWriteRequest(
            kind=models.KindEnum("video_call"),
            supplier=supplier.pk,
            subject="Quarterly forecast",
            our_attendees=[user.pk],
            commitments=[
                models.CommitmentItemRequest(
                    description="Send the forecast",
                    side=models.SideEnum("ours"),
                    due_date=date.today() + timedelta(days=14),
                    owner_user=user.pk,
                )
            ],
        ),
    )
    assert isinstance(meeting, models.Meeting), meeting
    assert [c.description for c in meeting.commitments] == ["Send the forecast"]

    complete = _module(package, "api.commitments.commitments_complete_create")
    done = complete.sync(
        meeting.commitments[0].id,
        client=client,
        body=models.CommitmentCloseRequest(note="Sent on time."),
    )
    assert isinstance(done, models.Commitment), done
    assert done.status.value == "done"

    # An error comes back as the generated Error model, not an exception or raw bytes.
    retrieve = _module(package, "api.commitments.commitments_retrieve")
    missing = retrieve.sync(999_999, client=client)
    assert isinstance(missing, models.Error), missing
    assert (missing.error.status, missing.error.code) == (404, "not_found")

    # The caller, with a blank language and no manager, parses too.
    me = _module(package, "api.me.me_retrieve").sync(client=client)
    assert me.username == "erp-buyer" and me.manager is None

    # List them through the change feed (built with the feed of issue 16: ``changes_after``,
    # the envelope of core/api/views.py): from the beginning, following the cursor to the end.
    listing = _module(package, "api.suppliers.suppliers_list")
    seen: list[int] = []
    cursor = "0"
    for _page in range(20):
        answer = listing.sync_detailed(client=client, changes_after=cursor, page_size=30)
        assert answer.status_code == 200, answer.content[:500]
        body = json.loads(answer.content)
        seen.extend(row["id"] for row in body["results"])
        assert body["next"].startswith("http"), body["next"]
        cursor = body["cursor"]
        assert _changes_after(body["next"]) == cursor
        if not body["has_more"]:
            break
    ids = set(Supplier.objects.filter(external_id__startswith="GEN-").values_list("id", flat=True))
    assert ids <= set(seen)
    assert len(seen) == len(set(seen)), "a supplier came twice"
    again = json.loads(listing.sync_detailed(client=client, changes_after=cursor).content)
    assert again["results"] == [] and again["has_more"] is False
