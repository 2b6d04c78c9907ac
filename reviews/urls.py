from django.urls import path

from reviews import survey_views, views

app_name = "reviews"

urlpatterns = [
    path("", views.ReviewListView.as_view(), name="review_list"),
    path("mine/", views.ReviewMineView.as_view(), name="review_mine"),
    path("<int:pk>/", views.ReviewDetailView.as_view(), name="review_detail"),
    path("<int:pk>/scores/", views.ReviewScoreView.as_view(), name="review_score"),
    path("<int:pk>/submit/", views.ReviewSubmitView.as_view(), name="review_submit"),
    path("<int:pk>/reopen/", views.ReviewReopenView.as_view(), name="review_reopen"),
    path("<int:pk>/raters/", views.ReviewInviteView.as_view(), name="review_invite"),
    path(
        "suppliers/<int:supplier_pk>/",
        views.SupplierScorecardView.as_view(),
        name="supplier_scorecard",
    ),
    path("templates/", views.TemplateListView.as_view(), name="template_list"),
    path("templates/<int:pk>/", views.TemplateDetailView.as_view(), name="template_detail"),
    path("actions/", views.PlanListView.as_view(), name="plan_list"),
    path("actions/<int:pk>/", views.PlanDetailView.as_view(), name="plan_detail"),
    path("actions/<int:pk>/add/", views.ActionAddView.as_view(), name="action_add"),
    path("actions/<int:pk>/verify/", views.PlanVerifyView.as_view(), name="plan_verify"),
    path("actions/item/<int:pk>/status/", views.ActionStatusView.as_view(), name="action_status"),
    path("survey/<str:token>/", survey_views.SurveyAnswerView.as_view(), name="survey_answer"),
]
