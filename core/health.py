"""Liveness and readiness: what a load balancer or container runtime asks the app."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import DatabaseError, connections


def check_database() -> str | None:
    """None when every configured database answers a query, else what went wrong."""
    for alias in connections:
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
        except DatabaseError as error:
            return f"{alias}: {error.__class__.__name__}: {str(error).strip()[:200]}"
    return None


def check_redis() -> str | None:
    """None when Redis answers (or is not configured), else what went wrong."""
    if not settings.REDIS_URL:
        return None
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError as error:
        return f"{error.__class__.__name__}: {str(error)[:200]}"
    finally:
        client.close()
    return None


def readiness() -> dict[str, str]:
    """Each dependency mapped to "ok", "not configured" or the reason it failed."""
    results = {"database": check_database() or "ok"}
    results["redis"] = (check_redis() or "ok") if settings.REDIS_URL else "not configured"
    return results
