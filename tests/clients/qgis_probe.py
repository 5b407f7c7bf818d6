"""Run under Debian's /usr/bin/python3 (PyQGIS): open OAPIF layers and report what QGIS sees.

Usage: qgis_probe.py BASE_URL REQUEST_JSON; prints one JSON document on stdout.
REQUEST_JSON: {"layers": [ids], "bbox": {"layer": id, "rect": [xmin, ymin, xmax, ymax]},
               "subset": {"layer": id, "expression": "..."},
               "features": [{"layer": id, "id": fid, "srsname": "EPSG:4549" (optional)}]}
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsRectangle,
    QgsVectorLayer,
)


def open_layer(base_url, layer_id, srsname=None):
    uri = f"url='{base_url}' typename='{layer_id}' pagingEnabled='true'"
    if srsname:
        uri += f" srsname='{srsname}'"
    return QgsVectorLayer(uri, layer_id, "OAPIF")


def describe(layer):
    return {
        "valid": layer.isValid(),
        "count": layer.featureCount(),
        "crs": layer.crs().authid(),
        "geometry": layer.wkbType(),
        "fields": [field.name() for field in layer.fields()],
        "error": layer.error().summary() if not layer.isValid() else "",
    }


def main():
    base_url, request = sys.argv[1], json.loads(sys.argv[2])
    app = QgsApplication([], False)
    app.initQgis()
    result = {"version": __import__("qgis.core").core.Qgis.QGIS_VERSION, "layers": {}}
    for layer_id in request["layers"]:
        result["layers"][layer_id] = describe(open_layer(base_url, layer_id))
    result["features"] = []
    for probe in request.get("features", []):
        layer = open_layer(base_url, probe["layer"], probe.get("srsname"))
        feature = next(layer.getFeatures(QgsFeatureRequest().setFilterFid(probe["id"])))
        point = feature.geometry().asPoint()
        result["features"].append({"crs": layer.crs().authid(), "xy": [point.x(), point.y()]})
    box = request.get("bbox")
    if box:
        layer = open_layer(base_url, box["layer"])
        rect = QgsRectangle(*box["rect"])
        features = layer.getFeatures(QgsFeatureRequest().setFilterRect(rect))
        result["bbox_count"] = sum(1 for _ in features)
    subset = request.get("subset")
    if subset:
        layer = open_layer(base_url, subset["layer"])
        result["subset_accepted"] = layer.setSubsetString(subset["expression"])
        result["subset_count"] = sum(1 for _ in layer.getFeatures())
        result["subset_feature_count"] = layer.featureCount()
    print(json.dumps(result), flush=True)
    # Standalone QGIS may crash while tearing down providers after exitQgis(); the result
    # is already out, so leave without running destructors.
    os._exit(0)


if __name__ == "__main__":
    main()
