"""geoplatform.auth: who is calling (API keys and bearer tokens) and what they may do."""

from geoplatform.auth.principals import ANONYMOUS, Principal, Role

__all__ = ["ANONYMOUS", "Principal", "Role"]
