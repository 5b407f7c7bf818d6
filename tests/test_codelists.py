"""GB/T 47678.5-2026 code lists: the counts and codes the standard gives."""

from __future__ import annotations

from collections import Counter

from geoplatform.codelists import component_classes, matter_classes


def test_component_classes() -> None:
    classes = component_classes()
    assert len(classes) == 153
    assert len({c.code for c in classes}) == 153
    by_major = Counter(c.major_code for c in classes)
    assert by_major == {"01": 76, "02": 44, "03": 16, "04": 14, "05": 3}
    named = {c.code: c.name for c in classes}
    assert (
        named["01001"] == "供水井盖" and named["01037"] == "路灯" and named["01013"] == "消防设施"
    )
    assert "01016" not in named  # reserved, as transcribed


def test_matter_classes_mirror_components_and_add_97() -> None:
    matters = {m.code: m for m in matter_classes()}
    assert len(matters) == 250
    for component in component_classes():
        assert matters[component.code].name.startswith(component.name.removesuffix("SOS"))
    assert matters["06010"].name == "暴露垃圾" and matters["06010"].legacy_code == "0110"
    assert matters["09009"].name == "机动车乱停放"
    assert sum(1 for code in matters if code[:2] in {"06", "07", "08", "09", "10"}) == 97
