"""geoplatform.store.gpkg_format: GeoPackage 1.3 binary geometries, core tables, R-tree.

Written by hand because this Python's sqlite3 cannot load mod_spatialite and the
file must stay a plain GeoPackage that QGIS and GDAL open as is.
"""

from __future__ import annotations

import sqlite3
import struct

import numpy as np
import shapely
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from geoplatform.catalog import AttributeType, LayerDefinition

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300
SRS_ID = 4490
_HEADER = struct.Struct("<2sBBi4d")
_EMPTY_HEADER = struct.Struct("<2sBBi")
_POINT_BLOB = struct.Struct("<2sBBi4dBIdd")
"""Header with its xy envelope, then an ISO WKB 2D point (little endian)."""
_POINT_TYPE_ID = 0
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_SQL_TYPES = {
    AttributeType.string: "TEXT",
    AttributeType.integer: "INTEGER",
    AttributeType.number: "REAL",
    AttributeType.boolean: "BOOLEAN",
    AttributeType.date: "DATE",
    AttributeType.datetime: "DATETIME",
}
_GPKG_GEOMETRY = {
    "Point": "POINT",
    "LineString": "LINESTRING",
    "Polygon": "POLYGON",
    "MultiPoint": "MULTIPOINT",
    "MultiLineString": "MULTILINESTRING",
    "MultiPolygon": "MULTIPOLYGON",
}


def quote(identifier: str) -> str:
    """Quote an identifier that the layer registry has already validated."""
    return '"' + identifier.replace('"', '""') + '"'


def encode(geometries: np.ndarray) -> list[bytes | None]:
    """Encode shapely geometries as GeoPackage blobs (little endian, xy envelope).

    A missing geometry stays NULL; an empty one gets the empty flag and no envelope.
    """
    wkbs = shapely.to_wkb(geometries, byte_order=1, flavor="iso")
    bounds = shapely.bounds(geometries)
    blobs: list[bytes | None] = []
    for wkb, b in zip(wkbs, bounds, strict=True):
        if wkb is None:
            blobs.append(None)
        elif np.isnan(b[0]):
            blobs.append(_EMPTY_HEADER.pack(b"GP", 0, 0b10001, SRS_ID) + wkb)
        else:
            blobs.append(_HEADER.pack(b"GP", 0, 0b011, SRS_ID, b[0], b[2], b[1], b[3]) + wkb)
    return blobs


def encode_one(geometry: BaseGeometry | None) -> bytes | None:
    """One geometry's blob, the same bytes as ``encode``: a 2D point (every case and
    asset written one at a time) is packed directly, without the array path's set-up
    (about 40 µs of a report's few hundred)."""
    if (
        geometry is not None
        and shapely.get_type_id(geometry) == _POINT_TYPE_ID
        and not geometry.is_empty
        and not shapely.has_z(geometry)
    ):
        x, y = shapely.get_x(geometry), shapely.get_y(geometry)
        return _POINT_BLOB.pack(b"GP", 0, 0b011, SRS_ID, x, x, y, y, 1, 1, x, y)
    return encode(np.asarray([geometry], dtype=object))[0]


def wkb_offset(blob: bytes) -> int:
    """Byte offset of the WKB inside a GeoPackage blob."""
    flags = blob[3]
    return 8 + _ENVELOPE_BYTES.get((flags >> 1) & 0b111, 0)


def decode(blobs: list[bytes | None]) -> np.ndarray:
    """Decode GeoPackage blobs into shapely geometries (None stays None)."""
    wkbs = [None if b is None else b[wkb_offset(b) :] for b in blobs]
    return shapely.from_wkb(wkbs)


