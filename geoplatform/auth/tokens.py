"""geoplatform.auth.tokens: bearer tokens (JWT) issued by the city's identity provider.

A city usually runs one sign-on for its staff (OIDC: Keycloak, a provincial
government IdP...). Its access tokens are accepted beside the platform's own
API keys: ``Authorization: Bearer <JWT>``, signed by a key of the configured
JWKS (a file, or the provider's ``jwks_uri``), with the configured issuer and
audience, not expired (``exp`` required, 30 s leeway). As with keys, roles and
department come from the credential only: the claims named by the settings
(``roles`` and ``org_code`` by default). A role name the platform does not know
is ignored; a handler or editor token without a well-formed department code is
refused, because such a caller could act for no department.

Only asymmetric algorithms are accepted (RS256, ES256, PS256, EdDSA), so a
token can never be forged with the public key as an HMAC secret.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jwt
import orjson

from geoplatform.auth.principals import Principal, Role, is_org_code
from geoplatform.errors import Unauthorized

ALGORITHMS = ("RS256", "ES256", "PS256", "EdDSA")
TOKEN_SUBJECT_PREFIX = "oidc-"
"""Principal ids of sign-on subjects: the prefix and 32 hex digits of their digest."""
LEEWAY_S = 30
_MAX_TOKEN = 16_384


def looks_like_jwt(credential: str) -> bool:
    """Three base64url parts: a token for the verifier, not an API key."""
    return credential.count(".") == 2 and len(credential) <= _MAX_TOKEN


class TokenVerifier:
    """Checks bearer tokens against one issuer's keys and maps their claims to a principal."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_file: Path | None = None,
        jwks_url: str | None = None,
        roles_claim: str = "roles",
        org_claim: str = "org_code",
    ) -> None:
        if (jwks_file is None) == (jwks_url is None):
            raise ValueError("give exactly one of jwks_file and jwks_url")
        self.issuer = issuer
        self.audience = audience
        self.roles_claim = roles_claim
        self.org_claim = org_claim
        self._client = jwt.PyJWKClient(jwks_url, cache_keys=True) if jwks_url else None
        self._keys = _read_jwks(jwks_file) if jwks_file is not None else {}

    def principal(self, token: str) -> Principal:
        """The caller a valid token stands for; Unauthorized for every kind of invalid token."""
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=list(ALGORITHMS),
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            raise Unauthorized(f"the token is not valid: {_reason(error)}") from None
        return self._from_claims(claims)

    def _signing_key(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys[kid]

    def _from_claims(self, claims: dict[str, Any]) -> Principal:
        roles = frozenset(_roles(claims.get(self.roles_claim)))
        org = claims.get(self.org_claim)
        org_code = org if is_org_code(org) else None
        if {Role.handler, Role.editor} & roles and org_code is None:
            raise Unauthorized(f"the token's roles need a department code in '{self.org_claim}'")
        subject = str(claims["sub"])
        name = str(claims.get("name") or claims.get("preferred_username") or subject)
        return Principal(
            id=token_subject_id(self.issuer, subject),
            name=name[:200],
            roles=roles,
            org_code=org_code,
        )


def token_subject_id(issuer: str, subject: str) -> str:
    """The principal id of a sign-on subject: stable, and naming no personal data."""
    digest = hashlib.sha256(f"{issuer}\n{subject}".encode()).hexdigest()[:32]
    return f"{TOKEN_SUBJECT_PREFIX}{digest}"


def is_token_subject_id(principal_id: str) -> bool:
    """True for an id ``token_subject_id`` could have made."""
    digest = principal_id.removeprefix(TOKEN_SUBJECT_PREFIX)
    return (
        principal_id.startswith(TOKEN_SUBJECT_PREFIX)
        and len(digest) == 32
        and all(c in "0123456789abcdef" for c in digest)
    )


def _roles(value: object) -> Iterable[Role]:
    names = value.split() if isinstance(value, str) else value if isinstance(value, list) else []
    known = {role.value for role in Role}
    return (Role(name) for name in names if isinstance(name, str) and name in known)


def _read_jwks(path: Path) -> dict[str | None, Any]:
    """Public keys of a JWKS file by ``kid``."""
    document = orjson.loads(path.read_bytes())
    keys: dict[str | None, Any] = {}
    for entry in document.get("keys", []):
        if entry.get("use", "sig") != "sig":
            continue
        keys[entry.get("kid")] = jwt.PyJWK(entry).key
    if not keys:
        raise ValueError(f"{path}: no signing keys")
    return keys


def _reason(error: Exception) -> str:
    if isinstance(error, KeyError):
        return "signed by an unknown key"
    return str(error)[:200] or type(error).__name__
