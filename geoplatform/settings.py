"""geoplatform.settings: one typed settings tree read from GEOPLATFORM_* variables.

Read only by the composition roots (``app.create_app`` and ``cli``); everything else
receives the settings, or the part it needs, as an argument.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class StoreSettings(BaseModel):
    """Where the features live."""

    backend: Literal["gpkg", "postgis"] = "gpkg"
    gpkg_path: Path = PROJECT_ROOT / "var" / "nantong.gpkg"
    postgis_dsn: str | None = None
    """libpq connection string, e.g. postgresql://user@127.0.0.1:55432/geoplatform."""
    postgis_schema: str = "geoplatform"
    statement_timeout_s: float = Field(default=10.0, gt=0)
    """Reads running longer are cancelled and answered 503 QueryTimeout."""
    postgis_parallel_workers: int = Field(default=0, ge=0, le=64)
    """PostgreSQL's ``max_parallel_workers_per_gather`` on the server's connections. 0:
    a server runs many small queries at once, and a parallel plan's worker start-up
    cost more than it saved (a polygon tile on 2 cores: 46 tiles/s with parallel
    plans, 304 without); raise it for a store that mostly answers a few large scans."""


class ServerSettings(BaseModel):
    """How the server is reached."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    access_log: bool = False
    """Log every request line (method, path and query) to standard error."""
    response_cache: bool = True
    """Keep answers of the H3 routes in memory until the next write (see web/cache.py)."""
    public_url: str | None = None
    """Absolute base URL clients see; defaults to http://host:port."""

    def base_url(self) -> str:
        """Return the absolute base URL used in every link."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


class CaseSettings(BaseModel):
    """The case loop: whose cases, which time limits, which working days."""

    city_code: str = Field(default="320600", pattern=r"^[0-9]{6}$")
    """GB/T 2260 code of the city; case numbers are ``<city>-<YYYYMMDD>-<nnnnnn>``."""
    time_limits: Path | None = None
    """The city's own time-limit table (CSV); None = the packaged defaults."""
    calendar_overrides: Path | None = None
    """The city's own working-day arrangements (CSV ``date,is_workday,note``)."""


class MediaSettings(BaseModel):
    """Where case photos are kept, and how large an upload may be (reliability R15)."""

    media_dir: Path = PROJECT_ROOT / "var" / "media"
    """Content-addressed photo files; ``quarantine/`` inside holds uploads not yet committed."""
    max_photo_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    """Largest accepted photo file (the re-encoded file may be at most twice this)."""
    max_pixels: int = Field(default=40_000_000, ge=1)
    """Largest decoded image (width x height), checked before any pixel is decoded."""


class TileSettings(BaseModel):
    """The vector tile cache on disk (see geoplatform/tiles/cache.py)."""

    cache: bool = True
    """Keep built tiles as files; every write drops exactly the tiles it touched."""
    cache_dir: Path = PROJECT_ROOT / "tiles" / "cache"
    """Shared by every worker and command on this machine (one folder per store inside)."""


class AuthSettings(BaseModel):
    """How credentials are checked."""

    cache_seconds: float = Field(default=10.0, ge=0)
    """A verified key is trusted this long without asking the store (revocation delay)."""
    jwt_issuer: str | None = None
    """Issuer (``iss``) of the identity provider whose bearer tokens are accepted; unset:
    API keys only."""
    jwt_audience: str = "geoplatform"
    """Audience (``aud``) the tokens must name."""
    jwks_file: Path | None = None
    """The provider's public keys as a JWKS file (offline), or ..."""
    jwks_url: str | None = None
    """... its ``jwks_uri`` (keys fetched and cached)."""
    jwt_roles_claim: str = "roles"
    """Claim holding the platform role names (a list, or a space-separated string)."""
    jwt_org_claim: str = "org_code"
    """Claim holding the department's 统一社会信用代码."""


class Settings(BaseSettings):
    """Root of the settings tree (environment prefix ``GEOPLATFORM_``, nesting ``__``)."""

    model_config = SettingsConfigDict(
        env_prefix="GEOPLATFORM_", env_nested_delimiter="__", extra="forbid"
    )

    layers_dir: Path = PROJECT_ROOT / "layers"
    config_dir: Path = PROJECT_ROOT / "config"
    generated_dir: Path = PROJECT_ROOT / "config" / "generated"
    rasters_dir: Path = PROJECT_ROOT / "var" / "rasters"
    """Cloud-Optimized GeoTIFFs named by the registry's rasters (the demo writes its own here)."""
    store: StoreSettings = StoreSettings()
    server: ServerSettings = ServerSettings()
    cases: CaseSettings = CaseSettings()
    auth: AuthSettings = AuthSettings()
    media: MediaSettings = MediaSettings()
    tiles: TileSettings = TileSettings()
    page_limit_default: int = Field(default=100, ge=1)
    page_limit_max: int = Field(default=10000, ge=1)
