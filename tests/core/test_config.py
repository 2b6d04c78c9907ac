"""Configuration comes only from the environment, and a bad value stops start-up by name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from srm.config import Env, parse_database_url

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-secret-for-tests-only-0123456789",
    "ALLOWED_HOSTS": "srm.example.com",
    "DATABASE_URL": "postgres://srm:pw@db.example.com:5432/srm",
}


def start(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Loads the settings in a fresh interpreter, as start-up does."""
    env = {k: v for k, v in os.environ.items() if k not in {*PRODUCTION, "REDIS_URL"}}
    env.update(PRODUCTION)
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; settings.DATABASES"],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "srm.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_configuration_starts() -> None:
    assert start().returncode == 0


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("SECRET_KEY", None, "SECRET_KEY: required when DEBUG is off"),
        ("DEBUG", "maybe", "DEBUG: expected true or false"),
        ("ALLOWED_HOSTS", "", "ALLOWED_HOSTS: required when DEBUG is off"),
        ("DATABASE_URL", "mysql://u:p@h/db", "DATABASE_URL: only PostgreSQL is supported"),
        ("DATABASE_URL", "postgres://u:p@h:port/db", "DATABASE_URL:"),
        ("DATABASE_URL", "postgres://u:p@h:5432/", "DATABASE_URL: the URL names no database"),
        ("REDIS_URL", "http://cache:6379", "REDIS_URL: expected redis://host:port/db"),
        ("EMAIL_URL", "pigeon://loft", "EMAIL_URL:"),
        ("TIME_ZONE", "Mars/Olympus_Mons", "TIME_ZONE: 'Mars/Olympus_Mons' is not a known"),
        ("LANGUAGE_CODE", "fr", "LANGUAGE_CODE: expected one of en, sv, de, nl, vi"),
        ("CSRF_TRUSTED_ORIGINS", "srm.example.com", "CSRF_TRUSTED_ORIGINS: 'srm.example.com'"),
        ("SESSION_IDLE_MINUTES", "soon", "SESSION_IDLE_MINUTES: expected a whole number"),
        ("SESSION_IDLE_MINUTES", "0", "SESSION_IDLE_MINUTES: must be at least 1"),
        ("API_TOKEN_RATE", "lots", "API_TOKEN_RATE: expected number/period"),
        ("LOG_LEVEL", "LOUD", "LOG_LEVEL: expected one of DEBUG"),
        ("REPORTING_CURRENCY", "EURO", "REPORTING_CURRENCY: expected an ISO 4217 currency code"),
    ],
)
def test_malformed_value_stops_startup_naming_the_variable(
    variable: str, value: str | None, expected: str
) -> None:
    result = start(**{variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert expected in result.stderr


def test_reporting_currency_is_read_in_capitals() -> None:
    assert Env({"REPORTING_CURRENCY": " sek "}).currency("REPORTING_CURRENCY", "EUR") == "SEK"
    assert Env({}).currency("REPORTING_CURRENCY", "EUR") == "EUR"


def test_error_never_prints_the_database_password() -> None:
    result = start(DATABASE_URL="mysql://srm:hunter2@db/srm")

    assert result.returncode != 0
    assert "hunter2" not in result.stderr


def test_debug_without_secret_key_uses_a_development_key() -> None:
    assert start(DEBUG="true", SECRET_KEY=None, ALLOWED_HOSTS=None).returncode == 0


def test_database_url_becomes_a_postgresql_entry() -> None:
    config = parse_database_url("postgres://srm:p%40ss@db.internal:6543/srm?sslmode=require")

    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("srm", "srm", "p@ss")
    assert (config["HOST"], str(config["PORT"])) == ("db.internal", "6543")
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_lists_are_split_on_commas_and_trimmed() -> None:
    env = Env({"ALLOWED_HOSTS": " a.example.com, b.example.com ,"})

    assert env.strings("ALLOWED_HOSTS") == ["a.example.com", "b.example.com"]


def test_unset_values_fall_back_to_their_defaults() -> None:
    env = Env({})

    assert env.boolean("DEBUG", default=False) is False
    assert env.integer("SESSION_IDLE_MINUTES", default=120) == 120
    assert env.time_zone("TIME_ZONE", "UTC") == "UTC"
    assert env.database("DATABASE_URL") is None
    assert env.redis_url("REDIS_URL") is None


def test_boolean_spellings() -> None:
    for value in ["1", "true", "TRUE", "yes", "on"]:
        assert Env({"DEBUG": value}).boolean("DEBUG", default=False) is True
    for value in ["0", "false", "no", "off"]:
        assert Env({"DEBUG": value}).boolean("DEBUG", default=True) is False
    with pytest.raises(ImproperlyConfigured, match="DEBUG"):
        Env({"DEBUG": "2"}).boolean("DEBUG", default=False)
