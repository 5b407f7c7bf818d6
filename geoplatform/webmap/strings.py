"""geoplatform.webmap.strings: the map page's own words, in each page language.

Layer names are not here: they are the collections' titles, which the API
serves in the requested language.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "地图",
        "home": "首页",
        "collections": "数据集",
        "other_language": "English",
        "layers": "图层",
        "loading": "正在加载图层…",
        "failed": "地图加载失败",
        "no_webgl": "此浏览器无法显示地图（需要 WebGL）",
        "no_layers": "没有可显示的图层",
        "hexbins": "六边形统计",
        "legend": "每个六边形的数量",
        "feature": "要素",
        "feature_id": "编号",
        "map_label": "交互式地图",
        "zoom_in": "放大地图后显示",
    },
    "en": {
        "title": "Map",
        "home": "Home",
        "collections": "Collections",
        "other_language": "中文",
        "layers": "Layers",
        "loading": "Loading layers…",
        "failed": "The map could not be loaded",
        "no_webgl": "This browser cannot show the map (WebGL is needed)",
        "no_layers": "No layer to show",
        "hexbins": "hexagon counts",
        "legend": "Count per hexagon",
        "feature": "Feature",
        "feature_id": "id",
        "map_label": "Interactive map",
        "zoom_in": "Shown when zoomed in",
    },
}
