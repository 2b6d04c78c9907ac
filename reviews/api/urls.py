from rest_framework.routers import DefaultRouter

from reviews.api import views

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ has its own root (srm.api_urls)
router.register("review-templates", views.ScorecardTemplateViewSet, basename="review-template")
router.register("reviews", views.ReviewViewSet, basename="review")
router.register("review-scores", views.ReviewScoreViewSet, basename="review-score")
router.register(
    "corrective-action-plans", views.CorrectiveActionPlanViewSet, basename="corrective-action-plan"
)
router.register("deliveries", views.DeliveryLineViewSet, basename="delivery")
router.register("kpi-values", views.KpiValueViewSet, basename="kpi-value")
router.register("survey-answers", views.SurveyAnswerViewSet, basename="survey-answer")

urlpatterns = router.urls
