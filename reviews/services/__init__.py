"""Every write of reviews, by sub-domain: ``templates`` (scorecard versions), ``reviews``
(creating, scoring, submitting, reopening and what a poor result sets in motion), ``plans``
(corrective actions), ``surveys`` (the supplier's survey of us) and ``erp`` (delivery lines
and KPI values pushed in bulk). The public names are re-exported here."""

from reviews.services.erp import delivery_upsert_many, kpi_value_upsert_many
from reviews.services.plans import (
    PlanClosedError,
    action_add,
    action_set_status,
    plan_open,
    plan_update,
    plan_verify,
)
from reviews.services.reviews import (
    ReviewLockedError,
    ReviewNotRaterError,
    rater_invite,
    review_compute,
    review_create,
    review_reopen,
    review_stakeholders,
    review_submit,
    scores_save,
)
from reviews.services.surveys import (
    SurveyAnsweredError,
    SurveyLinkError,
    survey_answer,
    survey_from_token,
    survey_send,
    survey_url,
)
from reviews.services.templates import (
    BandInput,
    CriterionInput,
    bands_of,
    current_template,
    template_revise,
    template_rows,
)

__all__ = [
    "BandInput",
    "CriterionInput",
    "PlanClosedError",
    "ReviewLockedError",
    "ReviewNotRaterError",
    "SurveyAnsweredError",
    "SurveyLinkError",
    "action_add",
    "action_set_status",
    "bands_of",
    "current_template",
    "delivery_upsert_many",
    "kpi_value_upsert_many",
    "plan_open",
    "plan_update",
    "plan_verify",
    "rater_invite",
    "review_compute",
    "review_create",
    "review_reopen",
    "review_stakeholders",
    "review_submit",
    "scores_save",
    "survey_answer",
    "survey_from_token",
    "survey_send",
    "survey_url",
    "template_revise",
    "template_rows",
]
