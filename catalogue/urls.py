from django.urls import path

from . import views

app_name = "catalogue"

urlpatterns = [
    path("", views.catalogue, name="search"),
    path("how-we-vet/", views.how_we_vet, name="how-we-vet"),
    path("<slug:slug>/", views.detail, name="detail"),
]
