"""The reviews app's models, by sub-domain; import them from here."""

from reviews.models.erp import DeliveryLine, KpiValue
from reviews.models.plans import CorrectiveAction, CorrectiveActionPlan
from reviews.models.reviews import CriterionResult, Rater, Review, ReviewScore
from reviews.models.scorecards import Criterion, ReviewPolicy, ScorecardTemplate, StandingBand
from reviews.models.surveys import SupplierSurvey, SurveyAnswer

__all__ = [
    "CorrectiveAction",
    "CorrectiveActionPlan",
    "Criterion",
    "CriterionResult",
    "DeliveryLine",
    "KpiValue",
    "Rater",
    "Review",
    "ReviewPolicy",
    "ReviewScore",
    "ScorecardTemplate",
    "StandingBand",
    "SupplierSurvey",
    "SurveyAnswer",
]
