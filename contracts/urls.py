from django.urls import path

from contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract_list"),
    path("new/", views.ContractCreateView.as_view(), name="contract_create"),
    path("renewals/", views.RenewalBoardView.as_view(), name="renewal_board"),
    path("<int:pk>/", views.ContractDetailView.as_view(), name="contract_detail"),
    path("<int:pk>/amend/", views.ContractAmendView.as_view(), name="contract_amend"),
    path("<int:pk>/activate/", views.ContractActivateView.as_view(), name="contract_activate"),
    path("<int:pk>/renew/", views.ContractRenewView.as_view(), name="contract_renew"),
    path("<int:pk>/terminate/", views.ContractTerminateView.as_view(), name="contract_terminate"),
    path("<int:pk>/renewal/", views.RenewalAdvanceView.as_view(), name="renewal_advance"),
    path("<int:pk>/obligations/", views.ObligationCreateView.as_view(), name="obligation_create"),
    path("<int:pk>/benefits/", views.BenefitCreateView.as_view(), name="benefit_create"),
    path("<int:pk>/documents/", views.DocumentUploadView.as_view(), name="document_upload"),
    path(
        "obligations/<int:pk>/record/",
        views.ObligationRecordView.as_view(),
        name="obligation_record",
    ),
    path(
        "benefits/<int:pk>/realisations/",
        views.RealisationRecordView.as_view(),
        name="realisation_record",
    ),
    path("documents/<int:pk>/", views.DocumentDownloadView.as_view(), name="document_download"),
]
