"""The versioned REST API: /api/v1/. Each app adds its router here."""

from django.urls import include, path
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core.api.changes import ChangeFeedView

app_name = "api"


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request: Request) -> Response:
    """The entry points of the API."""
    names = {
        "me": "api:me",
        "changes": "api:change-list",
        "suppliers": "api:supplier-list",
        "contacts": "api:contact-list",
        "categories": "api:category-list",
        "key-account-owners": "api:key-account-owner-list",
        "meetings": "api:meeting-list",
        "commitments": "api:commitment-list",
        "escalations": "api:escalation-list",
        "contracts": "api:contract-list",
        "obligations": "api:obligation-list",
        "benefits": "api:benefit-list",
        "contract-documents": "api:contract-document-list",
        "exchange-rates": "api:exchange-rate-list",
        "review-templates": "api:review-template-list",
        "reviews": "api:review-list",
        "review-scores": "api:review-score-list",
        "corrective-action-plans": "api:corrective-action-plan-list",
        "deliveries": "api:delivery-list",
        "kpi-values": "api:kpi-value-list",
        "survey-answers": "api:survey-answer-list",
        "rfps": "api:rfp-list",
        "rfp-invitations": "api:rfp-invitation-list",
        "rfp-proposals": "api:rfp-proposal-list",
        "rfp-scores": "api:rfp-score-list",
        "notifications": "api:notification-list",
        "webhook-endpoints": "api:webhook-endpoint-list",
        "webhook-deliveries": "api:webhook-delivery-list",
        "reports": "api:report-dashboard",
        "schema": "api-schema",
        "docs": "api-docs",
    }
    return Response({key: reverse(name, request=request) for key, name in names.items()})


# Like /me/, the root holds no data: any token reads it, whatever its scopes (accounts/scopes.py).
api_root.cls.token_scope = "me"  # type: ignore[attr-defined]  # noqa: S105 - a scope name


urlpatterns = [
    path("", api_root, name="root"),
    # The change feed (issue 16): what changed, deletions included, in commit-safe order.
    path("changes/", ChangeFeedView.as_view(), name="change-list"),
    path("", include("accounts.api.urls")),
    path("", include("suppliers.api.urls")),
    path("", include("meetings.api.urls")),
    path("", include("escalations.api.urls")),
    path("", include("notifications.api.urls")),
    path("", include("contracts.api.urls")),
    path("", include("reviews.api.urls")),
    path("", include("rfps.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("webhooks.api.urls")),
]
