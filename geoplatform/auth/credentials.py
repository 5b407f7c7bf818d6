"""geoplatform.auth.credentials: read the caller's credential from request headers.

``Authorization: Bearer <key>`` and ``X-API-Key: <key>`` are both accepted (the
first for OAuth-style clients, the second for GIS clients that can only add a
header). No credential means the anonymous public; a malformed one is refused,
never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping

from geoplatform.auth.principals import ANONYMOUS, Principal
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.errors import Unauthorized


def presented_key(headers: Mapping[str, str]) -> str | None:
    """The key a request presents, None when it presents none."""
    authorization = headers.get("authorization")
    api_key = headers.get("x-api-key")
    if authorization is not None and api_key is not None:
        raise Unauthorized("send one credential, not two")
    if api_key is not None:
        return api_key.strip()
    if authorization is None:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("use 'Authorization: Bearer <key>' or 'X-API-Key: <key>'")
    return token.strip()


def caller(headers: Mapping[str, str], registry: PrincipalRegistry) -> Principal:
    """The principal behind a request (ANONYMOUS without a credential)."""
    key = presented_key(headers)
    if key is None:
        return ANONYMOUS
    return registry.authenticate(key)
