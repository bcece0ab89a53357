"""Placeholder: to be written."""

from django.http import Http404


def request_list(request, *args, **kwargs):
    raise Http404


def request_new(request, *args, **kwargs):
    raise Http404


def for_my_hub(request, *args, **kwargs):
    raise Http404


def request_detail(request, *args, **kwargs):
    raise Http404


def request_edit(request, *args, **kwargs):
    raise Http404


def request_close(request, *args, **kwargs):
    raise Http404


def offer(request, *args, **kwargs):
    raise Http404


def broker(request, *args, **kwargs):
    raise Http404


def match_accept(request, *args, **kwargs):
    raise Http404


def match_decline(request, *args, **kwargs):
    raise Http404
