"""The case loop fixture, shared: managed-case indicators are checked on cases driven over HTTP."""

from tests.cases.conftest import loop  # noqa: F401
