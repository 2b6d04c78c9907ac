"""The supplier's survey page, reached from the emailed link by someone without an account:
the signed link is the key (see reviews.services.surveys)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from core.forms import apply_errors
from reviews.forms import SurveyForm
from reviews.services import SurveyAnsweredError, SurveyLinkError, survey_answer, survey_from_token


@method_decorator(login_not_required, name="dispatch")
class SurveyAnswerView(View):
    """The page a supplier's contact reaches from the emailed link; the link is the key. A
    signed-in user of ours (the buying side) is refused, 403."""

    template_name = "reviews/survey_answer.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return render(request, "reviews/survey_signed_in.html", status=403)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            survey = survey_from_token(token)
        except SurveyLinkError as error:
            return self._closed(request, error.message, status=404)
        if hasattr(survey, "answer"):
            return self._closed(
                request, _("This survey has been answered already. Thank you!"), status=409
            )
        return render(request, self.template_name, {"survey": survey, "form": SurveyForm()})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            survey = survey_from_token(token)
        except SurveyLinkError as error:
            return self._closed(request, error.message, status=404)
        form = SurveyForm(request.POST)
        if form.is_valid():
            try:
                survey_answer(survey=survey, **form.cleaned_data)
            except (SurveyAnsweredError, SurveyLinkError) as error:
                return self._closed(request, error.message, status=error.status_code)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return render(request, "reviews/survey_thanks.html", {"survey": survey})
        return render(request, self.template_name, {"survey": survey, "form": form}, status=400)

    def _closed(self, request: HttpRequest, message: str, *, status: int) -> HttpResponse:
        return render(request, "reviews/survey_thanks.html", {"message": message}, status=status)
