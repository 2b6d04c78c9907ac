"""The supplier's survey: a signed link that expires, answered once, without an account."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from notifications.choices import NotificationKind
from notifications.models import Notification
from notifications.services import notification_deliver
from reviews.models import Review, SupplierSurvey, SurveyAnswer
from reviews.services.surveys import (
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
    # The outbox names the survey; the link is made only into the email.
    assert notification.url == "" and notification.link_ref == f"reviews.survey:{survey.pk}"
    notification_deliver(notification_id=notification.pk)
    assert len(mail.outbox) == 1
    assert f"/reviews/survey/{survey.pk}:" in mail.outbox[0].body


def test_a_signed_in_user_of_ours_is_refused_the_survey_page(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., User]
) -> None:
    survey = SupplierSurvey.objects.get(review=make_review())
    url = f"/reviews/survey/{survey_token(survey)}/"
    for role in (Role.PROCUREMENT_MANAGER, Role.ACCOUNT_MANAGER, Role.EXECUTIVE, None):
        user = make_user(*([role] if role else []), is_superuser=role is None)
        client = Client()
        client.force_login(user)
        for response in (client.get(url), client.post(url, ANSWER)):
            assert response.status_code == 403
            assert "Sign out" in response.content.decode()
    assert not SurveyAnswer.objects.filter(survey=survey).exists()
    assert Client().get(url).status_code == 200  # the supplier, signed out, still answers


def test_no_buyer_visible_surface_holds_the_survey_link(
    setup: Setup, make_review: Callable[..., Review], make_user: Callable[..., User]
) -> None:
    survey = SupplierSurvey.objects.get(review=make_review())
    token = f"/reviews/survey/{survey.pk}:"  # any link to this survey, whenever signed
    notification = Notification.objects.get(kind=NotificationKind.SUPPLIER_SURVEY)
    root = make_user(is_superuser=True, is_staff=True)
    client = Client()
    client.force_login(root)
    for url in (
        "/admin/notifications/notification/",
        f"/admin/notifications/notification/{notification.pk}/change/",
        f"/admin/notifications/notification/{notification.pk}/history/",
        "/admin/pghistory/events/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert token not in response.content.decode(), url
    notification_deliver(notification_id=notification.pk)
    assert token in mail.outbox[0].body  # the supplier's email has it: the detector works


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
