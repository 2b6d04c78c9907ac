"""Email backends of our own. The console backend (DEBUG's default) is a log: it prints every
message, so a signed link in it would be handed to whoever reads the logs. This one prints the
message with its signed links masked; the email a real backend sends keeps them."""

from __future__ import annotations

import copy
from typing import Any

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend
from django.core.mail.message import EmailMessage

from notifications.links import mask


def masked_copy(message: EmailMessage) -> EmailMessage:
    """The message as it may be shown: body and alternatives with the signed links replaced."""
    secrets = list(getattr(message, "signed_links", []))
    if not secrets:
        return message
    shown = copy.copy(message)
    shown.body = mask(str(message.body), secrets)
    alternatives: list[Any] = list(getattr(message, "alternatives", []))
    if alternatives:
        shown.alternatives = [  # type: ignore[attr-defined]
            type(alternative)(mask(str(alternative[0]), secrets), alternative[1])
            for alternative in alternatives
        ]
    return shown


class MaskedConsoleEmailBackend(ConsoleEmailBackend):
    """Prints messages like Django's console backend, without their signed links."""

    def write_message(self, message: EmailMessage) -> None:
        super().write_message(masked_copy(message))
