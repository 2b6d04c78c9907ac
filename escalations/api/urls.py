from rest_framework.routers import DefaultRouter

from escalations.api import views

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("escalations", views.EscalationViewSet, basename="escalation")

urlpatterns = router.urls
