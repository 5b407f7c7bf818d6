"""Run under Debian's /usr/bin/python3 (PyQGIS): open OAPIF layers and report what QGIS sees.

Usage: qgis_probe.py BASE_URL REQUEST_JSON; prints one JSON document on stdout.
REQUEST_JSON: {"layers": [ids], "bbox": {"layer": id, "rect": [xmin, ymin, xmax, ymax]},
               "subset": {"layer": id, "expression": "..."},
               "features": [{"layer": id, "id": fid, "srsname": "EPSG:4549" (optional)}],
               "choropleth": {"layer": id, "field": "count", "classes": 5, "png": path},
               "vector_tiles": [{"layer": id, "zmin": z, "zmax": z, "png": path,
                                 "extent": [xmin, ymin, xmax, ymax] (lon/lat)}]}
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    QgsApplication,
    QgsClassificationQuantile,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeatureRequest,
    QgsGraduatedSymbolRenderer,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProject,
    QgsRectangle,
    QgsStyle,
    QgsVectorLayer,
    QgsVectorTileBasicRenderer,
    QgsVectorTileLayer,
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
    colours = render([layer], layer.crs(), layer.extent(), request["png"])
    return {
        "valid": layer.isValid(),
        "count": layer.featureCount(),
        "ranges": [[r.lowerValue(), r.upperValue()] for r in renderer.ranges()],
        "class_colours": [r.symbol().color().name() for r in renderer.ranges()],
        "pixel_colours": colours,
    }


def render(layers, crs, extent, png):
    """Draw ``layers`` over ``extent`` (in ``crs``) on white; the colours seen, sampled."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(crs)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(800, 600))
    settings.setBackgroundColor(QColor(255, 255, 255))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    image.save(png, "PNG")
    colours = {}
    for y in range(0, image.height(), 4):
        for x in range(0, image.width(), 4):
            rgb = image.pixel(x, y) & 0xFFFFFF
            colours[rgb] = colours.get(rgb, 0) + 1
    return {f"#{rgb:06x}": n for rgb, n in colours.items()}


def vector_tiles(base_url, request):
    """Open a Web Mercator vector tile layer of the server (XYZ template), draw it."""
    template = f"{base_url}/collections/{request['layer']}/tiles/WebMercatorQuad/{{z}}/{{y}}/{{x}}"
    uri = f"type=xyz&url={template}&zmin={request['zmin']}&zmax={request['zmax']}"
    layer = QgsVectorTileLayer(uri, request["layer"])
    renderer = QgsVectorTileBasicRenderer()
    renderer.setStyles(QgsVectorTileBasicRenderer.simpleStyleWithRandomColors())
    layer.setRenderer(renderer)
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    transform = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), mercator, QgsProject.instance()
    )
    extent = transform.transformBoundingBox(QgsRectangle(*request["extent"]))
    return {
        "valid": layer.isValid(),
        "error": layer.error().summary() if not layer.isValid() else "",
        "source_zooms": [layer.sourceMinZoom(), layer.sourceMaxZoom()],
        "pixel_colours": render([layer], mercator, extent, request["png"]),
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
    result["vector_tiles"] = [vector_tiles(base_url, r) for r in request.get("vector_tiles", [])]
    print(json.dumps(result), flush=True)
    # Standalone QGIS may crash while tearing down providers after exitQgis(); the result
    # is already out, so leave without running destructors.
    os._exit(0)


if __name__ == "__main__":
    main()
