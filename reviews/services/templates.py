"""Scorecard templates: a change makes the next version, which becomes the current one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from reviews import scoring
from reviews.choices import CriterionSource
from reviews.models import Criterion, ScorecardTemplate, StandingBand
from reviews.permissions import may_revise_template


@dataclass
class CriterionInput:
    """One criterion of a template version, as typed in; a rated one names no KPI."""

    key: str
    name: str
    weight: Decimal
    source: str = CriterionSource.RATED
    guidance: list[str] = field(default_factory=list)
    kpi_code: str = ""
    kpi_best: Decimal | None = None
    kpi_worst: Decimal | None = None


@dataclass
class BandInput:
    """A standing's score band: from ``lower`` to below ``upper`` (0..100)."""

    standing: str
    lower: Decimal
    upper: Decimal


def _check_template(criteria: Sequence[CriterionInput], bands: Sequence[BandInput]) -> None:
    scoring.check_weights([Decimal(str(row.weight)) for row in criteria])
    scoring.check_bands(
        [(row.standing, Decimal(str(row.lower)), Decimal(str(row.upper))) for row in bands]
    )
    keys = [row.key for row in criteria]
    if len(set(keys)) != len(keys):
        raise ValidationError({"criteria": _("Each criterion key is used once.")})


def _write_template(
    template: ScorecardTemplate,
    criteria: Sequence[CriterionInput],
    bands: Sequence[BandInput],
) -> None:
    template.full_clean()
    template.save()
    for position, row in enumerate(criteria):
        rated = row.source == CriterionSource.RATED
        criterion = Criterion(
            template=template,
            position=position,
            key=row.key,
            name=row.name,
            weight=row.weight,
            source=row.source,
            guidance=list(row.guidance),
            kpi_code="" if rated else row.kpi_code,
            kpi_best=None if rated else row.kpi_best,
            kpi_worst=None if rated else row.kpi_worst,
        )
        criterion.full_clean(exclude=["template"])
        criterion.save()
    for band_row in bands:
        band = StandingBand(
            template=template,
            standing=band_row.standing,
            lower=band_row.lower,
            upper=band_row.upper,
        )
        band.full_clean(exclude=["template"])
        band.save()


def template_rows(template: ScorecardTemplate) -> tuple[list[CriterionInput], list[BandInput]]:
    """A template version's criteria and bands as inputs: the starting point of a change."""
    criteria = [
        CriterionInput(
            key=criterion.key,
            name=criterion.name,
            weight=criterion.weight,
            source=criterion.source,
            guidance=list(criterion.guidance or []),
            kpi_code=criterion.kpi_code,
            kpi_best=criterion.kpi_best,
            kpi_worst=criterion.kpi_worst,
        )
        for criterion in template.criteria.order_by("position", "id")
    ]
    bands = [
        BandInput(standing=band.standing, lower=band.lower, upper=band.upper)
        for band in template.bands.order_by("lower")
    ]
    return criteria, bands


@transaction.atomic
def template_revise(
    *,
    template: ScorecardTemplate,
    criteria: Sequence[CriterionInput],
    bands: Sequence[BandInput],
    description: str | None = None,
    by: User,
) -> ScorecardTemplate:
    """Makes the next version of a template with these criteria and bands; it becomes the
    current one. Reviews already started keep the version they were started with."""
    if not may_revise_template(by):
        raise PermissionDenied
    _check_template(criteria, bands)
    current = (
        ScorecardTemplate.objects.select_for_update()
        .filter(name=template.name)
        .order_by("-version")
        .first()
    )
    latest = current.version if current is not None else template.version
    ScorecardTemplate.objects.filter(name=template.name, is_current=True).update(is_current=False)
    new = ScorecardTemplate(
        name=template.name,
        version=latest + 1,
        is_current=True,
        description=template.description if description is None else description,
        created_by=by,
    )
    _write_template(new, criteria, bands)
    return new


def current_template(name: str) -> ScorecardTemplate:
    template = ScorecardTemplate.objects.filter(name=name, is_current=True).first()
    if template is None:
        raise ValidationError(
            {"template": _("No current scorecard template named %(name)s.") % {"name": name}}
        )
    return template


def bands_of(template_id: int) -> list[tuple[str, Decimal, Decimal]]:
    return list(
        StandingBand.objects.filter(template_id=template_id).values_list(
            "standing", "lower", "upper"
        )
    )
