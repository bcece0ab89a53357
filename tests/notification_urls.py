"""A stand-in for another app's view that notifies inside its transaction."""

from django.db import transaction
from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal_urlpatterns
from notifications.services import notify


def reply(request):
    with transaction.atomic():
        notify(
            recipient=request.user, kind="notifications.announcement", payload={"title": "A reply"}
        )
    return HttpResponse("replied")


urlpatterns = [path("test/reply/", reply), *portal_urlpatterns]
