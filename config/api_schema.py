"""How the OpenAPI schema is made to say what the API really does, in one place.

drf-spectacular's defaults describe the happy path. Here, for every operation:

* ``security`` allows no credentials (``{}``) wherever the view's permissions let an
  anonymous visitor through, whatever the permission class is called;
* a field that can be empty (``""``) says so, even when it is read-only or a URL, e.g. a
  hub without a country or a result without evidence;
* the filters declare the values they accept (choices, bounds, lengths), as the
  filter forms check them;
* every error the API can answer is documented with its JSON body (``document_errors``):
  400, 401 and 429 everywhere, 403 where a request needs more than an anonymous read,
  404 where a path names an object or a list has pages, 415 where a body is read.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular import openapi
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
    "description": 'An error: `{"detail": "…"}`.',
}
INVALID = {
    "type": "object",
    "additionalProperties": {},
    "description": (
        'Invalid request, nothing done: `{"detail": "…"}` for an unreadable request '
        "(bad JSON, text with a NUL character, too many parameters…), or "
        '`{"field": ["message", …], …}` for field errors.'
    ),
}
ERRORS = {
    "400": ("InvalidRequest", "Invalid request: the parameters or the body, nothing done."),
    "401": ("Error", "The credentials given are wrong, or credentials are needed."),
    "403": ("Error", "Not allowed (e.g. e-mail address not verified, CSRF check failed)."),
    "404": ("Error", "No such object, or no such page of the list."),
    "415": ("Error", "The body's media type is not accepted."),
    "429": ("Error", "Too many requests: wait the seconds given in Retry-After."),
    "503": ("Error", "The portal is briefly unavailable: try again after Retry-After seconds."),
}


class AutoSchema(openapi.AutoSchema):
    def get_auth(self):
        auths = super().get_auth()
        if auths and {} not in auths and self._anonymous_allowed():
            auths.append({})
        return auths

    def _anonymous_allowed(self) -> bool:
        """Would this view's permissions let an anonymous visitor make this request?"""
        django_request = getattr(APIRequestFactory(), self.method.lower())(self.path)
        request = Request(django_request)
        request.user = AnonymousUser()
        try:
            return all(
                permission.has_permission(request, self.view)
                for permission in self.view.get_permissions()
            )
        except Exception:  # a permission that needs more than the request: not public
            return False

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        blank = _may_be_blank(field, direction)
        if blank and isinstance(field, openapi.serializers.ChoiceField):
            field = copy.copy(field)
            field.allow_blank = True  # read-only fields lose it; the enum then gains ""
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        # After the field validators are in (a URL validator adds "format": "uri").
        properties = schema.get("properties", {})
        for field in serializer.fields.values():
            prop = properties.get(field.field_name)
            if prop and _may_be_blank(field, direction) and not _admits_blank(prop):
                properties[field.field_name] = _or_blank(prop)
        return schema

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        filterset_class = getattr(self.view, "filterset_class", None)
        if not filterset_class:
            return parameters
        for parameter in parameters:
            filter_ = filterset_class.base_filters.get(parameter["name"])
            if filter_ is not None:
                _constrain(parameter["schema"], filter_.field)
        return parameters


def _model_field(field):
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return None
    try:
        return model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return None


def _may_be_blank(field, direction) -> bool:
    if getattr(field, "allow_blank", False):
        return True
    if direction != "response":
        return False
    model_field = _model_field(field)
    return isinstance(model_field, (models.CharField, models.TextField)) and model_field.blank


def _admits_blank(schema) -> bool:
    if schema.get("$ref", "").endswith("/BlankEnum") or schema.get("maxLength") == 0:
        return True
    if any(_admits_blank(branch) for key in ("oneOf", "anyOf") for branch in schema.get(key, [])):
        return True
    if "$ref" in schema or schema.get("type") != "string":
        return False
    if "format" in schema or schema.get("minLength") or schema.get("pattern"):
        return False
    return "enum" not in schema or "" in schema["enum"]


def _or_blank(schema):
    blank = {"type": "string", "enum": [""]}
    if schema.get("type") == "string" and "format" in schema:
        schema = dict(schema)
        format_ = schema.pop("format")
        return {**schema, "anyOf": [{"format": format_}, {"enum": [""]}]}
    kept = {key: schema.pop(key) for key in ("readOnly", "writeOnly", "description", "title")
            if key in schema}  # fmt: skip
    return {"anyOf": [schema, blank], **kept}


def _constrain(schema, form_field) -> None:
    """Declare what the filter's form field accepts; an empty value means no filter."""
    if isinstance(form_field, forms.ModelChoiceField):
        return  # any value: one that names nothing matches nothing (core.api.FilterBackend)
    if isinstance(form_field, forms.ChoiceField):
        values = [str(value) for value, _label in form_field.choices if value != ""]
        schema.pop("enum", None)
        schema.update({"type": "string", "enum": [*sorted(values), ""]})
        return
    if isinstance(form_field, forms.IntegerField):
        if form_field.min_value is not None:
            schema["minimum"] = form_field.min_value
        if form_field.max_value is not None:
            schema["maximum"] = form_field.max_value
    elif isinstance(form_field, forms.CharField) and form_field.max_length:
        schema["maxLength"] = form_field.max_length


def document_errors(result, generator, request, public):
    """Postprocessing hook: document every error status an operation can answer."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas["InvalidRequest"] = INVALID
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            codes = {"400", "401", "429", "503"}
            parameters = operation.get("parameters", [])
            if any(p["in"] == "path" for p in parameters) or any(
                p["name"] == "page" for p in parameters
            ):
                codes.add("404")
            if method not in ("get", "head") or {} not in operation.get("security", [{}]):
                codes.add("403")
            if "requestBody" in operation:
                codes.add("415")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                component, description = ERRORS[code]
                response = responses.setdefault(code, {"description": description})
                response.setdefault(
                    "content",
                    {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                )
            for code in ("429", "503"):
                if code in responses:
                    responses[code].setdefault(
                        "headers",
                        {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds."}},
                    )
    return result
