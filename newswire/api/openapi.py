"""The OpenAPI document says exactly what each operation accepts and how it answers.

FastAPI derives most of it from the routes. ``install`` corrects what it derives wrongly
for newswire, once, when the document is first asked for:

* a query, path or header parameter is never ``null``: an optional one is left out, so
  FastAPI's ``anyOf: [X, {"type": "null"}]`` for ``X | None`` becomes ``X``;
* a request that breaks what its operation declares is answered 400 with a problem body
  (``problems``), never with FastAPI's 422 ``HTTPValidationError``: those responses and
  their schemas go. A route that answers 422 itself (an item the parser refuses, a name
  that refers to nothing stored) declares it with ``problems.responses``.

The values a parameter takes are declared on the route from the table that decides them
(the format registry, the cursor's pattern), never written out by hand: ``RENDERED``,
``SINGLE``, ``READ`` below.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from newswire import formats
from newswire.delivery import cursor
from newswire.errors import BadInput
from newswire.validation import LANGUAGE_TAG

RENDERED: list[str] = formats.renderers()
"""Formats an item or a feed page can be asked for in (``?format=``)."""
SINGLE: list[str] = [n for n, c in formats.CODECS.items() if c.can_render and not c.is_feed]
"""Formats of a single item (streams and webhooks carry one item per event)."""
READ: list[str] = formats.parsers()
"""Formats newswire reads (``POST /v1/items?format=``)."""

CURSOR: dict[str, Any] = {"type": "string", "pattern": cursor.PATTERN}
"""A cursor parameter: the decimal sequence number of a log entry (empty: the start)."""


SPACES = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x10000)) if c.isspace())
"""White space (as ``str.strip`` has it) as the escapes of a pattern's character class."""
NOT_BLANK = f"[^{SPACES}]"
"""A pattern: has a character that is not white space (as ``str.strip`` sees it)."""
NAME = r"^[\p{L}\p{N}][\p{L}\p{N}_.\-]{0,63}$"
"""A product's name: 1 to 64 letters (any script), digits, ``-``, ``_`` or ``.``, the
first a letter or digit (``newswire.access.products``)."""
SUBSCRIBER = r"^[\p{L}\p{N}_.\-]{1,64}$"
"""A subscriber's name: 1 to 64 letters (any script), digits, ``-``, ``_`` or ``.``."""
WEBHOOK_ID = r"^wh_[0-9a-f]{16}$"
"""A webhook's id, as the store makes them (``wh_`` and 16 hex digits)."""
GENRE = rf"^[A-Za-z][\p{{L}}\p{{N}}_.\-]*:[^{SPACES}]+$"
"""A genre QCode (``genre:Current``)."""


