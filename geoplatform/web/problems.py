"""geoplatform.web.problems: the one error body (RFC 9457 plus OGC ``code``/``description``)."""

from __future__ import annotations

import logging
import uuid

import orjson
from starlette.requests import Request
from starlette.responses import Response

from geoplatform.errors import GeoPlatformError

LOGGER = logging.getLogger("geoplatform.web")
_TITLES = {
    400: "Invalid parameter value",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    412: "Precondition failed",
    415: "Unsupported media type",
    413: "Payload too large",
    414: "URI too long",
    422: "Unprocessable content",
    428: "Precondition required",
    500: "Internal error",
    503: "Service unavailable",
}


def problem(
    status: int,
    code: str,
    description: str,
    parameter: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Build an ``application/problem+json`` response; ``description`` must be safe text."""
    body = {
        "type": f"urn:geoplatform:error:{code}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": description,
        "instance": f"urn:request:{uuid.uuid4().hex}",
        "code": code,
        "description": description,
    }
    if parameter:
        body["parameter"] = parameter
    all_headers = {"X-Content-Type-Options": "nosniff", **(headers or {})}
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/problem+json",
        headers=all_headers,
    )


def from_error(error: GeoPlatformError) -> Response:
    """Render one of our errors with its own status and code."""
    if error.status_code >= 500:
        LOGGER.error("request failed: %s", error.description)
    return problem(error.status_code, error.code, error.description, error.parameter, error.headers)


async def handle_geoplatform_error(request: Request, error: Exception) -> Response:
    """FastAPI exception handler for GeoPlatformError."""
    assert isinstance(error, GeoPlatformError)
    return from_error(error)


async def handle_unexpected(request: Request, error: Exception) -> Response:
    """Last resort: an opaque 500 that leaks nothing, logged with its stack."""
    LOGGER.exception("unexpected error on %s", request.url.path)
    return problem(500, "NoApplicableCode", "internal error; it has been logged")
