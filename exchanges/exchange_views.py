"""Placeholder: to be written."""

from django.http import Http404


def exchange_new(request, *args, **kwargs):
    raise Http404


def exchange_detail(request, *args, **kwargs):
    raise Http404


def exchange_edit(request, *args, **kwargs):
    raise Http404


def exchange_status(request, *args, **kwargs):
    raise Http404


def result_report(request, *args, **kwargs):
    raise Http404


def rate(request, *args, **kwargs):
    raise Http404


def replicate(request, *args, **kwargs):
    raise Http404
