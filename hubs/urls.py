from django.urls import path

from . import views

app_name = "hubs"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.json", views.export_json, name="export-json"),
    path("proposals/", views.proposal_queue, name="proposals"),
    path("proposals/<int:pk>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:pk>/review/", views.proposal_review, name="proposal-review"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/history/", views.history, name="history"),
    path("<slug:slug>/propose/", views.propose, name="propose"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
]
