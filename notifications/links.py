"""Signed links in emails: a supplier's RFP link, a survey link. Such a link is a key (whoever
holds it acts as the supplier), so the outbox never stores it. A notification names the link
it carries (``link_ref``, "<namespace>:<id>", which no one can open) and the app that owns the
link builds it at sending time, into the email only. The app may refuse (return None), say
because the link was revoked or the address it was issued to is no longer the one on file:
the email then goes out without a link.

Apps register their builder in ``AppConfig.ready``; the notifications app imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from notifications.models import Notification

# Gets the id named in the reference and the notification being sent (whose ``email_to`` the
# builder checks); returns the absolute link, or None to send without one.
LinkBuilder = Callable[[int, "Notification"], str | None]

MASK = "[signed link: not shown]"

_builders: dict[str, LinkBuilder] = {}


def register(namespace: str, builder: LinkBuilder) -> None:
    _builders[namespace] = builder


def reference(namespace: str, pk: int) -> str:
    return f"{namespace}:{pk}"


def build(notification: Notification) -> str | None:
    """The signed link for this email, made now; None when there is none to send."""
    namespace, _, pk = notification.link_ref.partition(":")
    builder = _builders.get(namespace)
    if builder is None or not pk.isdigit() or notification.recipient_id is not None:
        # A signed link only ever goes to someone outside, never to an account of ours.
        return None
    return builder(int(pk), notification)


def mask(text: str, links: Iterable[str]) -> str:
    """The text with every signed link in it replaced: for anything that is shown or logged."""
    for link in links:
        if link:
            text = text.replace(link, MASK)
    return text
