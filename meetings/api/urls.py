from rest_framework.routers import DefaultRouter

from meetings.api import views

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("meetings", views.MeetingViewSet, basename="meeting")
router.register("commitments", views.CommitmentViewSet, basename="commitment")

urlpatterns = router.urls
