"""geoplatform.auth.keys: API keys, shown once and kept only as a SHA-256 digest.

Keys are 256 random bits, so a plain SHA-256 is enough to make a stolen table
useless (a slow password hash protects guessable secrets, which these are not)
and lets a request be checked with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import re
import secrets

KEY_PREFIX = "gpk_"
_KEY = re.compile(r"gpk_[A-Za-z0-9_-]{43}")


def new_key() -> str:
    """A fresh API key (``gpk_`` + 43 URL-safe characters)."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def is_well_formed(key: str) -> bool:
    """True when ``key`` has the shape of a key this server issues."""
    return _KEY.fullmatch(key) is not None


def key_digest(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("ascii")).hexdigest()
