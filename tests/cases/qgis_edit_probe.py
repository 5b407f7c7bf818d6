"""Run under Debian's /usr/bin/python3 (PyQGIS): edit the asset register as a planner would.

Usage: qgis_edit_probe.py BASE_URL API_KEY REQUEST_JSON; prints one JSON document.
REQUEST_JSON: {"layer": id, "add": {"lon": x, "lat": y, "attributes": {...}}}
The key travels in an ``X-API-Key`` header through QGIS's own APIHeader
authentication method (stored encrypted in a throw-away auth database).
"""

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsAuthMethodConfig,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsVectorDataProvider,
    QgsVectorLayer,
)


def authcfg(key):
    manager = QgsApplication.authManager()
    manager.setMasterPassword("probe-master", True)
    config = QgsAuthMethodConfig()
    config.setMethod("APIHeader")
    config.setName("geoplatform")
    config.setConfig("X-API-Key", key)
    stored, config = manager.storeAuthenticationConfig(config)
    return config.id() if stored else None


def main():
    base_url, key, request = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    app = QgsApplication([], False)
    app.initQgis()
    auth = authcfg(key)
    uri = f"url='{base_url}' typename='{request['layer']}' authcfg={auth}"
    layer = QgsVectorLayer(uri, request["layer"], "OAPIF")
    provider = layer.dataProvider()
    capabilities = provider.capabilities()
    result = {
        "valid": layer.isValid(),
        "version": Qgis.version(),
        "can_add": bool(capabilities & QgsVectorDataProvider.AddFeatures),
        "can_change": bool(capabilities & QgsVectorDataProvider.ChangeAttributeValues),
        "can_delete": bool(capabilities & QgsVectorDataProvider.DeleteFeatures),
        "count_before": layer.featureCount(),
    }
    add = request["add"]
    feature = QgsFeature(layer.fields())
    for name, value in add["attributes"].items():
        feature.setAttribute(name, value)
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(add["lon"], add["lat"])))
    added, features = provider.addFeatures([feature])
    result["added"] = added
    result["new_id"] = features[0].id() if added else None
    result["errors"] = provider.errors()
    app.exitQgis()
    print(json.dumps(result))


main()
