"""The signed link a supplier's contact responds through, without an account.

The token names the invitation and its nonce, signed with the site's secret: a changed
character fails the signature. What the link may do is decided from server time at each use:
submit until the invitation's current deadline, then read (the RFP and the supplier's own
receipts) for RFP_LINK_READ_DAYS more, then nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from rfps.choices import RfpStatus
from rfps.models import Invitation, Round

SALT = "rfps.invitation-link"


class LinkAccess(StrEnum):
    RESPOND = "respond"  # before the deadline: draft, attach, submit, ask, decline
    READ = "read"  # after it: the RFP and their own receipts
    EXPIRED = "expired"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.link_nonce}, salt=SALT)


def invitation_url(invitation: Invitation) -> str:
    """The absolute link for emails."""
    path = reverse("rfps:respond", args=[invitation_token(invitation)])
    return settings.SITE_URL.rstrip("/") + path


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a token names, or None if the token is forged, changed or revoked, or
    the RFP was never published."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    pk = payload.get("i") if isinstance(payload, dict) else None
    if not isinstance(pk, int):
        return None
    return (
        Invitation.objects.select_related("rfp", "supplier", "contact")
        .exclude(rfp__status=RfpStatus.DRAFT)
        .filter(pk=pk, link_nonce=payload.get("n"), invited_at__isnull=False)
        .first()
    )


def current_round(invitation: Invitation) -> Round | None:
    """The latest round the invitation takes part in: the first, or a round whose shortlist
    names it."""
    rounds = invitation.rfp.rounds.order_by("-number")
    for round_ in rounds:
        if round_.number == 1 or round_.shortlist.filter(pk=invitation.pk).exists():
            return round_
    return None


def link_access(invitation: Invitation, *, now: datetime | None = None) -> LinkAccess:
    now = now or timezone.now()
    round_ = current_round(invitation)
    if round_ is None:
        return LinkAccess.EXPIRED
    rfp = invitation.rfp
    if (
        rfp.status == RfpStatus.PUBLISHED
        and now < round_.deadline
        and invitation.declined_at is None
    ):
        return LinkAccess.RESPOND
    if now < round_.deadline + timedelta(days=settings.RFP_LINK_READ_DAYS):
        return LinkAccess.READ
    return LinkAccess.EXPIRED
