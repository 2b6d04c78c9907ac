"""Demo suppliers: about 60 across segments, statuses and countries, with contacts, categories
and key-account owners, so that every page shows something real. Safe to run again."""

from __future__ import annotations

import random
from collections.abc import Iterator

from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role
from suppliers.models import Category, Contact, KeyAccountOwnership, Supplier

CATEGORIES = {
    "Raw materials": ["Metals", "Plastics", "Textiles"],
    "Components": ["Electronics", "Mechanical parts"],
    "Logistics": ["Freight", "Warehousing"],
    "Services": ["IT services", "Facility management", "Consulting"],
    "Packaging": [],
}

# name, country, currency, segment, status, risk, categories
SUPPLIERS = [
    ("Nordic Steel", "SE", "SEK", "strategic", "active", "medium", ["Metals"]),
    ("Göteborg Logistik", "SE", "SEK", "leverage", "active", "low", ["Freight"]),
    ("Norrland Timber", "SE", "SEK", "routine", "active", "low", ["Raw materials"]),
    ("Stockholm IT Partner", "SE", "SEK", "leverage", "active", "low", ["IT services"]),
    ("Malmö Förpackning", "SE", "SEK", "routine", "onboarding", "low", ["Packaging"]),
    ("Uppsala Precision", "SE", "SEK", "bottleneck", "active", "high", ["Mechanical parts"]),
    ("Bavaria Präzisionsteile", "DE", "EUR", "strategic", "active", "medium", ["Mechanical parts"]),
    ("Rhein Chemie Handel", "DE", "EUR", "bottleneck", "active", "high", ["Plastics"]),
    ("Hamburg Spedition", "DE", "EUR", "leverage", "active", "low", ["Freight"]),
    ("Schwaben Elektronik", "DE", "EUR", "strategic", "active", "critical", ["Electronics"]),
    ("Berliner Beratung", "DE", "EUR", "routine", "prospect", "low", ["Consulting"]),
    ("Sachsen Metallbau", "DE", "EUR", "leverage", "suspended", "high", ["Metals"]),
    ("Köln Facility Services", "DE", "EUR", "routine", "active", "low", ["Facility management"]),
    (
        "Rotterdam Haven Logistiek",
        "NL",
        "EUR",
        "strategic",
        "active",
        "medium",
        ["Freight", "Warehousing"],
    ),
    ("Eindhoven Componenten", "NL", "EUR", "bottleneck", "active", "high", ["Electronics"]),
    ("Utrecht Verpakkingen", "NL", "EUR", "routine", "active", "low", ["Packaging"]),
    ("Amsterdam Data Services", "NL", "EUR", "leverage", "onboarding", "medium", ["IT services"]),
    ("Groningen Kunststof", "NL", "EUR", "leverage", "active", "low", ["Plastics"]),
    (
        "Delft Engineering",
        "NL",
        "EUR",
        "strategic",
        "active",
        "medium",
        ["Consulting", "Mechanical parts"],
    ),
    ("Saigon Textile Mill", "VN", "VND", "strategic", "active", "high", ["Textiles"]),
    ("Hanoi Electronics Assembly", "VN", "VND", "strategic", "active", "critical", ["Electronics"]),
    ("Da Nang Packaging", "VN", "VND", "routine", "active", "medium", ["Packaging"]),
    ("Mekong Garment Co.", "VN", "VND", "leverage", "onboarding", "medium", ["Textiles"]),
    ("Hai Phong Port Services", "VN", "VND", "bottleneck", "active", "high", ["Freight"]),
    ("Binh Duong Plastics", "VN", "VND", "leverage", "prospect", "medium", ["Plastics"]),
    ("Can Tho Agro Supplies", "VN", "VND", "routine", "offboarded", "low", ["Raw materials"]),
    ("Sheffield Alloys", "GB", "GBP", "strategic", "active", "medium", ["Metals"]),
    ("Midlands Fasteners", "GB", "GBP", "routine", "active", "low", ["Mechanical parts"]),
    ("London Consulting Group", "GB", "GBP", "routine", "active", "low", ["Consulting"]),
    ("Bristol Cloud Hosting", "GB", "GBP", "leverage", "active", "medium", ["IT services"]),
    ("Manchester Freight", "GB", "GBP", "leverage", "suspended", "medium", ["Freight"]),
    ("Scottish Wool Works", "GB", "GBP", "bottleneck", "active", "high", ["Textiles"]),
    ("Silesia Castings", "PL", "PLN", "leverage", "active", "medium", ["Metals"]),
    ("Poznań Warehousing", "PL", "PLN", "routine", "active", "low", ["Warehousing"]),
    ("Kraków Software House", "PL", "PLN", "leverage", "active", "low", ["IT services"]),
    ("Lyon Composites", "FR", "EUR", "bottleneck", "active", "high", ["Plastics"]),
    ("Paris Facility Group", "FR", "EUR", "routine", "active", "low", ["Facility management"]),
    ("Toulouse Aero Parts", "FR", "EUR", "strategic", "active", "high", ["Mechanical parts"]),
    ("Milano Tessuti", "IT", "EUR", "leverage", "active", "medium", ["Textiles"]),
    ("Torino Meccanica", "IT", "EUR", "bottleneck", "onboarding", "high", ["Mechanical parts"]),
    ("Barcelona Envases", "ES", "EUR", "routine", "active", "low", ["Packaging"]),
    ("Porto Cork Industries", "PT", "EUR", "bottleneck", "active", "medium", ["Raw materials"]),
    (
        "Copenhagen Wind Components",
        "DK",
        "DKK",
        "strategic",
        "active",
        "medium",
        ["Mechanical parts"],
    ),
    ("Oslo Aluminium", "NO", "NOK", "strategic", "active", "medium", ["Metals"]),
    ("Helsinki Paper", "FI", "EUR", "leverage", "active", "low", ["Packaging"]),
    ("Shenzhen PCB Works", "CN", "CNY", "strategic", "active", "critical", ["Electronics"]),
    ("Ningbo Moulds", "CN", "CNY", "leverage", "active", "high", ["Plastics"]),
    ("Suzhou Logistics", "CN", "CNY", "routine", "prospect", "medium", ["Freight"]),
    ("Bangalore IT Services", "IN", "INR", "leverage", "active", "medium", ["IT services"]),
    ("Pune Forgings", "IN", "INR", "bottleneck", "active", "high", ["Metals"]),
    ("Chennai Cotton Mills", "IN", "INR", "leverage", "active", "medium", ["Textiles"]),
    ("Ohio Industrial Supply", "US", "USD", "routine", "active", "low", ["Mechanical parts"]),
    ("Texas Resin Corp", "US", "USD", "leverage", "active", "medium", ["Plastics"]),
    ("California Chips Inc.", "US", "USD", "strategic", "active", "high", ["Electronics"]),
    ("Seattle Cloud Partners", "US", "USD", "routine", "onboarding", "low", ["IT services"]),
    (
        "Osaka Robotics",
        "JP",
        "JPY",
        "bottleneck",
        "active",
        "high",
        ["Electronics", "Mechanical parts"],
    ),
    ("Busan Shipping", "KR", "KRW", "leverage", "active", "medium", ["Freight"]),
    ("Bangkok Rubber", "TH", "THB", "bottleneck", "active", "high", ["Raw materials"]),
    ("Istanbul Textiles", "TR", "TRY", "leverage", "prospect", "medium", ["Textiles"]),
    ("Mexico Assembly Partners", "MX", "MXN", "leverage", "active", "medium", ["Electronics"]),
]

