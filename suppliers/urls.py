from django.urls import path

from suppliers import views

app_name = "suppliers"

urlpatterns = [
    path("", views.SupplierListView.as_view(), name="supplier_list"),
    path("mine/", views.SupplierMineView.as_view(), name="supplier_mine"),
    path(
        "lacking-owner/",
        views.SupplierLackingOwnerView.as_view(),
        name="supplier_lacking_owner",
    ),
    path("new/", views.SupplierCreateView.as_view(), name="supplier_create"),
    path("<int:pk>/", views.SupplierDetailView.as_view(), name="supplier_detail"),
    path("<int:pk>/edit/", views.SupplierUpdateView.as_view(), name="supplier_update"),
    path(
        "<int:pk>/status/",
        views.SupplierStatusChangeView.as_view(),
        name="supplier_change_status",
    ),
    path("<int:pk>/contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path(
        "<int:pk>/contacts/<int:contact_pk>/edit/",
        views.ContactUpdateView.as_view(),
        name="contact_update",
    ),
    path(
        "<int:pk>/contacts/<int:contact_pk>/delete/",
        views.ContactDeleteView.as_view(),
        name="contact_delete",
    ),
    path("<int:pk>/owners/assign/", views.OwnershipAssignView.as_view(), name="ownership_assign"),
    path(
        "<int:pk>/owners/<int:ownership_pk>/end/",
        views.OwnershipEndView.as_view(),
        name="ownership_end",
    ),
]
