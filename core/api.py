"""Shared API pieces: pagination, filtering and the JSON error shape."""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext as _
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from .exceptions import RateLimited


class ErrorSerializer(serializers.Serializer):
    """The body of every error but field errors: ``{"detail": "…"}``."""

    detail = serializers.CharField()


class StrictCharField(serializers.CharField):
    """Text must come as a JSON string: DRF's CharField would quietly turn ``0`` into ``"0"``,
    which the schema (``type: string``) does not allow."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictModelSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose text fields are StrictCharFields."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }


class Pagination(PageNumberPagination):
    """``page`` and ``page_size`` must be whole numbers in range, or the answer is a 400.

    DRF quietly falls back to defaults for a bad value; the schema (and a client) then
    cannot tell what was served. A page past the last one is a 404, as in DRF.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def _number(self, request, name: str, maximum: int | None = None) -> int | None:
        raw = request.query_params.get(name)
        if raw is None:
            return None
        value = int(raw) if raw.isascii() and raw.isdigit() else 0
        if value < 1 or (maximum is not None and value > maximum):
            if maximum is None:
                message = _("Must be a whole number from 1.")
            else:
                message = _("Must be a whole number from 1 to %(maximum)s.") % {"maximum": maximum}
            raise exceptions.ValidationError({name: [message]})
        return value

    def get_page_size(self, request):
        return self._number(request, self.page_size_query_param, self.max_page_size) or (
            self.page_size
        )

    def get_page_number(self, request, paginator):
        return self._number(request, self.page_query_param) or 1

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["maximum"] = self.max_page_size
        return parameters


class FilterBackend(DjangoFilterBackend):
    """django-filter, except that a slug naming no object matches nothing (an empty list).

    Which slugs exist is data, not something the schema can list; any other invalid filter
    value (a choice, a number out of range) is still a 400.
    """

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if filterset.is_valid():
            return filterset.qs
        if all(
            isinstance(filterset.form.fields.get(name), forms.ModelChoiceField)
            and all(error.code == "invalid_choice" for error in errors)
            for name, errors in filterset.form.errors.as_data().items()
        ):
            return queryset.none()
        raise filter_utils.translate_validation(filterset.errors)


def exception_handler(exc, context):
    """DRF's handler, plus what services raise: Django's ValidationError as a 400,
    PermissionDenied as a 403 keeping its message, RateLimited as a 429 with Retry-After.

    Every error body is either ``{"detail": "…"}`` or ``{"field": ["…"], …}``.
    """
    if isinstance(exc, RateLimited):
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    return drf_exception_handler(exc, context)
