"""The store's commit listeners on both backends: what they hear, and when.

The tile cache relies on these facts: every old and new geometry's box reaches
the listener, ``before_commit`` runs while the write is still undone and can
refuse it, ``after_commit`` runs once the commit has landed and cannot fail it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
import shapely

from geoplatform.errors import StoreUnavailable
from geoplatform.store.base import FeatureStore
from tests.common import case_frame, poi_frame

LAYER = "city_case"


@dataclass(eq=False)
class Recorder:
    """A listener that writes down what it hears, and what the store showed at that moment."""

    store: FeatureStore
    heard: list[tuple[str, dict]] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    fail_before: bool = False
    fail_after: bool = False

    def before_commit(self, changes) -> None:  # type: ignore[no-untyped-def]
        self.heard.append(("before", dict(changes)))
        self.counts.append(("before", self.store.count(LAYER)))
        if self.fail_before:
            raise StoreUnavailable("refused by a listener")

    def after_commit(self, changes) -> None:  # type: ignore[no-untyped-def]
        self.heard.append(("after", dict(changes)))
        self.counts.append(("after", self.store.count(LAYER)))
        if self.fail_after:
            raise OSError("a listener's disk is gone")


@pytest.fixture
def recorder(store: FeatureStore) -> Recorder:
    store.replace_all(LAYER, case_frame())
    found = Recorder(store)
    store.on_commit(found)
    store.on_commit(found)  # added once however often
    return found


def test_an_edit_reports_old_and_new_boxes_around_its_commit(
    store: FeatureStore, recorder: Recorder
) -> None:
    old = store.get(LAYER, 2).geometry
    properties = dict(store.get(LAYER, 1).properties, case_id="320600-2026-000099")
    with store.edit() as edit:
        added = edit.insert(LAYER, properties, shapely.Point(121.5, 32.5))
        edit.update(LAYER, 2, {}, shapely.Point(121.0, 32.1))
        edit.update(LAYER, 3, {"status": "处置中"})
        edit.delete(LAYER, 4)
    three, four = case_frame().geometry.iloc[2], case_frame().geometry.iloc[3]
    expected = [
        (121.5, 32.5, 121.5, 32.5),
        (old.x, old.y, old.x, old.y),
        (121.0, 32.1, 121.0, 32.1),
        (three.x, three.y, three.x, three.y),
        (four.x, four.y, four.x, four.y),
    ]
    assert recorder.heard == [("before", {LAYER: expected}), ("after", {LAYER: expected})]
    # before: the write is not visible yet (count 4); after: it has landed (4 + 1 - 1)
    assert recorder.counts == [("before", 4), ("after", 4)]
    assert store.get(LAYER, added) is not None


def test_before_sees_the_write_undone_after_sees_it_landed(
    store: FeatureStore, recorder: Recorder
) -> None:
    with store.edit() as edit:
        edit.delete(LAYER, 1)
    assert recorder.counts == [("before", 4), ("after", 3)]


def test_bulk_writes_report_the_whole_layer(store: FeatureStore, recorder: Recorder) -> None:
    store.replace_all("poi", poi_frame())
    store.reindex(LAYER)
    assert recorder.heard == [
        ("before", {"poi": None}),
        ("after", {"poi": None}),
        ("before", {LAYER: None}),
        ("after", {LAYER: None}),
    ]


def test_workflow_only_and_failed_edits_report_nothing(
    store: FeatureStore, recorder: Recorder
) -> None:
    with store.edit() as edit:
        assert edit.delete(LAYER, 999) is False
    with pytest.raises(RuntimeError), store.edit() as edit:
        edit.delete(LAYER, 1)
        raise RuntimeError("the caller gives up")
    assert recorder.heard == []
    assert store.count(LAYER) == 4


def test_a_listener_refusing_before_the_commit_rolls_the_write_back(
    store: FeatureStore, recorder: Recorder
) -> None:
    recorder.fail_before = True
    with pytest.raises(StoreUnavailable), store.edit() as edit:
        edit.delete(LAYER, 1)
    assert store.get(LAYER, 1) is not None and store.count(LAYER) == 4
    assert [when for when, _ in recorder.heard] == ["before"]  # it undoes its own work


def test_a_listener_failing_after_the_commit_does_not_fail_the_write(
    store: FeatureStore, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder.fail_after = True
    with store.edit() as edit:
        edit.delete(LAYER, 1)
    assert store.get(LAYER, 1) is None
    assert "commit listener failed" in caplog.text
