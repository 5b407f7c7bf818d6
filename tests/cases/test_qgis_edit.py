"""QGIS (PyQGIS 3.40, a separate process) adds an asset to the register with a department's key.

QGIS reads ``OPTIONS`` to offer editing, sends the key through its own APIHeader
authentication method, and POSTs the feature. The server stores it with the
editor's department as owner. (QGIS 3.40.6 then looks for a header spelled
``Location`` exactly, which uvicorn sends as ``location``, so that QGIS reports
the save as failed although it landed; QGIS releases with qgis/QGIS#61814 read it.)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from geoplatform.auth import Role
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.store.base import FeatureQuery
from tests.case_loop import ORG_A, Loop

QGIS_PYTHON = "/usr/bin/python3"
PROBE = Path(__file__).with_name("qgis_edit_probe.py")
NEW_ID = "32061201037077777"


@pytest.fixture(scope="module")
def qgis_edit(loop: Loop, tmp_path_factory: pytest.TempPathFactory) -> dict:
    assert shutil.which(QGIS_PYTHON)
    _, key = PrincipalRegistry(loop.store).add("QGIS editor", [Role.editor], ORG_A)
    home = tmp_path_factory.mktemp("qgis-home")
    request = {
        "layer": "component",
        "add": {
            "lon": 120.9031,
            "lat": 32.0047,
            "attributes": {
                "component_id": NEW_ID,
                "class_code": "01037",
                "class_name": "路灯",
                "unit_code": "320612001001001",
                "status": "完好",
            },
        },
    }
    out = subprocess.run(
        [QGIS_PYTHON, str(PROBE), str(loop.client.base_url).rstrip("/"), key, json.dumps(request)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "QGIS_AUTH_DB_DIR_PATH": str(home),
            "PATH": "/usr/bin:/bin",
        },
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_qgis_offers_editing_of_the_asset_register(qgis_edit: dict) -> None:
    assert qgis_edit["valid"] and qgis_edit["version"] >= "3.40"
    assert qgis_edit["can_add"] and qgis_edit["can_change"] and qgis_edit["can_delete"]


def test_an_asset_added_in_qgis_is_stored_for_the_editors_department(
    qgis_edit: dict, loop: Loop
) -> None:
    page = loop.store.query(
        "component", FeatureQuery(equals=(("component_id", NEW_ID),), limit=2, with_count=False)
    )
    assert len(page.features) == 1, qgis_edit["errors"]
    stored = page.features[0]
    assert stored.properties["dept_code"] == ORG_A  # claimed for the key's department
    assert stored.properties["class_code"] == "01037"
    assert (stored.geometry.x, stored.geometry.y) == pytest.approx((120.9031, 32.0047))
