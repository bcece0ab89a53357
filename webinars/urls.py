from django.urls import path

from . import views

app_name = "webinars"

urlpatterns = [
    path("", views.webinar_list, name="list"),
    path("calendar/", views.my_calendar, name="my-calendar"),
    path("calendar/<str:token>.ics", views.member_feed, name="member-feed"),
    path("<slug:slug>/", views.webinar_detail, name="detail"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/cancel/", views.cancel, name="cancel"),
    path("<slug:slug>/calendar.ics", views.webinar_ics, name="ics"),
    path("<slug:slug>/feedback/", views.feedback, name="feedback"),
    path("<slug:slug>/registrants/", views.registrants, name="registrants"),
    path("<slug:slug>/registrants.csv", views.registrants_csv, name="registrants-csv"),
    path("<slug:slug>/attendance/", views.attendance, name="attendance"),
    path("<slug:slug>/reschedule/", views.reschedule, name="reschedule"),
]