# first name, last name, job title
PEOPLE = [
    ("Karin", "Lindqvist", "Key account manager"),
    ("Jonas", "Weber", "Sales director"),
    ("Sanne", "de Vries", "Account manager"),
    ("Nguyen", "Thi Lan", "Customer service lead"),
    ("Tran", "Van Minh", "Managing director"),
    ("Emma", "Clarke", "Head of sales"),
    ("Piotr", "Nowak", "Quality manager"),
    ("Claire", "Martin", "Account executive"),
    ("Li", "Wei", "Export manager"),
    ("Priya", "Sharma", "Delivery manager"),
]


def _phone(rng: random.Random) -> str:
    return f"+{rng.randrange(10, 99)} {rng.randrange(100, 999)} {rng.randrange(1000, 9999)}"


def _categories() -> dict[str, Category]:
    found: dict[str, Category] = {}
    for parent_name, children in CATEGORIES.items():
        parent, _ = Category.objects.get_or_create(name=parent_name)
        found[parent_name] = parent
        for child_name in children:
            found[child_name], _ = Category.objects.get_or_create(
                name=child_name, defaults={"parent": parent}
            )
    return found


def _owners() -> list[User]:
    """The demo account manager plus a few colleagues, so that ownership is spread."""
    account_managers = Group.objects.get_or_create(name=Role.ACCOUNT_MANAGER.value)[0]
    procurement = User.objects.filter(username="procurement").first()
    people = [User.objects.get(username="account")]
    for username, display_name in [("sofia", "Sofia Berg"), ("lukas", "Lukas Meyer")]:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"display_name": display_name, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password("demo")
            user.manager = procurement
            user.save()
        user.groups.add(account_managers)
        people.append(user)
    return people


def seed() -> Iterator[str]:
    categories = _categories()
    owners = _owners()
    sponsor = User.objects.get(username="executive")
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    created = 0
    for index, (name, country, currency, segment, status, risk, cats) in enumerate(SUPPLIERS):
        supplier, was_created = Supplier.objects.get_or_create(
            external_id=f"DEMO-{index + 1:04d}",
            defaults={
                "name": name,
                "legal_name": f"{name} Ltd",
                "vat_number": f"{country}{rng.randrange(10**8, 10**9)}",
                "country": country,
                "website": f"https://www.{name.lower().split()[0]}.example.com",
                "default_currency": currency,
                "segment": segment,
                "status": status,
                "risk_level": risk,
            },
        )
        if not was_created:
            continue
        created += 1
        supplier.categories.set([categories[c] for c in cats])
        for number, (first, last, title) in enumerate(rng.sample(PEOPLE, k=rng.randint(1, 3))):
            local_part = f"{first}.{last}".lower().replace(" ", "")
            Contact.objects.create(
                supplier=supplier,
                name=f"{first} {last}",
                job_title=title,
                email=f"{local_part}@supplier{index + 1}.example.com",
                phone=_phone(rng),
                is_primary=number == 0,
            )
        # Most strategic and leverage suppliers have an owner; one active strategic supplier
        # is left without, so "Needs an owner" has something to show.
        if (segment in {"strategic", "leverage"} and name != "Oslo Aluminium") or index % 4 == 0:
            KeyAccountOwnership.objects.create(
                supplier=supplier, user=owners[index % len(owners)], role="owner"
            )
            if segment == "strategic":
                KeyAccountOwnership.objects.create(
                    supplier=supplier, user=owners[(index + 1) % len(owners)], role="backup"
                )
                KeyAccountOwnership.objects.create(
                    supplier=supplier, user=sponsor, role="executive_sponsor"
                )
    if created:
        yield f"created {created} suppliers with contacts, categories and owners"
