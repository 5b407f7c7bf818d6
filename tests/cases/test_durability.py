"""An acknowledged case is never lost: kill -9 of the server right after a burst of intakes.

A real ``geoplatform serve`` takes concurrent reports; the moment the last answer
arrives the process is killed with SIGKILL (no shutdown, no flush). Every case it
acknowledged with 201 must then be in the store: the public feature, the private
row, its history and its idempotency record.
"""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from geoplatform.auth import Role
from geoplatform.auth.registry import PrincipalRegistry
from geoplatform.store import open_store
from geoplatform.store.base import FeatureQuery
from tests.case_loop import copy_demo, server_env
from tests.conftest import start_server

BURST = 120


def test_kill_9_after_a_burst_loses_no_acknowledged_case(
    demo_settings, demo_store, catalog, tmp_path
) -> None:
    settings = copy_demo(demo_settings, demo_store, tmp_path)
    with open_store(settings.store, catalog) as store:
        _, key = PrincipalRegistry(store).add("inspector", [Role.supervisor])
        before = store.count("city_case")
        spot = store.query(
            "component", FeatureQuery(limit=BURST, with_count=False, properties=("component_id",))
        ).features
    env = server_env(settings, tmp_path)
    process, url = start_server(env, tmp_path / "server.log")

    def one(i: int) -> tuple[int, str | None, str]:
        record = spot[i % len(spot)]
        idem = f"burst-{i}-{uuid.uuid4().hex[:6]}"
        answer = httpx.post(
            f"{url}/cases",
            json={
                "class_code": "06010",
                "description": f"burst {i}",
                "position": [record.geometry.x, record.geometry.y],
            },
            headers={"Authorization": f"Bearer {key}", "Idempotency-Key": idem},
            timeout=30,
        )
        return answer.status_code, answer.json().get("id"), idem

    try:
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(one, range(BURST)))
    finally:
        process.kill()  # SIGKILL the moment the last acknowledgement arrived
        process.wait(timeout=10)
    acknowledged = {case_id for status, case_id, _ in results if status == 201}
    assert len(acknowledged) == BURST, [r for r in results if r[0] != 201][:3]
    with open_store(settings.store, catalog) as store:
        assert store.count("city_case") == before + BURST
        mark = store.placeholder
        found = {
            row[0]
            for row in store.fetch_own(
                f"SELECT c.case_id FROM {store.own_table('gp_case')} c JOIN "
                f"{store.own_table('gp_case_event')} e ON e.case_id = c.case_id AND e.seq = 1 "
                f"WHERE c.reporter_id IS NOT NULL AND e.action = {mark}",
                ("report",),
            )
        }
        assert acknowledged <= found
        keys = store.fetch_own(
            f"SELECT count(*) FROM {store.own_table('gp_idempotency')} WHERE key LIKE {mark}",
            ("burst-%",),
        )
        assert int(keys[0][0]) == BURST
        rows = store.fetch_own(f"SELECT case_id, fid FROM {store.own_table('gp_case')}", ())
        fids = {row[0]: int(row[1]) for row in rows if row[0] in acknowledged}
        for case_id, fid in fids.items():
            feature = store.get("city_case", fid)
            assert feature is not None and feature.properties["case_id"] == case_id
