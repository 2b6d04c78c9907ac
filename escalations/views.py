from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.permissions import capability_required
from accounts.roles import Capability
from escalations.models import Escalation


@capability_required(Capability.VIEW_PORTFOLIO)
def escalation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    escalation = get_object_or_404(
        Escalation.objects.select_related("supplier").prefetch_related("steps__actor"), pk=pk
    )
    return render(request, "escalations/escalation_detail.html", {"escalation": escalation})
