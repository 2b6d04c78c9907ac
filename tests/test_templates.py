"""No template decides by comparing a stored value with a literal: it asks what the user may do
(``{% allowed_actions obj as can %}``) or a model's display property (``is_open``,
``is_owner``), so a lifecycle change is made in one place (the app's choices and permissions)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

FIELDS = r"(status|state|kind|phase|stage|role|level|severity|reason|side)[a-z_]*"
LITERAL = r"""['"][a-z_]+['"]"""
COMPARES = re.compile(
    rf"{FIELDS}\s*(==|!=|in|not in)\s*{LITERAL}|{LITERAL}\s*(==|!=)\s*[\w.]*{FIELDS}\b"
)


def test_no_template_compares_a_status_or_role_with_a_literal() -> None:
    root = Path(settings.BASE_DIR) / "templates"
    found = [
        f"{path.relative_to(root)}:{number}: {match.group(0)}"
        for path in sorted(root.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        for match in COMPARES.finditer(line)
    ]

    assert found == []


def test_the_check_finds_the_comparisons_it_forbids() -> None:
    for line in (
        '{% if rfp.status == "draft" %}',
        "{% if commitment.status != 'open' %}",
        '{% if ownership.role == "owner" %}',
        '{% if "awarded" == invitation.rfp.status %}',
        '{% if step.kind == "notified" %}',
    ):
        assert COMPARES.search(line), line
    assert not COMPARES.search("{% if can.award %}")
    assert not COMPARES.search('{% translate "Status" %}')
