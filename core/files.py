"""Members' files leave the portal only through here, never from MEDIA_URL.

Each app registers the file fields it owns (in its AppConfig.ready) with a predicate saying
who may see the owning object. ``serve`` answers /files/<kind>/<pk>/<name>: 404 unless the
viewer may see it; raster images inline (unless the kind says not), everything else as a
download; always ``nosniff`` and a sandbox CSP, with the type read from the file's content,
never from its name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from .uploads import POLICIES, TYPES, FileType, download_name, sniff

SANDBOX_CSP = "default-src 'none'; sandbox"
PUBLIC_MAX_AGE = 24 * 3600  # a new file gets a new name, hence a new URL


@dataclass(frozen=True)
class FileKind:
    kind: str
    model: str  # "app_label.ModelName"
    field: str
    can_view: Callable  # (user, obj) -> bool
    is_public: Callable  # (obj) -> bool: may shared caches keep it?
    select_related: tuple[str, ...]
    filename: Callable | None  # (obj) -> the name offered for the download
    inline_images: bool = True  # False: even an image is only ever a download


_KINDS: dict[str, FileKind] = {}
_BY_FIELD: dict[tuple[str, str], str] = {}


def register_file_kind(
    kind: str,
    *,
    model: str,
    field: str,
    can_view: Callable,
    is_public: Callable = lambda obj: False,
    select_related: tuple[str, ...] = (),
    filename: Callable | None = None,
    inline_images: bool = True,
) -> None:
    _KINDS[kind] = FileKind(
        kind, model, field, can_view, is_public, select_related, filename, inline_images
    )
    _BY_FIELD[(model.lower(), field)] = kind


def file_url(instance, field_name: str) -> str:
    """The one URL a member's file is reached by (``FieldFile.url`` returns it)."""
    kind = _BY_FIELD[(instance._meta.label_lower, field_name)]
    name = posixpath.basename(getattr(instance, field_name).name)
    return reverse("user-file", kwargs={"kind": kind, "pk": instance.pk, "name": name})


def file_response(
    field_file,
    *,
    policy: str,
    filename: str | None = None,
    public: bool = False,
    inline_images: bool = True,
) -> FileResponse:
    """Stream a stored file safely; 404 if it is missing or not a type its policy allows."""
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    key = sniff(handle)  # what it is now, whatever was recorded or its name says
    if key not in POLICIES[policy].types:
        handle.close()
        raise Http404
    file_type: FileType = TYPES[key]
    response = FileResponse(
        handle,
        as_attachment=not (inline_images and file_type.image),
        filename=download_name(filename or posixpath.basename(field_file.name), file_type),
        content_type=file_type.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    if public:
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def serve(request, kind: str, pk: int, name: str):
    spec = _KINDS.get(kind)
    if spec is None:
        raise Http404
    model = apps.get_model(spec.model)
    objects = model._default_manager.filter(pk=pk)
    if spec.select_related:
        objects = objects.select_related(*spec.select_related)
    obj = objects.first()
    if obj is None:
        raise Http404
    field_file = getattr(obj, spec.field)
    if not field_file or posixpath.basename(field_file.name) != name:
        raise Http404
    if not spec.can_view(request.user, obj):
        raise Http404  # the same answer as for a file that does not exist
    return file_response(
        field_file,
        policy=model._meta.get_field(spec.field).policy,
        filename=spec.filename(obj) if spec.filename else None,
        public=spec.is_public(obj),
        inline_images=spec.inline_images,
    )
