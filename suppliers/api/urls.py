from rest_framework.routers import DefaultRouter

from suppliers.api import views

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("suppliers", views.SupplierViewSet, basename="supplier")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("key-account-owners", views.KeyAccountOwnerViewSet, basename="key-account-owner")

urlpatterns = router.urls
