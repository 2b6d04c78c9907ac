"""Strict reading of configuration from the environment.

Every setting comes from one environment variable. A malformed value stops start-up with an
``ImproperlyConfigured`` error that names the variable, rather than being guessed at.
"""

from __future__ import annotations

import os
import re
import zoneinfo
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


class Env:
    """Reads typed values from an environment mapping (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def raw(self, name: str) -> str | None:
        value = self.environ.get(name)
        return None if value is None else value.strip()

    def is_set(self, name: str) -> bool:
        return bool(self.raw(name))

    def string(self, name: str, default: str = "") -> str:
        value = self.raw(name)
        return default if value is None or value == "" else value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(f"{name}: expected true or false, got {value!r}.")

    def integer(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: expected a whole number, got {value!r}.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}: must be at least {minimum}, got {number}.")
        return number

    def strings(self, name: str, default: list[str] | None = None) -> list[str]:
        value = self.raw(name)
        if value is None or value == "":
            return list(default or [])
        return [item.strip() for item in value.split(",") if item.strip()]

    def choice(self, name: str, default: str, choices: list[str]) -> str:
        value = self.string(name, default)
        if value not in choices:
            raise ImproperlyConfigured(
                f"{name}: expected one of {', '.join(choices)}, got {value!r}."
            )
        return value

    def currency(self, name: str, default: str) -> str:
        """A current ISO 4217 currency code (``core.currencies``), upper-cased."""
        from core.currencies import ISO_4217_CURRENT

        value = self.string(name, default).upper()
        if value not in ISO_4217_CURRENT:
            raise ImproperlyConfigured(
                f"{name}: expected an ISO 4217 currency code in use today, such as EUR or "
                f"SEK, got {value!r}."
            )
        return value

    def rate(self, name: str, default: str) -> str:
        """A request rate as DRF writes it: number/period, e.g. 1200/minute."""
        value = self.string(name, default)
        if not re.fullmatch(r"[1-9]\d*/(s|sec|second|m|min|minute|h|hour|d|day)", value):
            raise ImproperlyConfigured(
                f"{name}: expected number/period such as 1200/minute, got {value!r}."
            )
        return value

    def time_zone(self, name: str, default: str) -> str:
        value = self.string(name, default)
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(
                f"{name}: {value!r} is not a known time zone (use an IANA name such as "
                "Europe/Stockholm or UTC)."
            ) from None
        return value

    def origins(self, name: str) -> list[str]:
        origins = self.strings(name)
        for origin in origins:
            if not re.fullmatch(r"https?://[^\s/]+", origin):
                raise ImproperlyConfigured(
                    f"{name}: {origin!r} is not an origin; write it as scheme and host, "
                    "such as https://srm.example.com."
                )
        return origins

    def database(self, name: str) -> dict[str, Any] | None:
        """Parses a PostgreSQL URL into Django's DATABASES entry, or None when unset."""
        value = self.raw(name)
        if not value:
            return None
        return parse_database_url(value, name=name)

    def redis_url(self, name: str) -> str | None:
        value = self.raw(name)
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
            raise ImproperlyConfigured(
                f"{name}: expected redis://host:port/db, got {_redact(value)!r}."
            )
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise ImproperlyConfigured(
                f"{name}: the port in {_redact(value)!r} is not a number."
            ) from None
        return value


def parse_database_url(value: str, *, name: str = "DATABASE_URL") -> dict[str, Any]:
    """Parses a PostgreSQL URL with django-environ, refusing anything it would have to guess."""
    parts = urlsplit(value)
    if parts.scheme not in _POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"{name}: only PostgreSQL is supported; expected postgres://user:password@host:port/"
            f"name, got {_redact(value)!r}."
        )
    try:
        config = dict(environ.Env.db_url_config(value))
    except ValueError as error:
        raise ImproperlyConfigured(f"{name}: {error} in {_redact(value)!r}.") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name}: the URL names no database: {_redact(value)!r}.")
    config["ENGINE"] = "django.db.backends.postgresql"
    return config


def parse_email_url(value: str, *, name: str = "EMAIL_URL") -> dict[str, Any]:
    """Parses smtp://, smtp+tls://, smtp+ssl://, consolemail:// and similar email URLs."""
    try:
        return dict(environ.Env.email_url_config(value))
    except (ImproperlyConfigured, ValueError) as error:
        raise ImproperlyConfigured(f"{name}: {error} ({_redact(value)!r}).") from None


def _redact(url: str) -> str:
    """Hides the password of a URL so that error messages never print it."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)
