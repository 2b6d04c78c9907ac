"""The supplier's survey of us: sent to their primary contact with each review cycle, through a
signed link that expires (no account needed), answered once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import DomainError
from core.text import LazyFormat
from notifications import links
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_create_external
from reviews.models import Review, SupplierSurvey, SurveyAnswer
from suppliers.models import Contact

_SALT = "reviews.survey"
NAMESPACE = "reviews.survey"


class SurveyLinkError(DomainError):
    """The link is not one of ours, or it has expired."""

    code = "survey_link_invalid"
    status_code = 404


class SurveyAnsweredError(DomainError):
    code = "survey_answered"
    status_code = 409


def _max_age() -> timedelta:
    return timedelta(days=settings.REVIEW_SURVEY_DAYS)


def survey_token(survey: SupplierSurvey) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(str(survey.pk))


def survey_url(survey: SupplierSurvey) -> str:
    path = reverse("reviews:survey_answer", args=[survey_token(survey)])
    return settings.SITE_URL.rstrip("/") + path


def build_link(pk: int, notification: Notification) -> str | None:
    """The survey's link, made as its email is sent (the outbox stores none); only for the
    address the survey was sent to."""
    survey = SupplierSurvey.objects.filter(pk=pk).first()
    if survey is None or survey.email.lower() != notification.email_to.strip().lower():
        return None
    return survey_url(survey)


def survey_from_token(token: str) -> SupplierSurvey:
    """The survey a link points at, or SurveyLinkError when it is forged or expired."""
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=_max_age())
    except signing.SignatureExpired:
        raise SurveyLinkError(_("This survey link has expired.")) from None
    except signing.BadSignature:
        raise SurveyLinkError(_("This survey link is not valid.")) from None
    survey = SupplierSurvey.objects.select_related("supplier", "answer").filter(pk=int(pk)).first()
    if survey is None:
        raise SurveyLinkError(_("This survey link is not valid."))
    return survey


def survey_send(*, review: Review) -> SupplierSurvey | None:
    """Sends the supplier's primary contact the survey of this review cycle; None when the
    supplier has no primary contact with an email, or the cycle's survey exists."""
    contact = (
        Contact.objects.filter(supplier_id=review.supplier_id, is_primary=True)
        .exclude(email="")
        .first()
    )
    if contact is None or SupplierSurvey.objects.filter(review=review).exists():
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            survey = SupplierSurvey.objects.create(
                review=review,
                supplier_id=review.supplier_id,
                contact=contact,
                email=contact.email,
                sent_at=now,
                expires_at=now + _max_age(),
            )
    except IntegrityError:
        return None
    notification_create_external(
        email=contact.email,
        name=contact.name,
        language=contact.preferred_language,
        kind=NotificationKind.SUPPLIER_SURVEY,
        subject=survey,
        occasion="sent",
        title=LazyFormat(
            gettext_lazy("How are we doing as your customer? Four questions for %(supplier)s"),
            supplier=review.supplier.name,
        ),
        body=gettext_lazy(
            "Please rate how we communicate, pay, forecast and collaborate with you. "
            "No account is needed; the link works once and expires."
        ),
        signed_link=links.reference(NAMESPACE, survey.pk),
    )
    return survey


@transaction.atomic
def survey_answer(
    *,
    survey: SupplierSurvey,
    communication: int,
    payment: int,
    forecasting: int,
    collaboration: int,
    comment: str = "",
) -> SurveyAnswer:
    """Records the one answer to a survey; a second is refused, as is an expired survey."""
    if timezone.now() >= survey.expires_at:
        raise SurveyLinkError(_("This survey link has expired."))
    if SurveyAnswer.objects.filter(survey=survey).exists():
        raise SurveyAnsweredError(_("This survey has been answered already. Thank you!"))
    answer = SurveyAnswer(
        survey=survey,
        communication=communication,
        payment=payment,
        forecasting=forecasting,
        collaboration=collaboration,
        comment=comment.strip(),
    )
    answer.full_clean(exclude=["survey"])
    try:
        with transaction.atomic():
            answer.save()
    except IntegrityError:
        raise SurveyAnsweredError(_("This survey has been answered already. Thank you!")) from None
    return answer
