"""The default scorecard ("Standard", version 1) and the review policy per segment.
Procurement managers change them in the app; a change to the template makes a new version."""

from decimal import Decimal

from django.db import migrations

TEMPLATE = "Standard"

# key, name, weight, source, kpi code, KPI value scoring 100, KPI value scoring 0, guidance 1..5
CRITERIA = [
    ("quality", "Quality", 20, "rated", "", None, None, [
        "Frequent defects; our production or customers were affected.",
        "Recurring defects; containment needed more than once.",
        "Occasional defects, handled promptly.",
        "Rare defects; strong quality system.",
        "Zero defects; drives quality improvements with us.",
    ]),
    ("delivery", "Delivery", 20, "kpi", "otif", Decimal(100), Decimal(50), []),
    ("cost", "Cost", 15, "rated", "", None, None, [
        "Price increases without justification; invoices often wrong.",
        "Above market; slow to discuss cost.",
        "Market price; invoices correct.",
        "Below market; proposes savings.",
        "Transparent cost model; delivers savings year on year.",
    ]),
    ("responsiveness", "Responsiveness", 15, "rated", "", None, None, [
        "Hard to reach; questions go unanswered.",
        "Answers late or only when chased.",
        "Answers within agreed times.",
        "Answers fast and anticipates questions.",
        "Proactive: tells us before we ask.",
    ]),
    ("innovation", "Innovation", 10, "rated", "", None, None, [
        "No ideas brought to us.",
        "Ideas only when asked.",
        "Some useful ideas during the period.",
        "Regular ideas, some implemented.",
        "A source of innovation we rely on.",
    ]),
    ("relationship", "Relationship", 10, "rated", "", None, None, [
        "Adversarial; commitments broken.",
        "Transactional; commitments kept late.",
        "Cooperative; commitments kept.",
        "Open and trusted; escalations rare.",
        "A true partner; executive sponsorship on both sides.",
    ]),
    ("sustainability", "Sustainability", 10, "rated", "", None, None, [
        "No policy; known violations.",
        "Policy on paper only.",
        "Meets our code of conduct.",
        "Measured targets, reported.",
        "Leads the industry; certified.",
    ]),
]
BANDS = [
    ("very_poor", 0, 30),
    ("poor", 30, 50),
    ("average", 50, 80),
    ("excellent", 80, 100),
]
POLICIES = {"strategic": 3, "leverage": 6, "bottleneck": 6, "routine": 12}


def create_defaults(apps, schema_editor):
    Template = apps.get_model("reviews", "ScorecardTemplate")
    Criterion = apps.get_model("reviews", "Criterion")
    Band = apps.get_model("reviews", "StandingBand")
    Policy = apps.get_model("reviews", "ReviewPolicy")
    template, created = Template.objects.get_or_create(name=TEMPLATE, version=1)
    if created:
        for position, (key, name, weight, source, kpi, best, worst, guidance) in enumerate(
            CRITERIA
        ):
            Criterion.objects.create(
                template=template,
                key=key,
                name=name,
                weight=Decimal(weight),
                position=position,
                source=source,
                kpi_code=kpi,
                kpi_best=best,
                kpi_worst=worst,
                guidance=guidance,
            )
        for standing, lower, upper in BANDS:
            Band.objects.create(
                template=template, standing=standing, lower=Decimal(lower), upper=Decimal(upper)
            )
    for segment, cadence in POLICIES.items():
        Policy.objects.get_or_create(
            segment=segment, defaults={"cadence": cadence, "template_name": TEMPLATE}
        )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
