from django.urls import path

from meetings import views

app_name = "meetings"

urlpatterns = [
    path("", views.MeetingListView.as_view(), name="meeting_list"),
    path("log/", views.MeetingLogView.as_view(), name="meeting_log"),
    path("log/suppliers/", views.SupplierSearchView.as_view(), name="supplier_search"),
    path("log/contacts/", views.SupplierContactsView.as_view(), name="supplier_contacts"),
    path("<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("<int:pk>/edit/", views.MeetingUpdateView.as_view(), name="meeting_update"),
    path("<int:pk>/delete/", views.MeetingDeleteView.as_view(), name="meeting_delete"),
    path("commitments/", views.CommitmentListView.as_view(), name="commitment_list"),
    path("commitments/mine/", views.CommitmentMineView.as_view(), name="commitment_mine"),
    path(
        "commitments/<int:pk>/complete/",
        views.CommitmentCompleteView.as_view(),
        name="commitment_complete",
    ),
    path(
        "commitments/<int:pk>/cancel/",
        views.CommitmentCancelView.as_view(),
        name="commitment_cancel",
    ),
    path("policies/", views.EngagementPolicyListView.as_view(), name="policy_list"),
    path(
        "policies/<int:pk>/edit/",
        views.EngagementPolicyUpdateView.as_view(),
        name="policy_update",
    ),
    path("overdue-contact/", views.SupplierOverdueContactView.as_view(), name="overdue_contact"),
    path("single-threaded/", views.SupplierSingleThreadedView.as_view(), name="single_threaded"),
]
