from rest_framework.routers import DefaultRouter

from contracts.api import views

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("contracts", views.ContractViewSet, basename="contract")
router.register("obligations", views.ObligationViewSet, basename="obligation")
router.register("benefits", views.BenefitViewSet, basename="benefit")
router.register("contract-documents", views.DocumentViewSet, basename="contract-document")
router.register("exchange-rates", views.ExchangeRateViewSet, basename="exchange-rate")

urlpatterns = router.urls
