"""geoplatform.cli: the ``geoplatform`` command (serve, demo, import, layers, tiles)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from geoplatform.auth.principals import Role
from geoplatform.errors import GeoPlatformError
from geoplatform.settings import Settings


def _settings(**overrides: object) -> Settings:
    settings = Settings()
    server = settings.server.model_copy(
        update={k: v for k, v in overrides.items() if v is not None}
    )
    return settings.model_copy(update={"server": server})


def _progress(label: str):  # type: ignore[no-untyped-def]
    """Print ``label: done/total`` on one line, for long writes."""

    def report(done: int, total: int) -> None:
        click.echo(f"\r{label}: {done}/{total}", nl=done >= total, err=True)

    return report


def _say(message: str) -> None:
    """Progress and notices go to standard error, results to standard output."""
    click.echo(message, err=True)


@click.group()
def cli() -> None:
    """geoplatform: the city's spatial base database over OGC API."""


@cli.command()
@click.option("--host", default=None, help="Address to bind (default 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (default 8000).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64))
def serve(host: str | None, port: int | None, workers: int) -> None:
    """Serve the OGC API; builds the demo city first when the store does not exist.

    With several workers each process builds the same app from the environment
    (layers and configuration are read at start: restart to apply changes).
    """
    import uvicorn

    from geoplatform.app import create_app
    from geoplatform.web.nodelay import http_protocol
    from geoplatform.web.workers import serve_workers

    settings = _settings(host=host, port=port)
    if settings.store.backend == "gpkg" and not settings.store.gpkg_path.exists():
        click.echo(f"no store at {settings.store.gpkg_path}: building the demo city", err=True)
        _build_demo(settings)
    elif _demo_rasters_missing(settings):  # a demo city built before it had rasters
        from geoplatform.catalog import load_catalog
        from geoplatform.demo.rasters import rebuild_demo_rasters

        click.echo(f"writing the demo rasters into {settings.rasters_dir}", err=True)
        rebuild_demo_rasters(load_catalog(settings.layers_dir), settings.rasters_dir, _say)
    elif settings.store.backend == "gpkg":
        _migrate_embedded(settings)
    if workers > 1:
        os.environ["GEOPLATFORM_SERVER__HOST"] = settings.server.host
        os.environ["GEOPLATFORM_SERVER__PORT"] = str(settings.server.port)
        click.echo(f"serving {settings.server.base_url()}/ with {workers} workers", err=True)
        try:
            status = serve_workers(
                settings.server.host,
                settings.server.port,
                workers,
                {
                    "http": http_protocol(),
                    "log_level": "info" if settings.server.access_log else "warning",
                    "access_log": settings.server.access_log,
                },
            )
        except OSError as error:
            raise click.ClickException(
                f"cannot listen on {settings.server.host}:{settings.server.port}: "
                f"{error.strerror or error}"
            ) from None
        raise SystemExit(status)
    started = time.perf_counter()
    app = create_app(settings)
    click.echo(
        f"ready in {time.perf_counter() - started:.1f} s: {settings.server.base_url()}/",
        err=True,
    )
    uvicorn.run(
        app,
        http=http_protocol(),
        host=settings.server.host,
        port=settings.server.port,
        log_level="info" if settings.server.access_log else "warning",
        access_log=settings.server.access_log,
    )


def _migrate_embedded(settings: Settings) -> None:
    """Upgrade an older embedded GeoPackage in place before serving it.

    The embedded store is the laptop case: its owner runs the server, so the
    upgrade needs no separate step. A PostGIS store is upgraded only by
    ``geoplatform db migrate``, run by its operator.
    """
    from geoplatform.catalog import load_catalog
    from geoplatform.store import open_store

    catalog = load_catalog(settings.layers_dir)
    with open_store(settings.store, catalog, check_version=False) as store:
        for step in store.migrate(_progress):
            _say(f"migrated {settings.store.gpkg_path}: {step}")


def _demo_rasters_missing(settings: Settings) -> bool:
    """True when the project's own demo store is served and the rasters folder is empty."""
    default = Settings.model_fields["store"].default.gpkg_path
    return (
        settings.store.backend == "gpkg"
        and settings.store.gpkg_path.resolve() == default.resolve()
        and settings.rasters_dir == Settings.model_fields["rasters_dir"].default
        and not any(settings.rasters_dir.glob("*.tif"))
    )


def _build_demo(settings: Settings) -> None:
    from geoplatform.app import open_catalog_and_store
    from geoplatform.demo.build import build_demo_city

    started = time.perf_counter()
    target = settings.store.gpkg_path
    partial = target.with_name(target.name + ".building")
    for leftover in target.parent.glob(partial.name + "*"):
        leftover.unlink()
    building = settings.model_copy(
        update={"store": settings.store.model_copy(update={"gpkg_path": partial})}
    )
    _, store = open_catalog_and_store(building)
    with store:
        counts = build_demo_city(store, _say, settings.rasters_dir)
        keys = _demo_keys(store, target.with_name(target.stem + "-keys.txt"))
    partial.rename(target)
    elapsed = time.perf_counter() - started
    for layer_id, count in counts.items():
        click.echo(f"  {layer_id:<16} {count:>8}", err=True)
    click.echo(f"demo city built in {elapsed:.1f} s: {target}", err=True)
    click.echo(f"demo API keys (one per role, readable only by you): {keys}", err=True)


DEMO_PRINCIPALS = (
    ("示例监督员 inspector", ["supervisor"], None),
    ("示例受理员 acceptor", ["acceptor"], None),
    ("示例值班长 shift leader", ["shift_leader"], None),
    ("示例派遣员 dispatcher", ["dispatcher"], None),
    ("示例市政和园林局 handler", ["handler"], "11320600MB0000005E"),
    ("示例市政和园林局 editor", ["editor"], "11320600MB0000005E"),
    ("示例市民 citizen", ["citizen"], None),
)
"""One credential per role for trying the case loop on the demo city."""


def _demo_keys(store: object, path: Path) -> Path:
    """Create the demo principals and write their keys to ``path`` (mode 0600)."""
    from geoplatform.auth import Role
    from geoplatform.auth.registry import PrincipalRegistry

    registry = PrincipalRegistry(store)  # type: ignore[arg-type]
    lines = ["# geoplatform demo API keys: send as 'Authorization: Bearer <key>'"]
    for name, roles, org in DEMO_PRINCIPALS:
        _, key = registry.add(name, [Role(r) for r in roles], org)
        lines.append(f"{roles[0]:<13} {key}  {name}")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


@cli.command()
@click.option("--force", is_flag=True, help="Rebuild even if the store exists.")
@click.option(
    "--rasters-only",
    is_flag=True,
    help="Write only the demo rasters (elevation, imagery) into the rasters folder.",
)
def demo(force: bool, rasters_only: bool) -> None:
    """Build the deterministic Nantong demo city into the configured store.

    On PostGIS every layer is replaced, each in its own transaction. The demo
    rasters are written to GEOPLATFORM_RASTERS_DIR (default var/rasters/);
    ``--rasters-only`` writes just them, beside a store built before they existed.
    """
    settings = _settings()
    if rasters_only:
        from geoplatform.catalog import load_catalog
        from geoplatform.demo.rasters import rebuild_demo_rasters

        rebuild_demo_rasters(load_catalog(settings.layers_dir), settings.rasters_dir, _say)
        return
    if settings.store.backend == "postgis":
        from geoplatform.app import open_catalog_and_store
        from geoplatform.demo.build import build_demo_city

        _, store = open_catalog_and_store(settings)
        with store:
            if not force and any(store.count(layer.id) for layer in store.catalog):
                raise click.ClickException("the PostGIS store holds data (use --force)")
            counts = build_demo_city(store, _say, settings.rasters_dir)
        click.echo(f"demo city: {sum(counts.values())} features in {len(counts)} layers")
        return
    if settings.store.gpkg_path.exists() and not force:
        raise click.ClickException(f"{settings.store.gpkg_path} exists (use --force)")
    if force:
        for path in settings.store.gpkg_path.parent.glob(settings.store.gpkg_path.name + "*"):
            path.unlink()
    _build_demo(settings)


@cli.command(name="import")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--layer", "layer_id", required=True, help="Target layer id (layers/<id>.yml).")
@click.option("--src-crs", default=None, help="EPSG:<code>, GCJ02 or BD09 (default: the file's).")
@click.option(
    "--on-invalid",
    type=click.Choice(["raise", "skip", "fix"]),
    default="raise",
    show_default=True,
    help="What to do with invalid geometries.",
)
@click.option("--encoding", default=None, help="Attribute encoding, e.g. GBK for old Shapefiles.")
@click.option("--source-layer", default=None, help="Layer inside a multi-layer source.")
@click.option("--lon-column", default="lon", show_default=True, help="CSV longitude column.")
@click.option("--lat-column", default="lat", show_default=True, help="CSV latitude column.")
def import_command(
    source: Path,
    layer_id: str,
    src_crs: str | None,
    on_invalid: str,
    encoding: str | None,
    source_layer: str | None,
    lon_column: str,
    lat_column: str,
) -> None:
    """Replace a layer's features with those of SOURCE, atomically."""
    from geoplatform.app import open_catalog_and_store
    from geoplatform.ingest import ImportOptions, import_layer

    catalog, store = open_catalog_and_store(_settings())
    options = ImportOptions(
        src_crs=src_crs,
        on_invalid=on_invalid,  # type: ignore[arg-type]
        encoding=encoding,
        source_layer=source_layer,
        lon_column=lon_column,
        lat_column=lat_column,
    )
    with store:
        report = import_layer(
            store, catalog.get(layer_id), source, options, _progress(f"importing {layer_id}")
        )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"{report.layer_id}: {report.written} written of {report.read} read "
        f"({report.fixed} fixed, {report.skipped} skipped) from {report.source_crs}"
    )


