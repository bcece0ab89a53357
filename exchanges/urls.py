from django.urls import path

from . import dashboard_views, exchange_views

app_name = "exchanges"

urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("dashboard.csv", dashboard_views.dashboard_csv, name="dashboard-csv"),
    path("new/", exchange_views.exchange_new, name="new"),
    path("<slug:slug>/", exchange_views.exchange_detail, name="detail"),
    path("<slug:slug>/edit/", exchange_views.exchange_edit, name="edit"),
    path("<slug:slug>/status/", exchange_views.exchange_status, name="status"),
    path("<slug:slug>/results/", exchange_views.result_report, name="report"),
    path("<slug:slug>/rate/", exchange_views.rate, name="rate"),
    path("<slug:slug>/replicate/", exchange_views.replicate, name="replicate"),
]
