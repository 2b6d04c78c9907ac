from django.urls import path

from rfps import respond_views, views

app_name = "rfps"

urlpatterns = [
    path("", views.RfpListView.as_view(), name="rfp_list"),
    path("new/", views.RfpFormView.as_view(), name="rfp_create"),
    path("<int:pk>/", views.RfpDetailView.as_view(), name="rfp_detail"),
    path("<int:pk>/edit/", views.RfpFormView.as_view(), name="rfp_edit"),
    path("<int:pk>/publish/", views.RfpActionView.as_view(action="publish"), name="rfp_publish"),
    path("<int:pk>/cancel/", views.RfpActionView.as_view(action="cancel"), name="rfp_cancel"),
    path("<int:pk>/close/", views.RfpActionView.as_view(action="close"), name="rfp_close"),
    path(
        "<int:pk>/clarifications/<int:clarification_id>/answer/",
        views.ClarificationAnswerView.as_view(),
        name="clarification_answer",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_id>/resend/",
        views.InvitationResendView.as_view(),
        name="invitation_resend",
    ),
    path(
        "<int:pk>/invitations/<int:invitation_id>/proposal/",
        views.ProposalEnterView.as_view(),
        name="proposal_enter",
    ),
    path(
        "<int:pk>/files/<int:attachment_id>/",
        views.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path("<int:pk>/compare/", views.ComparisonView.as_view(), name="rfp_compare"),
    path("<int:pk>/score/", views.ScoreSheetView.as_view(), name="rfp_score"),
    path("<int:pk>/rounds/new/", views.RoundCreateView.as_view(), name="round_create"),
    path("<int:pk>/award/", views.AwardView.as_view(), name="rfp_award"),
    # The supplier's side: the signed token is the only key.
    path("respond/<str:token>/", respond_views.RespondView.as_view(), name="respond"),
    path(
        "respond/<str:token>/attach/",
        respond_views.RespondActionView.as_view(action="attach"),
        name="respond_attach",
    ),
    path(
        "respond/<str:token>/remove/",
        respond_views.RespondActionView.as_view(action="remove"),
        name="respond_remove",
    ),
    path(
        "respond/<str:token>/ask/",
        respond_views.RespondActionView.as_view(action="ask"),
        name="respond_ask",
    ),
    path(
        "respond/<str:token>/decline/",
        respond_views.RespondActionView.as_view(action="decline"),
        name="respond_decline",
    ),
    path(
        "respond/<str:token>/files/<int:attachment_id>/",
        respond_views.RespondDownloadView.as_view(),
        name="respond_download",
    ),
]
