"""Writes for accounts: API tokens, language preference, the manager chain, housekeeping."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.postgres.aggregates import ArrayAgg
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import APIToken, User
from accounts.roles import Capability, remember_roles, user_can
from accounts.scopes import FULL_SCOPE, parse_scopes

audit_log = logging.getLogger("srm.audit")

TOKEN_PREFIX = "srm_"  # noqa: S105 - marks our tokens in logs and secret scanners
# last_used_at is recorded at this resolution, so a busy client does not write on every call.
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


def hash_token_key(key: str) -> str:
    # Tokens carry 256 random bits, so a fast unsalted hash is enough to make a stolen table
    # useless; a slow password hash would cost every API call tens of milliseconds.
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    user: User,
    name: str,
    scopes: Iterable[str] | str | None = None,
    by: User | None = None,
) -> tuple[APIToken, str]:
    """Creates a token and returns it with its secret, which is never stored or shown again.
    ``scopes`` (``accounts.scopes``) narrows what it may do; none: ``*:write``, everything
    the user's role allows."""
    checked = parse_scopes(scopes) if scopes is not None else [FULL_SCOPE]
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name that says who uses it.")})
    if not user.is_active:
        raise ValidationError({"user": _("Tokens can only be created for active users.")})
    if not user_can(user, Capability.USE_API):
        raise ValidationError({"user": _("This user's roles do not allow use of the API.")})
    if APIToken.objects.filter(user=user, name=name, revoked_at__isnull=True).exists():
        raise ValidationError({"name": _("This user already has an active token of that name.")})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = APIToken(user=user, name=name, prefix=key[: len(TOKEN_PREFIX) + 6], scopes=checked)
    token.key_hash = hash_token_key(key)
    token.full_clean()
    token.save()
    audit_log.info(
        "api token %s created for %s by %s with scopes %s",
        token.pk,
        user,
        by or "system",
        ",".join(checked),
    )
    return token, key


def api_token_set_scopes(
    *, token: APIToken, scopes: Iterable[str] | str, by: User | None = None
) -> APIToken:
    """Changes what a token may do; it takes effect on the token's next request."""
    checked = parse_scopes(scopes)
    if checked != token.scopes:
        token.scopes = checked
        token.save(update_fields=["scopes"])
        audit_log.info(
            "api token %s scopes set to %s by %s", token.pk, ",".join(checked), by or "system"
        )
    return token


def api_token_revoke(*, token: APIToken, by: User | None = None) -> APIToken:
    """Revokes a token at once; revoking twice changes nothing."""
    revoked = APIToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token.refresh_from_db(fields=["revoked_at"])
    if revoked:
        audit_log.info("api token %s revoked by %s", token.pk, by or "system")
    return token


def api_token_authenticate(*, key: str) -> APIToken | None:
    """Returns the active token for a secret, recording its use, or None."""
    if not key.startswith(TOKEN_PREFIX) or len(key) > 100:
        return None
    token = (
        APIToken.objects.select_related("user")
        # The user's roles come in the same query: every API call needs them.
        .annotate(role_names=ArrayAgg("user__groups__name", default=Value([])))
        .filter(key_hash=hash_token_key(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    remember_roles(token.user, token.role_names)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        APIToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def user_set_language(*, user: User, language: str) -> None:
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("This language is not available.")})
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


def user_validate_manager(*, user: User, manager: User | None) -> None:
    """The manager chain is the escalation chain, so it must end: no one manages themselves,
    directly or through others."""
    seen = {user.pk}
    current = manager
    while current is not None:
        if current.pk in seen:
            raise ValidationError(
                {"manager": _("This choice would make the escalation chain a loop.")}
            )
        seen.add(current.pk)
        current = current.manager


def user_sessions_end(*, user: User) -> int:
    """Ends every session of the user at once; returns how many. Sessions are database rows
    whose user id sits inside the encoded data, so the live ones are read and decoded: they
    are few (a session ends after SESSION_IDLE_MINUTES without a request)."""
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now()).values_list(
        "session_key", "session_data"
    )
    for key, data in live.iterator(chunk_size=2000):
        if str(store().decode(data).get(SESSION_KEY)) == str(user.pk):
            store(session_key=key).delete()
            ended += 1
    return ended


@transaction.atomic
def user_access_end(*, user: User) -> None:
    """What deactivating a user does, by whatever path (the admin, a command, SCIM): their
    API tokens are revoked and their sessions ended, at once. A password change does neither
    here: Django ends the other sessions itself (the session auth hash), and API tokens are
    machine credentials, managed and revoked on their own."""
    revoked = APIToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    ended = user_sessions_end(user=user)
    audit_log.info(
        "user %s deactivated: %s api tokens revoked, %s sessions ended", user, revoked, ended
    )


def session_cleanup() -> None:
    """Deletes expired sessions from the session store."""
    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
