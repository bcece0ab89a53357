from django.urls import path

from . import views, workflow_views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="search"),
    path("how-we-vet/", views.how_we_vet, name="how-we-vet"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.json", views.export_json, name="export-json"),
    path("new/", workflow_views.create, name="create"),
    path("review/", workflow_views.queue, name="queue"),
    path("review/<int:pk>/", workflow_views.review, name="review"),
    path("review/<int:pk>/action/", workflow_views.review_action, name="review-action"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/edit/", workflow_views.edit, name="edit"),
    path("<slug:slug>/submit/", workflow_views.submit, name="submit"),
    path("<slug:slug>/files/", workflow_views.files, name="files"),
    path("<slug:slug>/replications/", views.add_replication, name="add-replication"),
    path("<slug:slug>/files/<int:pk>/", workflow_views.download, name="download"),
]
