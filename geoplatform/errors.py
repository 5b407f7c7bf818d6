"""geoplatform.errors: one error hierarchy carrying HTTP status and OGC exception code.

Every error raised by geoplatform code knows how it must be reported, so the web
layer needs no mapping table that could drift from the code that raises.
"""

from __future__ import annotations

from typing import ClassVar


class GeoPlatformError(Exception):
    """Base error: ``description`` is safe to show to a client."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "NoApplicableCode"

    def __init__(self, description: str, *, parameter: str | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.parameter = parameter


class InvalidParameter(GeoPlatformError, ValueError):
    """A query, path or body value that does not follow its grammar."""

    status_code = 400
    code = "InvalidParameterValue"


class QueryTooComplex(InvalidParameter):
    """A filter over the CQL2 budget (depth, nodes, size)."""

    code = "QueryTooComplex"


class NotFound(GeoPlatformError, LookupError):
    """Unknown, or invisible to the caller: both get the same answer."""

    status_code = 404
    code = "NotFound"


class LayerNotFound(NotFound):
    """No layer with that id is visible."""


class Conflict(GeoPlatformError):
    """The request conflicts with the current state."""

    status_code = 409
    code = "Conflict"


class InvalidGeometry(GeoPlatformError, ValueError):
    """A well-formed geometry that violates the rules (validity, range)."""

    status_code = 422
    code = "InvalidGeometry"


class SchemaViolation(GeoPlatformError, ValueError):
    """A well-formed body or file that does not fit the layer's schema."""

    status_code = 422
    code = "SchemaViolation"


class StoreUnavailable(GeoPlatformError):
    """The store cannot answer now (locked, down, disk full)."""

    status_code = 503
    code = "ServiceUnavailable"


class QueryTimeout(StoreUnavailable):
    """A query ran past the statement time limit and was cancelled."""

    code = "QueryTimeout"


class CatalogError(GeoPlatformError):
    """A layer definition file is invalid: raised at start-up, names file and field."""


class IngestError(GeoPlatformError):
    """An import that cannot proceed; nothing has been written."""

    status_code = 422
    code = "SchemaViolation"
