from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings


@pytest.mark.django_db
def test_collectstatic_builds_hashed_compressed_files(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--noinput", verbosity=0)

    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("css/srm.*.css.gz"))
    assert list(tmp_path.glob("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.*.js"))