def any_case(text: str) -> str:
    """A pattern matching ``text`` in any ASCII case."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in text)


def names(choices: list[str]) -> dict[str, Any]:
    """A name of ``choices`` in any ASCII case (``NewsML`` is ``newsml``), as the server
    takes format names: the enum lists them, the pattern says that the case is free."""
    pattern = "|".join(map(any_case, choices))
    return {"type": "string", "anyOf": [{"enum": choices}, {"pattern": f"^(?:{pattern})$"}]}


def urgency_range() -> dict[str, Any]:
    """An urgency, 1 (flash) to 9, or a range of them, the lower first (``2-5``); empty:
    any."""
    ranges = [f"{low}(?:-[{low}-9])?" for low in range(1, 10)]
    return {"type": "string", "pattern": f"^(?:{'|'.join(ranges)})?$"}


def media_topic(*, empty: bool = True) -> dict[str, Any]:
    """An IPTC Media Topic as ``medtop:04000000``, ``04000000`` or its URI (``empty``: or
    nothing, meaning any)."""
    return {"type": "string", "pattern": f"^(?:{MEDIA_TOPIC}){'?' if empty else ''}$"}


def language_tag() -> dict[str, Any]:
    """A BCP 47 language tag in its common shapes (``ar``, ``ar-EG``, ``zh-Hant-TW``), as
    ``newswire.validation.LANGUAGE_TAG`` (items, products) has them; empty: any."""
    return {"type": "string", "pattern": f"^(?:{LANGUAGE_TAG.pattern[1:-1]})?$"}


MEDIA_TOPIC = (
    f"(?:{any_case('medtop:')}|{any_case('http')}[Ss]?"
    f"{any_case('://cv.iptc.org/newscodes/mediatopic/')})?[0-9]{{8}}/?"
)
"""A Media Topic code as ``newswire.access.taxonomy`` reads it (ASCII digits)."""


def check(schema: dict[str, Any], value: str | None, field: str, what: str) -> None:
    r"""``BadInput`` naming ``field`` (``value`` is not ``what``) when ``value`` is not of
    ``schema``'s ``pattern``, read as JSON Schema reads it (ECMA-262: ``$`` is the very
    end, ``\d`` is ASCII)."""
    if value is None:
        return
    if not _compiled(schema["pattern"]).search(value):
        raise BadInput(f"{value[:40]!r} is not {what}", field=field)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern, re.ASCII)


_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")

DOCS_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline';"
        " style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:;"
        " worker-src 'self' blob:; connect-src 'self'; form-action 'self';"
        " frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    ),
}
"""What the pages of the API (``/docs``, ``/redoc``, the OAuth2 redirect) answer with, as
every other HTML page of newswire does: ``/docs`` is where a subscriber pastes an API key,
so no other site may frame it (clickjacking), and it runs no script but newswire's own
(Swagger UI and ReDoc, ``ASSETS``) and their inline start-up code."""

ASSETS = "/docs/assets"
"""Where Swagger UI's and ReDoc's scripts, style and icon are served (``asset``). FastAPI's
pages load them from a CDN: with no internet (a newsroom's closed network) ``/docs`` was a
blank page, and with it, a page where keys are pasted ran a third party's script. The
files are those of the ``fastapi-offline`` package."""
_ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}


def install(app: FastAPI) -> None:
    """Have ``app.openapi()`` give the corrected document (made once, then kept), and the
    pages of the API load their scripts from newswire (``ASSETS``) and answer with
    ``DOCS_HEADERS``."""
    derive = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = correct(derive())
        return app.openapi_schema

    # FastAPI's documented way to change the schema: replace the method on the instance.
    app.openapi = openapi  # type: ignore[method-assign]
    pages = {
        app.docs_url: functools.partial(_swagger_ui, app),
        app.redoc_url: functools.partial(_redoc, app),
        app.swagger_ui_oauth2_redirect_url: None,  # FastAPI's: inline code only
    }
    for route in list(app.router.routes):
        if isinstance(route, Route) and route.path in pages:
            app.router.routes.remove(route)
            endpoint = pages[route.path] or route.endpoint
            app.add_route(route.path, _guarded(endpoint), include_in_schema=False)
    if app.docs_url or app.redoc_url:
        app.add_route(f"{ASSETS}/{{name}}", asset, include_in_schema=False)


def _guarded(endpoint: Any) -> Any:
    """The page ``endpoint``, its answer carrying ``DOCS_HEADERS``."""

    async def page(request: Request) -> Response:
        response: Response = await endpoint(request)
        response.headers.update(DOCS_HEADERS)
        return response

    return page


def _assets_at(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/") + ASSETS


async def _swagger_ui(app: FastAPI, request: Request) -> Response:
    """FastAPI's Swagger UI page (as ``FastAPI.setup`` makes it), its files newswire's."""
    root = request.scope.get("root_path", "").rstrip("/")
    assets = _assets_at(request)
    redirect = app.swagger_ui_oauth2_redirect_url
    return get_swagger_ui_html(
        openapi_url=root + str(app.openapi_url),
        title=f"{app.title} - Swagger UI",
        oauth2_redirect_url=root + redirect if redirect else None,
        init_oauth=app.swagger_ui_init_oauth,
        # No badge fetched from swagger.io's validator (the policy would refuse it).
        swagger_ui_parameters={**(app.swagger_ui_parameters or {}), "validatorUrl": None},
        swagger_js_url=f"{assets}/swagger-ui-bundle.js",
        swagger_css_url=f"{assets}/swagger-ui.css",
        swagger_favicon_url=f"{assets}/favicon.png",
    )


async def _redoc(app: FastAPI, request: Request) -> Response:
    """FastAPI's ReDoc page, its files newswire's and no web fonts."""
    root = request.scope.get("root_path", "").rstrip("/")
    assets = _assets_at(request)
    return get_redoc_html(
        openapi_url=root + str(app.openapi_url),
        title=f"{app.title} - ReDoc",
        redoc_js_url=f"{assets}/redoc.standalone.js",
        redoc_favicon_url=f"{assets}/favicon.png",
        with_google_fonts=False,
    )


async def asset(request: Request) -> Response:
    """``GET /docs/assets/{name}``: one of the pages' files (read once), or 404."""
    name = request.path_params["name"]
    media_type = _ASSET_TYPES.get(name)
    if media_type is None:
        return Response(status_code=404)
    return Response(
        _asset_bytes(name),
        media_type=media_type,
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@functools.cache
def _asset_bytes(name: str) -> bytes:
    return (resources.files("fastapi_offline") / "static" / name).read_bytes()


def correct(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` (FastAPI's document) with the corrections above, in place."""
    for operations in doc.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                parameter["schema"] = not_null(parameter.get("schema", {}))
            responses = operation.get("responses", {})
            if _is_fastapi_validation(responses.get("422")):
                del responses["422"]
    schemas = doc.get("components", {}).get("schemas", {})
    for name in _VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return doc


def not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` without its ``null`` alternative (``anyOf: [X, null]`` → ``X``, keeping
    the keywords beside ``anyOf``: description, title, enum, pattern…)."""
    options = schema.get("anyOf")
    if not isinstance(options, list):
        return schema
    kept = [option for option in options if option != {"type": "null"}]
    if len(kept) == len(options):
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {"anyOf": kept, **rest}


def _is_fastapi_validation(response: dict[str, Any] | None) -> bool:
    if not response:
        return False
    for media in response.get("content", {}).values():
        ref = media.get("schema", {}).get("$ref", "")
        if ref.rsplit("/", 1)[-1] in _VALIDATION_SCHEMAS:
            return True
    return False
