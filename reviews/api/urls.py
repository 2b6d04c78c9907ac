from rest_framework.routers import DefaultRouter

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)

urlpatterns = router.urls
