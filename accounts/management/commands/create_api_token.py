from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.scopes import READ_ONLY_SCOPE
from accounts.services import api_token_create


class Command(BaseCommand):
    help = (
        "Creates a named API token for a user and prints it once. By default it may do all "
        "its user's role allows (*:write); --scopes or --read-only narrow it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for, e.g. 'ERP sync'.")
        limits = parser.add_mutually_exclusive_group()
        limits.add_argument(
            "--scopes",
            help="Comma-separated <resource>:read or <resource>:write (* for every resource), "
            "e.g. suppliers:write,contracts:write,deliveries:write,reviews:read.",
        )
        limits.add_argument(
            "--read-only",
            action="store_true",
            help=f"Reads everything, writes nothing: {READ_ONLY_SCOPE}.",
        )

    def handle(
        self,
        *args: Any,
        username: str,
        name: str,
        scopes: str | None = None,
        read_only: bool = False,
        **options: Any,
    ) -> None:
        try:
            user = User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        wanted = READ_ONLY_SCOPE if read_only else scopes
        try:
            token, key = api_token_create(user=user, name=name, scopes=wanted)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stderr.write(
            f"Token {name!r} for {username} with scopes {','.join(token.scopes)}. "
            "Store it now; it is not shown again:"
        )
        self.stdout.write(key)
