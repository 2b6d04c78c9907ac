"""The default engagement policy per segment: the most days between meetings, and between
in-person meetings. Procurement managers change them in the app."""

from django.db import migrations

DEFAULTS = {
    "strategic": (30, 90),
    "leverage": (60, 180),
    "bottleneck": (60, 180),
    "routine": (180, None),
}


def create_policies(apps, schema_editor):
    EngagementPolicy = apps.get_model("meetings", "EngagementPolicy")
    for segment, (meetings, in_person) in DEFAULTS.items():
        EngagementPolicy.objects.get_or_create(
            segment=segment,
            defaults={
                "max_days_between_meetings": meetings,
                "max_days_between_in_person": in_person,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_initial")]

    operations = [migrations.RunPython(create_policies, migrations.RunPython.noop)]
