from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = (
        "Loads demo data: each app's demo.seed(), in INSTALLED_APPS order. Safe to run again. "
        "Demo users have the password 'demo', so this is refused with DEBUG off unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Seed even with DEBUG off.")

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a known password; it runs only with DEBUG on "
                "(or with --force)."
            )
        with transaction.atomic():
            for config in apps.get_app_configs():
                module_name = f"{config.name}.demo"
                if find_spec(module_name) is None:
                    continue
                for line in import_module(module_name).seed():
                    self.stdout.write(f"{config.label}: {line}")
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
