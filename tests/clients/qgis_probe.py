"""Run under Debian's /usr/bin/python3 (PyQGIS): open OAPIF layers and report what QGIS sees.

Usage: qgis_probe.py BASE_URL REQUEST_JSON; prints one JSON document on stdout.
REQUEST_JSON: {"layers": [ids], "bbox": {"layer": id, "rect": [xmin, ymin, xmax, ymax]},
               "subset": {"layer": id, "expression": "..."},
               "features": [{"layer": id, "id": fid, "srsname": "EPSG:4549" (optional)}],
               "choropleth": {"layer": id, "field": "count", "classes": 5, "png": path}}
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsClassificationQuantile,
    QgsFeatureRequest,
    QgsGraduatedSymbolRenderer,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsRectangle,
    QgsStyle,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor


def choropleth(base_url, request):
    """Style a hexbin layer as a graduated choropleth, render it to PNG, report what was drawn."""
    layer = open_layer(base_url, request["layer"])
    renderer = QgsGraduatedSymbolRenderer(request["field"])
    renderer.setClassificationMethod(QgsClassificationQuantile())
    renderer.updateClasses(layer, request["classes"])
    renderer.updateColorRamp(QgsStyle().defaultStyle().colorRamp("Reds"))
    layer.setRenderer(renderer)
    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(layer.extent())
    settings.setOutputSize(QSize(800, 600))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(request["png"], "PNG")
    colours = {}
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            rgb = image.pixel(x, y) & 0xFFFFFF
            colours[rgb] = colours.get(rgb, 0) + 1
    return {
        "valid": layer.isValid(),
        "count": layer.featureCount(),
        "ranges": [[r.lowerValue(), r.upperValue()] for r in renderer.ranges()],
        "class_colours": [r.symbol().color().name() for r in renderer.ranges()],
        "pixel_colours": {f"#{rgb:06x}": n for rgb, n in colours.items()},
    }


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
    if request.get("choropleth"):
        result["choropleth"] = choropleth(base_url, request["choropleth"])
    print(json.dumps(result), flush=True)
    # Standalone QGIS may crash while tearing down providers after exitQgis(); the result
    # is already out, so leave without running destructors.
    os._exit(0)


if __name__ == "__main__":
    main()
