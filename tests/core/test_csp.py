"""Every response carries a strict Content-Security-Policy (the API docs their own), no
template holds an inline script, handler or style attribute, and whatever answers a signed-in
person or an API client is never stored by a cache."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from accounts.services import api_token_create
from tests.factories import SupplierFactory

pytestmark = pytest.mark.django_db
TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Emails are read in mail programs, not served under the CSP; their inline styles stay.
EMAIL_TEMPLATES = TEMPLATES / "notifications" / "email"


def _policy(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: values for name, *values in directives}


def _assert_strict(response: object) -> None:
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "role", [Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER, Role.EXECUTIVE, Role.ADMINISTRATOR]
)
def test_pages_carry_a_strict_policy_and_no_store(
    make_user: Callable[..., User], role: Role
) -> None:
    supplier = SupplierFactory()
    client = _signed_in(make_user(role, username="reader"))
    for url in (
        reverse("core:home"),
        reverse("suppliers:supplier_list"),
        supplier.get_absolute_url(),
        reverse("escalations:escalation_list"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_strict(response)
        assert "no-store" in response["Cache-Control"], url


def test_the_dashboard_and_an_export_are_never_stored(procurement_manager: User) -> None:
    client = _signed_in(procurement_manager)
    for url in (
        reverse("reports:dashboard"),
        reverse("reports:export", args=["contracts", "csv"]),
        reverse("reports:export", args=["suppliers", "xlsx"]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "no-store" in response["Cache-Control"], url
        assert "Content-Security-Policy" in response


def test_the_sign_in_page_and_error_pages_carry_the_policy(
    client: Client, account_manager: User
) -> None:
    _assert_strict(client.get(reverse("accounts:login")))
    signed_in = _signed_in(account_manager)
    missing = signed_in.get("/suppliers/999999999/")
    assert missing.status_code == 404
    _assert_strict(missing)
    assert "no-store" in missing["Cache-Control"]


def test_api_answers_are_never_stored_whoever_asks(integration: User, executive: User) -> None:
    _token, key = api_token_create(user=integration, name="ERP sync")
    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    session_client = APIClient()
    session_client.force_login(executive)
    for client in (token_client, session_client, APIClient()):
        response = client.get("/api/v1/contracts/")
        assert response.status_code in (200, 401)
        assert "no-store" in response["Cache-Control"]
        assert "Content-Security-Policy" in response


def test_the_api_docs_work_under_their_own_policy_with_no_inline_script(
    executive: User,
) -> None:
    client = _signed_in(executive)
    page = client.get("/api/docs/")
    assert page.status_code == 200
    policy = _policy(page)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    html = page.content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all("src=" in attrs and not body.strip() for attrs, body in scripts)
    init = next(attrs for attrs, _body in scripts if "script=" in attrs)
    init_url = re.search(r'src="([^"]+)"', init).group(1).replace("&amp;", "&")  # type: ignore[union-attr]
    script = client.get(init_url)
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()
    assert client.get("/api/schema/").status_code == 200


def _template_files() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES.rglob("*")
        if path.is_file() and path.suffix in {".html", ".svg", ".txt"}
    )


def test_no_template_holds_an_inline_script_or_handler() -> None:
    offenders = []
    inline_script = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)
    for path in _template_files():
        text = path.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, re.compile(r"javascript:", re.I)):
            offenders += [
                f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)
            ]
    assert offenders == []


def test_no_page_template_holds_an_inline_style() -> None:
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in _template_files()
        if not path.is_relative_to(EMAIL_TEMPLATES)
        and re.search(r"""\sstyle\s*=\s*["']|<style\b""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
