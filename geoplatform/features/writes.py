"""geoplatform.features.writes: create, replace, update and delete one feature, safely.

The rules (reliability R8, R10):

- a credential with the ``editor`` role is required (401 without one, 403 without
  the role); the layer must be ``editable`` (405 otherwise, at the edge);
- a department edits only what it owns: the layer's owner edits every feature,
  another department only features whose ``owner_property`` is its own code,
  and cannot give a feature away;
- replace, update and delete need ``If-Match`` with the feature's current strong
  ETag (428 without, 412 when it does not match): no lost update;
- the check and the write happen under the layer's write lock, in one
  transaction with the H3 index, the counts, the feature's history row and the
  audit row.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson

from geoplatform.auth.principals import Principal, Role
from geoplatform.catalog import LayerDefinition
from geoplatform.errors import (
    Forbidden,
    InvalidParameter,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    SchemaViolation,
    Unauthorized,
)
from geoplatform.features.etag import current_etag, etag_of
from geoplatform.features.geometry import parse_geometry
from geoplatform.features.values import check_properties
from geoplatform.store.base import FeatureStore
from geoplatform.store.editing import FeatureEdit
from geoplatform.store.values import utc_text
from geoplatform.web.answer import Answer

_MULTI = {"Point": "MultiPoint", "LineString": "MultiLineString", "Polygon": "MultiPolygon"}


class FeatureWrites:
    """Part 4 writes on the store's editable layers."""

    def __init__(self, store: FeatureStore, base_url: str) -> None:
        self.store = store
        self.base_url = base_url

    # -- the four operations ----------------------------------------------------------

    def create(
        self, principal: Principal, layer: LayerDefinition, raw: bytes, content_crs: str | None
    ) -> Answer:
        """POST /collections/{id}/items: a new feature (201, Location, ETag)."""
        self._editor(principal)
        properties, geometry = self._feature(layer, raw, content_crs, partial=False)
        self._claim(principal, layer, properties)
        with self.store.edit() as edit:
            fid = edit.insert(layer.id, properties, geometry)
            self._record(edit, principal, layer, fid, "create")
        return self._answer(layer, fid, 201)

    def change(
        self,
        principal: Principal,
        layer: LayerDefinition,
        fid: int,
        raw: bytes,
        if_match: str | None,
        content_crs: str | None,
        *,
        replace: bool,
    ) -> Answer:
        """PUT (``replace``: the whole feature) or PATCH (the given members) of one feature."""
        self._editor(principal)
        properties, geometry = self._feature(layer, raw, content_crs, partial=not replace)
        with self.store.edit() as edit:
            current = self._guarded(edit, principal, layer, fid, if_match)
            after = properties if replace else {**current, **properties}
            self._claim(principal, layer, after, current)
            edit.update(layer.id, fid, properties, geometry, replace=replace)
            self._record(edit, principal, layer, fid, "replace" if replace else "update")
        return self._answer(layer, fid, 200)

    def delete(
        self, principal: Principal, layer: LayerDefinition, fid: int, if_match: str | None
    ) -> Answer:
        """DELETE /collections/{id}/items/{fid} (204)."""
        self._editor(principal)
        with self.store.edit() as edit:
            self._guarded(edit, principal, layer, fid, if_match)
            edit.delete(layer.id, fid)
            self._record(edit, principal, layer, fid, "delete", deleted=True)
        return Answer(204)

    # -- rules --------------------------------------------------------------------------

    @staticmethod
    def _editor(principal: Principal) -> None:
        if not principal.authenticated:
            raise Unauthorized("editing needs a credential")
        if not principal.has(Role.editor) or principal.org_code is None:
            raise Forbidden("editing needs the editor role of a department")

    def _guarded(
        self,
        edit: FeatureEdit,
        principal: Principal,
        layer: LayerDefinition,
        fid: int,
        if_match: str | None,
    ) -> dict[str, Any]:
        """The current properties, once the layer is locked and If-Match holds."""
        if if_match is None:
            raise PreconditionRequired("send If-Match with the feature's ETag (from a GET)")
        edit.lock_layer(layer.id)
        record = edit.get(layer.id, fid)
        if record is None:
            raise NotFound("feature not found")
        tags = {t.strip() for t in if_match.split(",")}
        if "*" not in tags and current_etag(edit.store, layer.id, fid) not in tags:
            raise PreconditionFailed("the feature has changed since it was read (If-Match)")
        if not _owns(principal, layer, record.properties):
            raise Forbidden("this feature belongs to another department")
        return record.properties

    @staticmethod
    def _claim(
        principal: Principal,
        layer: LayerDefinition,
        properties: dict[str, Any],
        current: dict[str, Any] | None = None,
    ) -> None:
        """A department keeps what it writes: the owner property stays its own code."""
        if principal.org_code == layer.owner.code:
            return
        owner = layer.owner_property
        if owner is None:
            raise Forbidden(f"only {layer.owner.name.en} edits this collection")
        if properties.get(owner) is None and current is None:
            properties[owner] = principal.org_code
        if properties.get(owner) != principal.org_code:
            raise Forbidden(f"{owner} must be your department's code")

    # -- helpers ------------------------------------------------------------------------

    @staticmethod
    def _feature(
        layer: LayerDefinition, raw: bytes, content_crs: str | None, *, partial: bool
    ) -> tuple[dict[str, Any], Any]:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise InvalidParameter("the body is not valid JSON") from None
        if not isinstance(body, dict):
            raise InvalidParameter("the body must be a GeoJSON Feature object")
        if not partial and body.get("type") != "Feature":
            raise SchemaViolation("the body must be a GeoJSON Feature")
        unknown = set(body) - {"type", "id", "geometry", "properties", "links", "bbox"}
        if unknown:
            raise SchemaViolation(f"unknown members: {', '.join(sorted(unknown)[:5])}")
        properties = check_properties(layer, body.get("properties") or {})
        geometry = None
        if "geometry" in body or not partial:
            allowed = {layer.geometry_type, _MULTI.get(layer.geometry_type, "")}
            crs_uri = content_crs.strip().strip("<>") if content_crs else None
            geometry = parse_geometry(body.get("geometry"), allowed, crs_uri)
        return properties, geometry

    def _record(
        self,
        edit: FeatureEdit,
        principal: Principal,
        layer: LayerDefinition,
        fid: int,
        action: str,
        *,
        deleted: bool = False,
    ) -> None:
        """The feature's new state in its history, and the audit row."""
        at = utc_text(dt.datetime.now(dt.UTC))
        feature = None
        if not deleted:
            record = edit.get(layer.id, fid)
            assert record is not None
            from geoplatform.geojson import geojson_features

            feature = orjson.dumps(geojson_features([record], None)[0]).decode()
        table = edit.table("gp_feature_history")
        m = edit.mark
        row = edit.execute(
            f"SELECT coalesce(max(seq), 0) FROM {table} WHERE layer_id = {m} AND fid = {m}",
            (layer.id, fid),
        ).fetchone()
        edit.execute(
            f"INSERT INTO {table} (layer_id, fid, seq, action, actor_id, actor_org, at, feature) "
            f"VALUES ({', '.join([m] * 8)})",
            (layer.id, fid, int(row[0]) + 1, action, principal.id, principal.org_code, at, feature),
        )
        edit.execute(
            f"INSERT INTO {edit.table('gp_audit')} (at, principal_id, method, target, status, "
            f"detail) VALUES ({', '.join([m] * 6)})",
            (at, principal.id, action, f"/collections/{layer.id}/items/{fid}", 200, None),
        )

    def _answer(self, layer: LayerDefinition, fid: int, status: int) -> Answer:
        canonical = self.store.item_geojson(layer.id, fid, None)
        assert canonical is not None
        headers = {"ETag": etag_of(canonical)}
        if status == 201:
            headers["Location"] = f"{self.base_url}/collections/{layer.id}/items/{fid}"
        return Answer(status, canonical, headers)


def _owns(principal: Principal, layer: LayerDefinition, properties: dict[str, Any]) -> bool:
    if principal.org_code == layer.owner.code:
        return True
    owner = layer.owner_property
    return owner is not None and properties.get(owner) == principal.org_code
