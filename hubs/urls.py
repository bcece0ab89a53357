from django.urls import path

from . import assessment_views, views

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
    path("<slug:slug>/self-assessment/", assessment_views.index, name="assessments"),
    path("<slug:slug>/self-assessment/start/", assessment_views.start, name="assessment-start"),
    path("<slug:slug>/self-assessment/<int:pk>/", assessment_views.take, name="assessment-take"),
    path(
        "<slug:slug>/self-assessment/<int:pk>/submit/",
        assessment_views.submit,
        name="assessment-submit",
    ),
    path(
        "<slug:slug>/self-assessment/<int:pk>/result/",
        assessment_views.result,
        name="assessment-result",
    ),
    path(
        "<slug:slug>/self-assessment/<int:pk>/sharing/",
        assessment_views.visibility,
        name="assessment-visibility",
    ),
    path(
        "<slug:slug>/self-assessment/<int:pk>/export.json",
        assessment_views.export_json,
        name="assessment-json",
    ),
    path(
        "<slug:slug>/self-assessment/<int:pk>/export.csv",
        assessment_views.export_csv,
        name="assessment-csv",
    ),
    path("<slug:slug>/road-map/", assessment_views.roadmap, name="roadmap"),
    path("<slug:slug>/road-map/<int:step_pk>/", assessment_views.roadmap_step, name="roadmap-step"),
]
