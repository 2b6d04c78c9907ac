"""The supplier's survey: a signed link that expires, answered once, without an account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_deliver
from reviews.models import Review, SupplierSurvey, SurveyAnswer
from reviews.surveys import (
    SurveyAnsweredError,
    SurveyLinkError,
    survey_answer,
    survey_from_token,
    survey_token,
)
from tests.reviews.conftest import Setup

pytestmark = pytest.mark.django_db
ANSWER = {"communication": "4", "payment": "2", "forecasting": "3", "collaboration": "5"}


def test_the_primary_contact_is_emailed_a_link(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    review = make_review()
    survey = SupplierSurvey.objects.get(review=review)
    notification = Notification.objects.get(kind=NotificationKind.SUPPLIER_SURVEY)
    assert notification.recipient is None and notification.email_to == "anna@acme.example.com"
    assert survey_token(survey) in notification.url and notification.url.startswith("http")
    notification_deliver(notification_id=notification.pk)
    assert len(mail.outbox) == 1
    assert notification.url in mail.outbox[0].body


def test_a_supplier_without_a_primary_contact_gets_no_survey(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    setup.supplier.contacts.update(is_primary=False)
    make_review()
    assert not SupplierSurvey.objects.exists()


def test_the_contact_answers_through_the_link_once(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    survey = SupplierSurvey.objects.get(review=make_review())
    url = f"/reviews/survey/{survey_token(survey)}/"
    client = Client()  # nobody signed in
    assert client.get(url).status_code == 200
    response = client.post(url, {**ANSWER, "comment": "Forecasts are late"})
    assert response.status_code == 200
    answer = SurveyAnswer.objects.get(survey=survey)
    assert (answer.communication, answer.payment, answer.average) == (4, 2, 3.5)
    # The same link again: refused, and the first answer stands.
    assert client.get(url).status_code == 409
    assert client.post(url, {**ANSWER, "payment": "5"}).status_code == 409
    assert SurveyAnswer.objects.get(survey=survey).payment == 2


def test_an_expired_link_is_refused(setup: Setup, make_review: Callable[..., Review]) -> None:
    survey = SupplierSurvey.objects.get(review=make_review())
    token = survey_token(survey)
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        with pytest.raises(SurveyLinkError):
            survey_from_token(token)
        assert Client().post(f"/reviews/survey/{token}/", ANSWER).status_code == 404
        with pytest.raises(SurveyLinkError):
            survey_answer(survey=survey, communication=3, payment=3, forecasting=3, collaboration=3)
    assert not SurveyAnswer.objects.exists()


def test_a_forged_link_is_refused(setup: Setup, make_review: Callable[..., Review]) -> None:
    survey = SupplierSurvey.objects.get(review=make_review())
    assert Client().get(f"/reviews/survey/{survey.pk}:forged/").status_code == 404
    token = survey_token(survey)
    other = token.replace(f"{survey.pk}:", f"{survey.pk + 1}:", 1)
    with pytest.raises(SurveyLinkError):
        survey_from_token(other)


def test_answers_outside_1_to_5_are_refused(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    survey = SupplierSurvey.objects.get(review=make_review())
    response = Client().post(f"/reviews/survey/{survey_token(survey)}/", {**ANSWER, "payment": "9"})
    assert response.status_code == 400
    assert not SurveyAnswer.objects.exists()


def test_a_second_answer_through_the_service_is_refused(
    setup: Setup, make_review: Callable[..., Review]
) -> None:
    survey = SupplierSurvey.objects.get(review=make_review())
    survey_answer(survey=survey, communication=3, payment=3, forecasting=3, collaboration=3)
    with pytest.raises(SurveyAnsweredError):
        survey_answer(survey=survey, communication=5, payment=5, forecasting=5, collaboration=5)