@cli.group()
def db() -> None:
    """Store administration: initialise, move between backends, back up, restore."""


@db.command(name="init")
def db_init() -> None:
    """Create the store's metadata and every layer table (idempotent)."""
    from geoplatform.app import open_catalog_and_store

    settings = _settings()
    _, store = open_catalog_and_store(settings)
    with store:
        click.echo(f"{settings.store.backend} store ready, {len(store.catalog)} layers")


@db.command(name="migrate")
def db_migrate() -> None:
    """Upgrade the store's tables to this release (idempotent; resumes after a failure)."""
    from geoplatform.catalog import load_catalog
    from geoplatform.store import open_store

    settings = _settings()
    catalog = load_catalog(settings.layers_dir)
    with open_store(settings.store, catalog, check_version=False) as store:
        steps = store.migrate(_progress)
        for step in steps:
            _say(f"migrated {step}")
        click.echo(f"{settings.store.backend} store at schema version {store.schema_version}")


@db.command(name="move")
@click.option("--to-gpkg", "to_gpkg", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--to-postgis", "to_postgis", metavar="DSN", help="libpq DSN of the target.")
@click.option("--schema", default="geoplatform", show_default=True, help="Target schema.")
def db_move(to_gpkg: Path | None, to_postgis: str | None, schema: str) -> None:
    """Copy the whole configured store to another backend, verified, all or nothing."""
    from geoplatform.app import open_catalog_and_store
    from geoplatform.store.transfer import move_to_gpkg, move_to_postgis

    if (to_gpkg is None) == (to_postgis is None):
        raise click.UsageError("give exactly one of --to-gpkg and --to-postgis")
    _, store = open_catalog_and_store(_settings())
    with store:
        if to_gpkg is not None:
            counts = move_to_gpkg(store, to_gpkg, _say)
        else:
            counts = move_to_postgis(store, str(to_postgis), schema, _say)
    click.echo(f"moved {sum(counts.values())} features in {len(counts)} layers")


@db.command(name="copy")
@click.option("--to-schema", "target", required=True, help="Schema of the copy (replaced whole).")
@click.option(
    "--owner-dsn",
    default=None,
    metavar="DSN",
    help="DSN of the owner role (DDL); default: the configured DSN.",
)
def db_copy(target: str, owner_dsn: str | None) -> None:
    """Copy the configured PostGIS store to another schema of its database (a training or
    test copy of a live city), inside the server, verified by row counts, all or nothing."""
    from geoplatform.catalog import load_catalog
    from geoplatform.store.transfer import copy_postgis_schema

    settings = _settings()
    if settings.store.backend != "postgis" or not settings.store.postgis_dsn:
        raise click.UsageError("db copy works on a PostGIS store (GEOPLATFORM_STORE__BACKEND)")
    counts = copy_postgis_schema(
        owner_dsn or settings.store.postgis_dsn,
        load_catalog(settings.layers_dir),
        settings.store.postgis_schema,
        target,
        _say,
    )
    click.echo(f"copied {sum(counts.values())} rows in {len(counts)} tables to {target}")


@db.command(name="backup")
@click.argument("target", type=click.Path(path_type=Path, dir_okay=False))
def db_backup(target: Path) -> None:
    """Online backup of the store to TARGET, with a manifest (counts, checksums) beside it.

    GeoPackage: SQLite's online backup API. PostGIS: pg_dump of the schema from one
    snapshot, the manifest read from that same snapshot.
    """
    from geoplatform.catalog import load_catalog
    from geoplatform.store.backup import backup_gpkg, backup_postgis, manifest_path

    settings = _settings()
    catalog = load_catalog(settings.layers_dir)
    if settings.store.backend == "postgis":
        manifest = backup_postgis(
            str(settings.store.postgis_dsn), settings.store.postgis_schema, target, catalog
        )
    else:
        manifest = backup_gpkg(settings.store.gpkg_path, target, catalog)
    total = sum(int(str(entry["count"])) for entry in manifest.values())
    click.echo(f"backed up {total} features to {target} ({manifest_path(target).name})")


@db.command(name="restore")
@click.argument("backup", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def db_restore(backup: Path) -> None:
    """Restore the store from BACKUP, verified against its manifest (stop writers first)."""
    from geoplatform.catalog import load_catalog
    from geoplatform.store.backup import restore_gpkg, restore_postgis

    settings = _settings()
    catalog = load_catalog(settings.layers_dir)
    if settings.store.backend == "postgis":
        manifest = restore_postgis(
            str(settings.store.postgis_dsn), settings.store.postgis_schema, backup, catalog
        )
    else:
        manifest = restore_gpkg(backup, settings.store.gpkg_path, catalog)
    click.echo(f"restored and verified {len(manifest)} layers")


@db.command(name="fingerprint")
def db_fingerprint() -> None:
    """Print count and SHA-256 per layer (backend independent) as JSON."""
    import orjson

    from geoplatform.app import open_catalog_and_store
    from geoplatform.store.transfer import fingerprint

    _, store = open_catalog_and_store(_settings())
    with store:
        click.echo(orjson.dumps(fingerprint(store), option=orjson.OPT_INDENT_2).decode())


@cli.group()
def h3() -> None:
    """The H3 hexagon index of the layers."""


@h3.command(name="reindex")
@click.argument("layer_ids", nargs=-1)
def h3_reindex(layer_ids: tuple[str, ...]) -> None:
    """Rebuild the H3 cover and hexbin aggregates of LAYER_IDS (default: every indexed layer)."""
    from geoplatform.app import open_catalog_and_store

    settings = _settings()
    catalog, store = open_catalog_and_store(settings)
    with store:
        chosen = [catalog.get(i) for i in layer_ids] or [
            layer for layer in catalog if layer.h3_index_resolution is not None
        ]
        for layer in chosen:
            started = time.perf_counter()
            rows = store.reindex(layer.id, _progress(f"H3 index of {layer.id}"))
            click.echo(
                f"{layer.id}: {rows} cells at resolution {layer.h3_index_resolution} "
                f"in {time.perf_counter() - started:.1f} s"
            )


@cli.group()
def principal() -> None:
    """API keys: who may write, in which roles, for which department."""


@principal.command(name="add")
@click.option("--name", required=True, help="Person, department or service the key is for.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="Repeat for several roles.",
)
@click.option("--org", "org_code", default=None, help="18-character 统一社会信用代码.")
def principal_add(name: str, roles: tuple[str, ...], org_code: str | None) -> None:
    """Create a principal and print its key once (only its SHA-256 is stored)."""
    from geoplatform.app import open_catalog_and_store
    from geoplatform.auth.registry import PrincipalRegistry

    _, store = open_catalog_and_store(_settings())
    with store:
        created, key = PrincipalRegistry(store).add(name, [Role(r) for r in roles], org_code)
    _say(f"principal {created.id} ({created.name}); the key is shown once:")
    click.echo(key)


@principal.command(name="list")
def principal_list() -> None:
    """List principals (never their keys)."""
    from geoplatform.app import open_catalog_and_store
    from geoplatform.auth.registry import PrincipalRegistry

    _, store = open_catalog_and_store(_settings())
    with store:
        for found, disabled in PrincipalRegistry(store).list():
            roles = ",".join(sorted(r.value for r in found.roles))
            state = "disabled" if disabled else "active"
            click.echo(
                f"{found.id}  {state:<8} {roles:<32} {found.org_code or '-':<18} {found.name}"
            )


@principal.command(name="disable")
@click.argument("principal_id", required=False)
@click.option(
    "--token-subject",
    default=None,
    help="A sign-on user's `sub` claim: refuse every token of that user (any expiry).",
)
def principal_disable(principal_id: str | None, token_subject: str | None) -> None:
    """Revoke a principal's key, or every token of a sign-on subject (an ``oidc-...`` id
    from the audit log or a case history, or ``--token-subject``); every worker
    refuses it within the credential cache time (10 s by default)."""
    from geoplatform.app import open_catalog_and_store
    from geoplatform.auth.registry import PrincipalRegistry
    from geoplatform.auth.tokens import token_subject_id

    settings = _settings()
    if (principal_id is None) == (token_subject is None):
        raise click.UsageError("give a principal id or --token-subject, not both")
    if token_subject is not None:
        if settings.auth.jwt_issuer is None:
            raise click.UsageError("no sign-on is configured (GEOPLATFORM_AUTH__JWT_ISSUER)")
        principal_id = token_subject_id(settings.auth.jwt_issuer, token_subject)
    assert principal_id is not None
    _, store = open_catalog_and_store(settings)
    with store:
        PrincipalRegistry(store).disable(principal_id)
    _say(f"principal {principal_id} disabled")


@cli.group()
def tiles() -> None:
    """The vector tile cache on disk: fill it ahead of visitors, or clear it."""


@tiles.command(name="seed")
@click.option("--layer", "layer_id", required=True, help="A public layer id.")
@click.option(
    "--tms",
    "tms_id",
    default="WebMercatorQuad",
    show_default=True,
    help="WebMercatorQuad, WorldCRS84Quad or CGCS2000Quad.",
)
@click.option("--bbox", required=True, help="minx,miny,maxx,maxy in lon/lat degrees.")
@click.option("--zooms", required=True, help="One zoom (14) or a range (10-15).")
def tiles_seed(layer_id: str, tms_id: str, bbox: str, zooms: str) -> None:
    """Build and keep every tile of a layer over BBOX and ZOOMS not cached yet."""
    from geoplatform.app import open_catalog_and_store
    from geoplatform.errors import LayerNotFound
    from geoplatform.tiles.cache import tile_cache
    from geoplatform.tiles.matrixsets import matrix_set
    from geoplatform.tiles.seed import parse_bbox, parse_zooms, plan, seed

    settings = _settings()
    chosen, area, levels = matrix_set(tms_id), parse_bbox(bbox), parse_zooms(zooms)
    catalog, store = open_catalog_and_store(settings)
    with store:
        layer = next((found for found in catalog.public() if found.id == layer_id), None)
        if layer is None:
            raise LayerNotFound(f"no collection '{layer_id[:64]}' with tiles")
        cache = tile_cache(settings, store)
        if cache is None:
            raise click.ClickException("the tile cache is off (GEOPLATFORM_TILES__CACHE)")
        cache.check_layers([layer])
        blocks = plan(chosen, area, levels)
        label = f"{layer.id} {chosen.id} z{levels.start}-{levels.stop - 1}"
        started = time.perf_counter()
        report = seed(cache, store, layer, chosen, blocks, _progress(f"seeding {label}"))
    click.echo(
        f"{label}: {report.total} tiles, {report.written} written ({report.empty} empty), "
        f"{report.already} already cached, {report.skipped} not kept (a write was under way) "
        f"in {time.perf_counter() - started:.1f} s"
    )


@tiles.command(name="clear")
@click.argument("layer_ids", nargs=-1)
def tiles_clear(layer_ids: tuple[str, ...]) -> None:
    """Drop the cached tiles of LAYER_IDS (default: every layer).

    Needed only after writes that bypass geoplatform (psql, ogr2ogr) or a
    PostGIS restore; every write through geoplatform drops its own tiles.
    """
    from geoplatform.app import open_catalog_and_store
    from geoplatform.tiles.cache import tile_cache

    settings = _settings()
    catalog, store = open_catalog_and_store(settings)
    with store:
        chosen = [catalog.get(i).id for i in layer_ids] or [layer.id for layer in catalog]
        cache = tile_cache(settings, store)
        if cache is None:
            raise click.ClickException("the tile cache is off (GEOPLATFORM_TILES__CACHE)")
        for layer_id in chosen:
            cache.clear(layer_id)
    click.echo(f"cleared the cached tiles of {len(chosen)} layer(s) in {cache.root}")


@cli.command(name="layers")
def list_layers() -> None:
    """Validate layers/*.yml and list the layers with their feature counts."""
    from geoplatform.app import open_catalog_and_store

    _, store = open_catalog_and_store(_settings())
    with store:
        for layer in store.catalog:
            click.echo(f"{layer.id:<16} {layer.access:<10} {store.count(layer.id):>8}")


def main() -> None:
    """Entry point that turns our errors into one line and exit code 2."""
    try:
        cli(standalone_mode=False)
    except GeoPlatformError as error:
        click.echo(f"error: {error.description}", err=True)
        sys.exit(2)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)


if __name__ == "__main__":
    main()
