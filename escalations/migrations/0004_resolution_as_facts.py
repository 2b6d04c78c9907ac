"""How the system resolved an escalation, as facts (a message code and JSON parameters) that
escalations.messages puts into words in each reader's language, on the escalation and on its
resolving step. A person's resolution stays their text, as typed. Rows the system resolved
before, in English, get the code of the sentence they hold; any other text stays as written."""

import re

from django.db import migrations, models

# The English sentences the system wrote before codes existed, and their codes.
PLAIN = {
    "The review was submitted.": "review_submitted",
    "A resubmitted review is no longer poor.": "review_no_longer_poor",
    "The corrective actions were verified as effective.": "plan_verified_effective",
    "The contract was renewed or terminated.": "contract_renewed_or_terminated",
}
DECIDED = re.compile(r"^Decision recorded: (Renew|Renegotiate|Terminate)\.$")
CLOSED = re.compile(r"^The commitment was closed \((Done|Cancelled)\) by (.+)\.$", re.DOTALL)


def _facts(text):
    if text in PLAIN:
        return PLAIN[text], {}
    if match := DECIDED.match(text):
        return "renewal_decided", {"decision": match[1].lower()}
    if match := CLOSED.match(text):
        status = "done" if match[1] == "Done" else "cancelled"
        return "commitment_closed", {"status": status, "user": match[2]}
    return None


def sentences_to_facts(apps, schema_editor):
    Escalation = apps.get_model("escalations", "Escalation")
    EscalationStep = apps.get_model("escalations", "EscalationStep")
    # Only what the system wrote: a resolving step with nobody as its actor.
    steps = EscalationStep.objects.filter(kind="resolved", actor__isnull=True, note_code="")
    for step in steps.exclude(note="").iterator():
        facts = _facts(step.note)
        if facts is None:
            continue
        code, params = facts
        EscalationStep.objects.filter(pk=step.pk).update(note="", note_code=code, note_params=params)
        Escalation.objects.filter(pk=step.escalation_id, resolution=step.note).update(
            resolution="", resolution_code=code, resolution_params=params
        )


def facts_to_sentences(apps, schema_editor):
    from django.utils import translation

    from escalations.messages import render

    Escalation = apps.get_model("escalations", "Escalation")
    EscalationStep = apps.get_model("escalations", "EscalationStep")
    with translation.override("en"):
        for escalation in Escalation.objects.exclude(resolution_code="").iterator():
            text = render(escalation.resolution_code, escalation.resolution_params)
            Escalation.objects.filter(pk=escalation.pk).update(resolution=text)
        for step in EscalationStep.objects.filter(kind="resolved").exclude(note_code="").iterator():
            note = render(step.note_code, step.note_params)
            EscalationStep.objects.filter(pk=step.pk).update(note=note, note_code="")


class Migration(migrations.Migration):
    dependencies = [
        ("escalations", "0003_summary_and_notes_as_facts"),
    ]

    operations = [
        migrations.AddField(
            model_name="escalation",
            name="resolution_code",
            field=models.CharField(blank=True, max_length=40, verbose_name="resolution code"),
        ),
        migrations.AddField(
            model_name="escalation",
            name="resolution_params",
            field=models.JSONField(blank=True, default=dict, verbose_name="resolution facts"),
        ),
        migrations.RunPython(sentences_to_facts, facts_to_sentences),
    ]
