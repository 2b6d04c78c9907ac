from rest_framework.routers import DefaultRouter

from notifications.api import views

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("notifications", views.NotificationViewSet, basename="notification")

urlpatterns = router.urls
