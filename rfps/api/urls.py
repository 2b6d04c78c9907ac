from rest_framework.routers import DefaultRouter

from rfps.api import views

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("rfps", views.RfpViewSet, basename="rfp")
router.register("rfp-invitations", views.InvitationViewSet, basename="rfp-invitation")
router.register("rfp-proposals", views.ProposalViewSet, basename="rfp-proposal")
router.register("rfp-scores", views.ScoreViewSet, basename="rfp-score")

urlpatterns = router.urls
