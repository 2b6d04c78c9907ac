"""The inbox and email preferences. Everyone signed in to the pages has an inbox; each view
reads or writes the signed-in person's own notifications only."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import User
from core.pages import paginate
from notifications.filtersets import NotificationFilterSet
from notifications.forms import EmailPreferenceForm
from notifications.selectors import email_preference_map, notification_get, notification_list
from notifications.services import email_preference_set, notification_mark_read

PAGE_SIZE = 30


def _actor(request: HttpRequest) -> User:
    # Every page here sits behind sign-in (LoginRequiredMiddleware), so the user is real.
    return cast(User, request.user)


def _back(request: HttpRequest) -> str:
    """The inbox page the form was posted from (its page and filter), else the inbox."""
    url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("notifications:inbox")


class NotificationListView(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        filterset = NotificationFilterSet(
            request.GET, queryset=notification_list(user=request.user)
        )
        page = paginate(request, filterset.qs, per_page=PAGE_SIZE)
        return render(
            request,
            "notifications/notification_list.html",
            {
                "page_obj": page,
                "notifications": list(page.object_list),
                "unread_only": filterset.form.cleaned_data.get("unread") is True,
            },
        )


class NotificationMarkReadView(View):
    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = notification_get(user=request.user, pk=pk)  # another's: 404
        notification_mark_read(user=_actor(request), notification_ids=[notification.pk])
        return redirect(_back(request))


class NotificationMarkAllReadView(View):
    def post(self, request: HttpRequest) -> HttpResponse:
        marked = notification_mark_read(user=_actor(request))
        if marked:
            messages.success(request, _("Every notification is marked read."))
        return redirect(_back(request))


class EmailPreferenceView(View):
    template_name = "notifications/email_preferences.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        form = EmailPreferenceForm(initial=email_preference_map(user=request.user))
        return render(request, self.template_name, {"form": form})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EmailPreferenceForm(request.POST)
        if form.is_valid():
            user = _actor(request)
            for kind, email in form.chosen().items():
                email_preference_set(user=user, kind=kind, email=email)
            messages.success(request, _("Your email preferences are saved."))
            return redirect("notifications:preferences")
        return render(request, self.template_name, {"form": form})
