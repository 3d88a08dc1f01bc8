"""The interactive documentation (Swagger UI), served entirely from this server.

Swagger UI's files come from the ``swagger-ui-py`` package (its ``static``
folder is the swagger-ui-dist build), so ``pip install`` brings them and the page
works without internet access. The page has no inline script: Swagger UI is
started by :data:`INIT_SCRIPT`, a same-origin file, which lets
:data:`DOCS_CSP` allow scripts, styles and requests from this origin only.

The page answers at ``/docs`` and, as Litestar's documentation root, at
``/schema`` and ``/schema/swagger``; no other render plugin is enabled.
"""

from __future__ import annotations

import functools
import html
import importlib.util
from pathlib import Path
from typing import Any, Final

from litestar import MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.params import FromPath

__all__ = ["DOCS_CSP", "INIT_SCRIPT", "OfflineSwagger", "docs_asset", "docs_page", "render_page"]

ASSETS: Final = "/docs/assets"

DOCS_CSP: Final = "; ".join([
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    # Swagger UI's stylesheet draws its icons as data: SVGs
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
"""The Content-Security-Policy of every HTML page the server sends: nothing from elsewhere."""

INIT_SCRIPT: Final = b"""\
"use strict";
window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    // the default sends the document to an online validator
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
"""

_SWAGGER_FILES: Final = {
    "swagger-ui.css": MediaType.CSS,
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
_INIT_NAME: Final = "conezia-docs.js"


def _swagger_static() -> Path:
    # located without importing swagger_ui, whose import pulls in jinja2 and PyYAML
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or spec.origin is None:
        raise RuntimeError("the swagger-ui-py package is missing: reinstall Conezia")
    return Path(spec.origin).parent / "static"


@functools.cache
def _asset(name: str) -> tuple[bytes, str]:
    if name == _INIT_NAME:
        return INIT_SCRIPT, "text/javascript"
    return (_swagger_static() / name).read_bytes(), _SWAGGER_FILES[name]


def render_page(title: str, openapi_url: str) -> bytes:
    """The documentation page: Swagger UI's files and its start script, all from this origin.

    Args:
        title: the API's title.
        openapi_url: where the page fetches the OpenAPI document.

    Returns:
        The HTML.
    """
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<link rel="icon" type="image/png" sizes="32x32" href="{ASSETS}/favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="{ASSETS}/favicon-16x16.png">
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<script src="{ASSETS}/swagger-ui-bundle.js" defer></script>
<script src="{ASSETS}/{_INIT_NAME}" defer></script>
</head>
<body>
<div id="swagger-ui" data-openapi-url="{html.escape(openapi_url)}"></div>
</body>
</html>
""".encode()


class OfflineSwagger(OpenAPIRenderPlugin):
    """Litestar's documentation page at ``/schema`` and ``/schema/swagger``, made by :func:`render_page`."""

    def __init__(self, path: str = "/swagger") -> None:
        super().__init__(path=path)

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return render_page(openapi_schema["info"]["title"], self.get_openapi_json_route(request))


@get("/docs", media_type=MediaType.HTML, include_in_schema=False)
async def docs_page(request: Request[Any, Any, Any]) -> bytes:
    """The interactive API documentation (Swagger UI)."""
    config = request.app.openapi_config
    title = config.title if config is not None else "API"
    return render_page(title, OpenAPIRenderPlugin.get_openapi_json_route(request))


@get(f"{ASSETS}/{{name:str}}", include_in_schema=False)
async def docs_asset(name: FromPath[str]) -> Response[bytes]:
    """One of the documentation page's files."""
    if name != _INIT_NAME and name not in _SWAGGER_FILES:
        raise NotFoundException()
    content, media_type = _asset(name)
    return Response(
        content, media_type=media_type,
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