def envelope(blob: bytes | None) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a blob, from its header or its WKB."""
    if blob is None or (blob[3] >> 4) & 1:
        return None
    if (blob[3] >> 1) & 0b111:
        order = "<" if blob[3] & 1 else ">"
        return struct.unpack_from(order + "4d", blob, 8)
    minx, miny, maxx, maxy = shapely.from_wkb(blob[wkb_offset(blob) :]).bounds
    return (minx, maxx, miny, maxy)


def register_functions(connection: sqlite3.Connection) -> None:
    """Register the ST_* functions the standard R-tree triggers call."""

    def bound(index: int):  # type: ignore[no-untyped-def]
        def function(blob: bytes | None) -> float | None:
            env = envelope(blob)
            return None if env is None else env[index]

        return function

    for index, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        connection.create_function(name, 1, bound(index), deterministic=True)
    connection.create_function(
        "ST_IsEmpty",
        1,
        lambda blob: None if blob is None else int(envelope(blob) is None),
        deterministic=True,
    )


def create_core_tables(connection: sqlite3.Connection) -> None:
    """Create the mandatory GeoPackage tables and the CGCS2000 definition."""
    connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    connection.execute(f"PRAGMA user_version = {USER_VERSION}")
    connection.executescript(
        """
        CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
          srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
          organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
          definition TEXT NOT NULL, description TEXT);
        CREATE TABLE IF NOT EXISTS gpkg_contents (
          table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
          identifier TEXT UNIQUE, description TEXT DEFAULT '',
          last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
          min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
          CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id)
            REFERENCES gpkg_spatial_ref_sys(srs_id));
        CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
          table_name TEXT NOT NULL, column_name TEXT NOT NULL,
          geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL,
          z TINYINT NOT NULL, m TINYINT NOT NULL,
          CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
          CONSTRAINT fk_gc_tn FOREIGN KEY (table_name)
            REFERENCES gpkg_contents(table_name),
          CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id)
            REFERENCES gpkg_spatial_ref_sys (srs_id));
        CREATE TABLE IF NOT EXISTS gpkg_extensions (
          table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL,
          definition TEXT NOT NULL, scope TEXT NOT NULL,
          CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
        """
    )
    rows = [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", None),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined", None),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, CRS.from_epsg(4326).to_wkt("WKT1_GDAL"), None),
        (
            "China Geodetic Coordinate System 2000",
            SRS_ID,
            "EPSG",
            SRS_ID,
            CRS.from_epsg(SRS_ID).to_wkt("WKT1_GDAL"),
            "CGCS2000",
        ),
    ]
    connection.executemany("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?,?,?,?,?,?)", rows)


def _rtree_triggers(table: str) -> str:
    t, r = quote(table), quote(f"rtree_{table}_geom")
    bounds = "ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)"
    name = f"rtree_{table}_geom"
    present = "(NEW.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))"
    absent = "(NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))"
    return f"""
    CREATE TRIGGER "{name}_insert" AFTER INSERT ON {t} WHEN {present}
    BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, {bounds}); END;
    CREATE TRIGGER "{name}_update1" AFTER UPDATE OF geom ON {t}
    WHEN OLD.fid = NEW.fid AND {present}
    BEGIN INSERT OR REPLACE INTO {r} VALUES (NEW.fid, {bounds}); END;
    CREATE TRIGGER "{name}_update2" AFTER UPDATE OF geom ON {t}
    WHEN OLD.fid = NEW.fid AND {absent}
    BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
    CREATE TRIGGER "{name}_update3" AFTER UPDATE ON {t}
    WHEN OLD.fid != NEW.fid AND {present}
    BEGIN DELETE FROM {r} WHERE id = OLD.fid;
      INSERT OR REPLACE INTO {r} VALUES (NEW.fid, {bounds}); END;
    CREATE TRIGGER "{name}_update4" AFTER UPDATE ON {t}
    WHEN OLD.fid != NEW.fid AND {absent}
    BEGIN DELETE FROM {r} WHERE id IN (OLD.fid, NEW.fid); END;
    CREATE TRIGGER "{name}_delete" AFTER DELETE ON {t} WHEN OLD.geom NOT NULL
    BEGIN DELETE FROM {r} WHERE id = OLD.fid; END;
    """


def sql_type(kind: AttributeType) -> str:
    """The column type an attribute type is stored as."""
    return _SQL_TYPES[kind]


def create_layer_table(connection: sqlite3.Connection, layer: LayerDefinition) -> None:
    """Create one feature table, register it and give it an R-tree index."""
    columns = ", ".join(f"{quote(a.name)} {_SQL_TYPES[a.type]}" for a in layer.attributes)
    table = quote(layer.id)
    connection.execute(
        f"CREATE TABLE {table} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
        f"geom {_GPKG_GEOMETRY[layer.geometry_type]}, {columns})"
    )
    connection.execute(
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)"
        " VALUES (?, 'features', ?, ?, ?)",
        (layer.id, layer.title.zh, layer.description.zh, SRS_ID),
    )
    connection.execute(
        "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
        (layer.id, _GPKG_GEOMETRY[layer.geometry_type], SRS_ID),
    )
    connection.execute(
        f"CREATE VIRTUAL TABLE {quote(f'rtree_{layer.id}_geom')} "
        "USING rtree(id, minx, maxx, miny, maxy)"
    )
    connection.execute(
        "INSERT INTO gpkg_extensions VALUES (?, 'geom', 'gpkg_rtree_index', "
        "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
        (layer.id,),
    )
    connection.executescript(_rtree_triggers(layer.id))
    if layer.temporal_property:
        connection.execute(
            f"CREATE INDEX {quote(f'idx_{layer.id}_{layer.temporal_property}')} "
            f"ON {table} ({quote(layer.temporal_property)})"
        )
