from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import User
from suppliers.models import Contact, KeyAccountOwnership, Supplier
from suppliers.selectors import supplier_list_lacking_owner, supplier_list_owned
from tests.demo_snapshot import DemoSnapshot

pytestmark = pytest.mark.django_db


def test_demo_data_fills_every_supplier_page(demo_data: DemoSnapshot) -> None:

    assert Supplier.objects.count() >= 60
    assert set(Supplier.objects.values_list("country", flat=True)) >= {"SE", "DE", "NL", "VN", "GB"}
    assert set(Supplier.objects.values_list("segment", flat=True)) == {
        "strategic",
        "leverage",
        "bottleneck",
        "routine",
    }
    assert len(set(Supplier.objects.values_list("status", flat=True))) == 5
    assert Contact.objects.filter(is_primary=True).count() == Supplier.objects.count()
    account = User.objects.get(username="account")
    procurement = User.objects.get(username="procurement")
    assert supplier_list_owned(user=account).exists()
    assert supplier_list_lacking_owner(user=procurement).exists()
    assert KeyAccountOwnership.objects.filter(role="executive_sponsor").exists()


def test_demo_data_is_safe_to_load_again(demo_data: DemoSnapshot) -> None:
    counts = (Supplier.objects.count(), Contact.objects.count())

    call_command("seed_demo", "--force", stdout=StringIO())

    assert (Supplier.objects.count(), Contact.objects.count()) == counts
