"""Where an invitation's signed link goes, and every email that carries it.

The address is pinned when the RFP is published. When the contact's address changes, the
next email that carries the link moves the invitation there: a new link (the nonce rotates, so
every link sent before stops working), the invitation to the new address, and a notice to the
old one, without the link. The move is in the invitation's audit trail. An address that
belongs to one of our own users never receives the link: the invitation stays where it was.

The outbox stores no link: it names the invitation, and the link is made when the email is
sent, only if the email goes to the address the invitation is pinned to now.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from core.text import LazyFormat
from notifications import links
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_create_external
from rfps.choices import INVITATION_STATUS_ACTIONS, InvitationAction
from rfps.links import LinkAccess, invitation_url, link_access
from rfps.models import Invitation, _nonce

NAMESPACE = "rfps.invitation"


def is_our_address(email: str) -> bool:
    """Whether the address is one of our users' (the buying side, whatever the role)."""
    return bool(email) and User.objects.filter(email__iexact=email.strip()).exists()


def pin_addresses(invitations: list[Invitation]) -> None:
    """At publishing: each invitation keeps its contact's address of now. Refuses an address
    of our own users, so that no buyer receives a supplier's link."""
    ours = [
        invitation.supplier.name
        for invitation in invitations
        if invitation.contact is not None and is_our_address(invitation.contact.email)
    ]
    if ours:
        raise ValidationError(
            {
                "invitees": _(
                    "The contact's address of %(names)s belongs to one of our users; a "
                    "supplier's link goes to the supplier only."
                )
                % {"names": ", ".join(ours)}
            }
        )
    for invitation in invitations:
        invitation.email = invitation.contact.email if invitation.contact is not None else ""
        Invitation.objects.filter(pk=invitation.pk).update(email=invitation.email)


def _follow_contact(invitation: Invitation) -> Invitation:
    """Moves the invitation to its contact's current address if that changed (see above)."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("rfp", "contact", "supplier")
        .get(pk=invitation.pk)
    )
    contact = invitation.contact
    new = (contact.email if contact is not None else "").strip()
    old = invitation.email
    if not new or new.lower() == old.lower() or is_our_address(new):
        return invitation
    invitation.email = new
    invitation.link_nonce = _nonce()
    invitation.save(update_fields=["email", "link_nonce"])
    rfp = invitation.rfp
    if old:
        notification_create_external(
            email=old,
            name=contact.name if contact is not None else "",
            language=contact.preferred_language if contact is not None else "",
            kind=NotificationKind.RFP_INVITATION_MOVED,
            subject=invitation,
            occasion=f"moved-{invitation.link_nonce}",
            title=LazyFormat(
                gettext_lazy("Your invitation to %(title)s moved to another address"),
                title=rfp.title,
            ),
            body=LazyFormat(
                gettext_lazy(
                    "%(reference)s: the invitation now goes to %(email)s, with a new link. "
                    "The link you had no longer works."
                ),
                reference=rfp.reference,
                email=new,
            ),
        )
    if link_access(invitation) == LinkAccess.RESPOND:
        _write(
            invitation,
            kind=NotificationKind.RFP_INVITATION,
            occasion=f"moved-{invitation.link_nonce}",
            title=LazyFormat(gettext_lazy("Invitation to respond: %(title)s"), title=rfp.title),
        )
    return invitation


def _write(
    invitation: Invitation, *, kind: str, occasion: str, title: object, body: object = ""
) -> Notification | None:
    contact = invitation.contact
    return notification_create_external(
        email=invitation.email,
        name=contact.name if contact is not None else "",
        language=contact.preferred_language if contact is not None else "",
        kind=kind,
        subject=invitation,
        occasion=occasion,
        title=title,
        body=body,
        signed_link=links.reference(NAMESPACE, invitation.pk),
    )


@transaction.atomic
def link_email_send(
    *,
    invitation: Invitation,
    kind: str,
    occasion: str,
    title: object,
    body: object = "",
    subject: object | None = None,
) -> Notification | None:
    """Writes an email carrying the invitation's link to its pinned address (after following
    a changed contact address). ``subject`` is what the email is about, the invitation by
    default. Nothing is written for an invitation without an address."""
    invitation = _follow_contact(invitation)
    if not invitation.email:
        return None
    if subject is None or subject == invitation:
        return _write(invitation, kind=kind, occasion=occasion, title=title, body=body)
    contact = invitation.contact
    return notification_create_external(
        email=invitation.email,
        name=contact.name if contact is not None else "",
        language=contact.preferred_language if contact is not None else "",
        kind=kind,
        subject=subject,  # type: ignore[arg-type]
        occasion=occasion,
        title=title,
        body=body,
        signed_link=links.reference(NAMESPACE, invitation.pk),
    )


def build_link(pk: int, notification: Notification) -> str | None:
    """The link for an email being sent now; none unless the email goes to the address the
    invitation is pinned to now (an email written before a move gets none)."""
    invitation = Invitation.objects.filter(pk=pk).first()
    if invitation is None or not invitation.email:
        return None
    if invitation.email.lower() != notification.email_to.strip().lower():
        return None
    return invitation_url(invitation)


@transaction.atomic
def invitation_resend(*, invitation: Invitation, by: User, now: datetime | None = None) -> str:
    """Sends the invitation's link again, to the pinned address (the buyer never sees the
    link); returns that address. Only while the supplier may respond; at most once a
    minute."""
    from rfps.links import current_round
    from rfps.permissions import may_act_for_supplier
    from rfps.services.rfp import utc_text

    if not may_act_for_supplier(by, invitation):
        raise PermissionDenied
    now = now or timezone.now()
    invitation = _follow_contact(invitation)
    rfp = invitation.rfp
    may_respond = link_access(invitation, now=now) == LinkAccess.RESPOND
    if InvitationAction.RESEND not in INVITATION_STATUS_ACTIONS[rfp.status] or not may_respond:
        raise ValidationError(
            {
                "invitation": _(
                    "The invitation can be sent again only while the supplier may respond."
                )
            }
        )
    if not invitation.email:
        raise ValidationError(
            {"invitation": _("This invitation has no address: enter the supplier's proposal.")}
        )
    round_ = current_round(invitation)
    deadline = round_.deadline if round_ is not None else rfp.deadline
    _write(
        invitation,
        kind=NotificationKind.RFP_INVITATION,
        occasion=f"resend-{now:%Y%m%dT%H%M}",
        title=LazyFormat(gettext_lazy("Invitation to respond: %(title)s"), title=rfp.title),
        body=LazyFormat(
            gettext_lazy("%(reference)s. Respond through the link by %(deadline)s (UTC)."),
            reference=rfp.reference,
            deadline=utc_text(deadline),
        ),
    )
    return invitation.email
