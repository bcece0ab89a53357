"""The browsable API docs, served from the sidecar package: no outside network."""

from django.utils.csp import CSP
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularSwaggerSplitView

_DOCS_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # Swagger UI sets inline styles on its widgets.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}


@method_decorator(csp_override(_DOCS_CSP), name="dispatch")
class DocsView(SpectacularSwaggerSplitView):
    """Swagger UI served from the sidecar package: no outside network, no inline script."""
