"""geoplatform.auth.registry: credentials kept in the store, checked on every request.

A verified key is remembered for ``CACHE_SECONDS`` so that a busy client costs
one dictionary lookup, not one query per request: disabling a key takes effect
within that time in every worker.

The sign-on's tokens are checked by signature and expiry, which a leaked token
passes until it expires; so a token's subject (its principal id, ``oidc-...``,
the one audit rows and case histories name) can be disabled here too, and every
token of that subject is then refused, within the same time, whatever its expiry.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

from geoplatform.auth.keys import is_well_formed, key_digest, new_key
from geoplatform.auth.principals import Principal, Role, is_org_code
from geoplatform.auth.tokens import (
    TOKEN_SUBJECT_PREFIX,
    TokenVerifier,
    is_token_subject_id,
    looks_like_jwt,
)
from geoplatform.errors import InvalidParameter, NotFound, Unauthorized
from geoplatform.settings import AuthSettings
from geoplatform.store.base import FeatureStore
from geoplatform.store.values import utc_text

CACHE_SECONDS = 10.0
_COLUMNS = "id, name, roles, org_code, disabled"


class PrincipalRegistry:
    """Issue, list, disable and verify API keys."""

    def __init__(
        self,
        store: FeatureStore,
        cache_seconds: float = CACHE_SECONDS,
        tokens: TokenVerifier | None = None,
    ) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self.tokens = tokens
        """Bearer tokens of the city's identity provider, when one is configured."""
        self._cache: dict[str, tuple[float, Principal]] = {}
        self._disabled_subjects: tuple[float, frozenset[str]] | None = None
        self._lock = threading.Lock()

    def add(
        self, name: str, roles: list[Role], org_code: str | None = None
    ) -> tuple[Principal, str]:
        """Create a principal; returns it with its key (shown once, stored only as a digest)."""
        if not name.strip():
            raise InvalidParameter("a principal needs a name")
        if not roles:
            raise InvalidParameter("a principal needs at least one role")
        if org_code is not None and not is_org_code(org_code):
            raise InvalidParameter("org_code must be an 18-character 统一社会信用代码")
        if {Role.handler, Role.editor} & set(roles) and org_code is None:
            raise InvalidParameter("handlers and editors act for a department: give org_code")
        principal = Principal(
            id=uuid.uuid4().hex, name=name.strip(), roles=frozenset(roles), org_code=org_code
        )
        key = new_key()
        with self.store.edit() as edit:
            mark = self.store.placeholder
            edit.execute(
                f"INSERT INTO {edit.table('gp_principal')} (id, name, roles, org_code, key_hash, "
                f"created_at, disabled) VALUES ({', '.join([mark] * 7)})",
                (
                    principal.id,
                    principal.name,
                    ",".join(sorted(r.value for r in principal.roles)),
                    org_code,
                    key_digest(key),
                    utc_text(dt.datetime.now(dt.UTC)),
                    0,
                ),
            )
        return principal, key

    def disable(self, principal_id: str) -> None:
        """Revoke a principal's key, or every token of a sign-on subject (``oidc-...``),
        within CACHE_SECONDS everywhere."""
        with self.store.edit() as edit:
            mark = self.store.placeholder
            changed = edit.execute(
                f"UPDATE {edit.table('gp_principal')} SET disabled = 1 WHERE id = {mark}",
                (principal_id,),
            ).rowcount
            if not changed and is_token_subject_id(principal_id):
                edit.execute(  # a subject has no key: its row only carries the refusal
                    f"INSERT INTO {edit.table('gp_principal')} (id, name, roles, org_code, "
                    f"key_hash, created_at, disabled) VALUES ({', '.join([mark] * 7)})",
                    (
                        principal_id,
                        "sign-on subject",
                        "",
                        None,
                        f"no key: {principal_id}",  # never a key's digest (64 hex digits)
                        utc_text(dt.datetime.now(dt.UTC)),
                        1,
                    ),
                )
                changed = 1
        if not changed:
            raise NotFound(f"no principal {principal_id}")
        with self._lock:
            self._cache.clear()
            self._disabled_subjects = None

    def list(self) -> list[tuple[Principal, bool]]:
        """Every principal with its disabled flag."""
        rows = self.store.fetch_own(
            f"SELECT {_COLUMNS} FROM {self.store.own_table('gp_principal')} "
            "ORDER BY created_at, id",
            (),
        )
        return [(_principal(row), bool(row[4])) for row in rows]

    def authenticate(self, key: str) -> Principal:
        """The principal holding ``key`` (or a valid token), or Unauthorized."""
        if self.tokens is not None and looks_like_jwt(key):
            principal = self.tokens.principal(key)
            if principal.id in self._disabled_token_subjects():
                raise Unauthorized("the credential is not valid")
            return principal
        if not is_well_formed(key):
            raise Unauthorized("the credential is not valid")
        digest = key_digest(key)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None and now - cached[0] < self.cache_seconds:
            return cached[1]
        rows = self.store.fetch_own(
            f"SELECT {_COLUMNS} FROM {self.store.own_table('gp_principal')} "
            f"WHERE key_hash = {self.store.placeholder}",
            (digest,),
        )
        if not rows or rows[0][4]:
            raise Unauthorized("the credential is not valid")
        principal = _principal(rows[0])
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (now, principal)
        return principal

    def _disabled_token_subjects(self) -> frozenset[str]:
        """Disabled sign-on subjects, read at most once per CACHE_SECONDS."""
        now = time.monotonic()
        with self._lock:
            kept = self._disabled_subjects
        if kept is not None and now - kept[0] < self.cache_seconds:
            return kept[1]
        rows = self.store.fetch_own(
            f"SELECT id FROM {self.store.own_table('gp_principal')} "
            f"WHERE disabled = 1 AND id LIKE {self.store.placeholder}",
            (f"{TOKEN_SUBJECT_PREFIX}%",),
        )
        subjects = frozenset(str(row[0]) for row in rows)
        with self._lock:
            self._disabled_subjects = (now, subjects)
        return subjects


def _principal(row: tuple[object, ...]) -> Principal:
    roles = frozenset(Role(r) for r in str(row[2]).split(",") if r)
    return Principal(
        id=str(row[0]),
        name=str(row[1]),
        roles=roles,
        org_code=None if row[3] is None else str(row[3]),
    )


def token_verifier(settings: AuthSettings) -> TokenVerifier | None:
    """The configured identity provider's token check, None when none is configured."""
    if settings.jwt_issuer is None:
        return None
    return TokenVerifier(
        settings.jwt_issuer,
        settings.jwt_audience,
        jwks_file=settings.jwks_file,
        jwks_url=settings.jwks_url,
        roles_claim=settings.jwt_roles_claim,
        org_claim=settings.jwt_org_claim,
    )
