"""Escalation summaries and step notes as facts (a message code and JSON parameters) that
escalations.messages puts into words in each reader's language. Rows written before keep their
English text under the "legacy" code, shown as written; a copied person's "copy" note becomes
the "copy" code."""

from django.db import migrations, models
from django.db.models import F, Func, Value


def summaries_to_facts(apps, schema_editor):
    Escalation = apps.get_model("escalations", "Escalation")
    EscalationStep = apps.get_model("escalations", "EscalationStep")
    Escalation.objects.update(
        summary_code="legacy",
        summary_params=Func(
            Value("text"), F("summary"), function="jsonb_build_object", output_field=models.JSONField()
        ),
    )
    EscalationStep.objects.filter(kind="notified", note="copy").update(note_code="copy", note="")


def facts_to_summaries(apps, schema_editor):
    from django.utils import translation

    from escalations.messages import render

    Escalation = apps.get_model("escalations", "Escalation")
    EscalationStep = apps.get_model("escalations", "EscalationStep")
    with translation.override("en"):
        for escalation in Escalation.objects.only("summary_code", "summary_params").iterator():
            text = render(escalation.summary_code, escalation.summary_params)[:300]
            Escalation.objects.filter(pk=escalation.pk).update(summary=text)
        for step in EscalationStep.objects.exclude(note_code="").iterator():
            note = "copy" if step.note_code == "copy" else render(step.note_code, step.note_params)
            EscalationStep.objects.filter(pk=step.pk).update(note=note)


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0002_step_kind_severity"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalation",
            name="summary_code",
            field=models.CharField(default="legacy", max_length=40, verbose_name="summary code"),
        ),
        migrations.AddField(
            model_name="escalation",
            name="summary_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="summary facts"),
        ),
        migrations.AddField(
            model_name="escalationstep",
            name="note_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="note code"),
        ),
        migrations.AddField(
            model_name="escalationstep",
            name="note_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="note facts"),
        ),
        migrations.RunPython(summaries_to_facts, facts_to_summaries),
        migrations.AlterField(
            model_name="escalation",
            name="summary",
            field=models.CharField(blank=True, default="", max_length=300, verbose_name="summary"),
        ),
        migrations.RemoveField(
            model_name="escalation",
            name="summary",
        ),
    ]
