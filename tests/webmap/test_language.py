"""The map page's language: ``lang`` first, then Accept-Language by quality, then Chinese."""

from __future__ import annotations

import pytest

from geoplatform.webmap.language import negotiate


@pytest.mark.parametrize(
    ("lang", "accept", "expected"),
    [
        (None, None, "zh"),
        (None, "", "zh"),
        ("en", None, "en"),
        ("en-GB", "zh-CN", "en"),
        ("zh", "en-US,en;q=0.9", "zh"),
        ("fr", "en", "en"),
        ("fr", None, "zh"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR, en;q=0.5, zh;q=0.8", "zh"),
        (None, "zh_TW;q=0.2, en;q=0.3", "en"),
        (None, "en;q=0, zh-CN", "zh"),
        (None, "de, fr;q=0.9", "zh"),
        (None, "en;q=abc, zh;q=0.1", "zh"),
    ],
)
def test_negotiate(lang: str | None, accept: str | None, expected: str) -> None:
    assert negotiate(lang, accept) == expected
