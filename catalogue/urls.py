from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="search"),
    path("how-we-vet/", views.how_we_vet, name="how-we-vet"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.json", views.export_json, name="export-json"),
    path("<slug:slug>/", views.detail, name="detail"),
]
