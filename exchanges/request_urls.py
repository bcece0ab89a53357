from django.urls import path

from . import request_views as views

app_name = "requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("for-my-hub/", views.for_my_hub, name="for-my-hub"),
    path("<slug:slug>/", views.request_detail, name="detail"),
    path("<slug:slug>/edit/", views.request_edit, name="edit"),
    path("<slug:slug>/close/", views.request_close, name="close"),
    path("<slug:slug>/offer/", views.offer, name="offer"),
    path("<slug:slug>/broker/", views.broker, name="broker"),
    path("<slug:slug>/matches/<int:pk>/accept/", views.match_accept, name="match-accept"),
    path("<slug:slug>/matches/<int:pk>/decline/", views.match_decline, name="match-decline"),
]
