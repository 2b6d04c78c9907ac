from __future__ import annotations

import factory

from accounts.models import User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Faker("name")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct-horse-battery")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "suppliers.Category"
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Category {n}")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "suppliers.Supplier"

    name = factory.Sequence(lambda n: f"Supplier {n} AB")
    legal_name = factory.LazyAttribute(lambda s: f"{s.name} (legal)")
    external_id = factory.Sequence(lambda n: f"ERP-{n:06d}")
    vat_number = factory.Sequence(lambda n: f"SE{n:010d}01")
    country = "SE"
    status = "active"
    segment = "routine"
    risk_level = "low"
    default_currency = "EUR"


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "suppliers.Contact"

    supplier = factory.SubFactory(SupplierFactory)
    name = factory.Faker("name")
    job_title = "Key account manager"
    email = factory.Sequence(lambda n: f"contact{n}@supplier.example.com")
    phone = "+46 8 123 456"


class OwnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "suppliers.KeyAccountOwnership"

    supplier = factory.SubFactory(SupplierFactory)
    user = factory.SubFactory(UserFactory)
    role = "owner"


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Meeting"
        skip_postgeneration_save = True

    supplier = factory.SubFactory(SupplierFactory)
    kind = "video_call"
    subject = factory.Sequence(lambda n: f"Meeting {n}")
    logged_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def our_attendees(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.our_attendees.set(extracted)  # type: ignore[attr-defined]

    @factory.post_generation
    def their_attendees(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create and extracted:
            self.their_attendees.set(extracted)  # type: ignore[attr-defined]


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Commitment"

    supplier = factory.SubFactory(SupplierFactory)
    description = factory.Sequence(lambda n: f"Promise {n}")
    side = "ours"
    owner_user = factory.SubFactory(UserFactory)
    due_date = factory.Faker("date_between", start_date="-30d", end_date="+30d")
    created_by = factory.SelfAttribute("owner_user")
