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

    def __init__(
        self,
        description: str,
        *,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.parameter = parameter
        self.headers = headers or {}


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


class InvalidTransition(Conflict):
    """A case action that its current state does not allow; the state is unchanged."""

    code = "InvalidTransition"


class IdempotencyKeyInFlight(Conflict):
    """The same Idempotency-Key is being processed by another request right now."""

    code = "IdempotencyKeyInFlight"


class Unauthorized(GeoPlatformError):
    """No valid credential on a route that needs one."""

    status_code = 401
    code = "Unauthorized"

    def __init__(self, description: str) -> None:
        super().__init__(description, headers={"WWW-Authenticate": 'Bearer realm="geoplatform"'})


class Forbidden(GeoPlatformError):
    """The caller is known and may see the resource, but not do this to it."""

    status_code = 403
    code = "Forbidden"


class PreconditionFailed(GeoPlatformError):
    """``If-Match`` names a version that is not the current one (or nothing exists)."""

    status_code = 412
    code = "PreconditionFailed"


class PreconditionRequired(GeoPlatformError):
    """A change of an existing resource without ``If-Match``."""

    status_code = 428
    code = "PreconditionRequired"


class UnsupportedMediaType(GeoPlatformError):
    """A body in a media type the route does not take."""

    status_code = 415
    code = "UnsupportedMediaType"


class PayloadTooLarge(GeoPlatformError):
    """A body over the route's size cap."""

    status_code = 413
    code = "PayloadTooLarge"


class IdempotencyKeyReused(GeoPlatformError, ValueError):
    """The same Idempotency-Key with a different request body."""

    status_code = 422
    code = "IdempotencyKeyReused"


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
