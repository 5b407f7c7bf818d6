"""The case loop's session fixture: a copy of the demo city behind a real server, and keys.

Cases are written into a copy, so the tests of the other routes keep reading the
demo city exactly as built.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest

from geoplatform.auth import Principal, Role
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.catalog import LayerCatalog
from geoplatform.settings import Settings
from geoplatform.store import open_store
from geoplatform.store.base import FeatureStore
from tests.conftest import TEST_BACKEND, app_role_dsn, drop_schema, start_server

ORG_A = "11320600MB0000005E"
"""南通市市政和园林局 (example): supervises municipal facilities (01xxx)."""
ORG_B = "11320600MB0000006F"
"""南通市公安局交通警察支队 (example)."""


@dataclass(frozen=True)
class Caller:
    """A principal and the headers that authenticate it."""

    principal: Principal
    key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}


class IdentityProvider:
    """A city sign-on for the tests: an RSA key pair, its JWKS file and signed tokens."""

    issuer = "https://sso.nantong.example/realms/city"
    audience = "geoplatform"

    def __init__(self, directory: Path) -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        self.jwks_file = directory / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": [{**public, "kid": "city-1", "use": "sig"}]}))

    def env(self) -> dict[str, str]:
        """Server settings that trust this provider."""
        return {
            "GEOPLATFORM_AUTH__JWT_ISSUER": self.issuer,
            "GEOPLATFORM_AUTH__JWT_AUDIENCE": self.audience,
            "GEOPLATFORM_AUTH__JWKS_FILE": str(self.jwks_file),
        }

    def token(self, key=None, kid: str = "city-1", **claims: object) -> str:
        """A signed access token; ``claims`` override the defaults (an hour, this issuer)."""
        now = int(time.time())
        body = {"iss": self.issuer, "aud": self.audience, "sub": "u-1", "iat": now,
                "exp": now + 3600, **claims}  # fmt: skip
        body = {k: v for k, v in body.items() if v is not None}
        return jwt.encode(body, key or self.private_key, algorithm="RS256", headers={"kid": kid})


@dataclass(frozen=True)
class Loop:
    """Everything a case test needs."""

    client: httpx.Client
    store: FeatureStore
    settings: Settings
    callers: dict[str, Caller]
    sign_on: IdentityProvider


def copy_demo(demo_settings: Settings, demo_store: FeatureStore, directory: Path) -> Settings:
    """A writable copy of the demo city on the backend under test."""
    if TEST_BACKEND == "postgis":
        from geoplatform.store.transfer import copy_postgis_schema

        owner = str(demo_settings.store.postgis_dsn).replace(
            "geoplatform_app@", "geoplatform_owner@"
        )
        schema = f"cases_{uuid.uuid4().hex[:12]}"
        copy_postgis_schema(
            owner, demo_store.catalog, demo_settings.store.postgis_schema, schema, lambda _m: None
        )
        store = demo_settings.store.model_copy(
            update={"postgis_schema": schema, "postgis_dsn": app_role_dsn(owner)}
        )
    else:
        from geoplatform.store.backup import _online_copy

        target = directory / "cases.gpkg"
        _online_copy(demo_settings.store.gpkg_path, target)
        store = demo_settings.store.model_copy(update={"gpkg_path": target})
    return demo_settings.model_copy(
        update={
            "store": store,
            "generated_dir": directory / "generated",
            "media": demo_settings.media.model_copy(update={"media_dir": directory / "media"}),
            "tiles": demo_settings.tiles.model_copy(update={"cache_dir": directory / "tiles"}),
        }
    )


def server_env(settings: Settings, directory: Path) -> dict[str, str]:
    """Environment of a ``geoplatform serve`` process on ``settings``' store."""
    return {
        **os.environ,
        "GEOPLATFORM_STORE__BACKEND": settings.store.backend,
        "GEOPLATFORM_STORE__GPKG_PATH": str(settings.store.gpkg_path),
        "GEOPLATFORM_STORE__POSTGIS_DSN": settings.store.postgis_dsn or "",
        "GEOPLATFORM_STORE__POSTGIS_SCHEMA": settings.store.postgis_schema,
        "GEOPLATFORM_GENERATED_DIR": str(directory / "generated"),
        "GEOPLATFORM_MEDIA__MEDIA_DIR": str(settings.media.media_dir),
        "GEOPLATFORM_TILES__CACHE_DIR": str(settings.tiles.cache_dir),
        "GEOPLATFORM_RASTERS_DIR": str(settings.rasters_dir),
    }


ROLES = {
    "supervisor": ([Role.supervisor], None),
    "supervisor2": ([Role.supervisor], None),
    "acceptor": ([Role.acceptor], None),
    "shift_leader": ([Role.shift_leader], None),
    "dispatcher": ([Role.dispatcher], None),
    "handler_a": ([Role.handler], ORG_A),
    "handler_b": ([Role.handler], ORG_B),
    "handler_and_supervisor_a": ([Role.handler, Role.supervisor], ORG_A),
    "citizen": ([Role.citizen], None),
    "citizen2": ([Role.citizen], None),
    "editor_a": ([Role.editor], ORG_A),
    "admin": ([Role.admin], None),
}


@pytest.fixture(scope="session")
def loop(
    demo_settings: Settings,
    demo_store: FeatureStore,
    catalog: LayerCatalog,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Loop]:
    """A real ``geoplatform serve`` on a copy of the demo city (pygeoapi allows one
    configuration per process, so the copy gets its own server process)."""
    directory = tmp_path_factory.mktemp("cases")
    settings = copy_demo(demo_settings, demo_store, directory)
    store = open_store(settings.store, catalog)
    registry = PrincipalRegistry(store)
    callers = {}
    for name, (roles, org) in ROLES.items():
        principal, key = registry.add(name, roles, org)
        callers[name] = Caller(principal, key)
    sign_on = IdentityProvider(directory)
    env = server_env(settings, directory) | {"GEOPLATFORM_AUTH__CACHE_SECONDS": "0"}
    process, url = start_server(env | sign_on.env(), directory / "server.log")
    try:
        with httpx.Client(base_url=url, timeout=60) as client:
            yield Loop(client, store, settings, callers, sign_on)
    finally:
        process.terminate()
        process.wait(timeout=20)
        store.close()
        if TEST_BACKEND == "postgis":
            owner = str(demo_settings.store.postgis_dsn).replace(
                "geoplatform_app@", "geoplatform_owner@"
            )
            drop_schema(owner, settings.store.postgis_schema)
