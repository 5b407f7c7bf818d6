/*
 * geoplatform web map: MapLibre GL JS over this server's OGC API.
 *
 * No layer is written here. At load the page reads /collections (titles in the
 * page's language) and shows every collection that links to vector tilesets
 * (points, lines, polygons), to map tilesets (raster imagery and elevation, the
 * base of the map) and, by the {layer}_hex{res} naming, hexbin counts (one
 * choropleth per counted layer, each resolution on the zooms its tileset
 * offers). Every request goes to this server: there is no outside base map.
 */
(function () {
  "use strict";

  const REL_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector";
  const REL_MAP = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-map";
  const MATRIX_SET = "WebMercatorQuad";
  const MVT = "application/vnd.mapbox-vector-tile";
  const HEXBIN_ID = /^(.+)_hex(\d+)$/;
  const ELEVATION_ID = /(^|_)(dem|dsm|dtm|elevation|height|terrain)(_|$)/i;
  const ELEVATION_KEYWORDS = new Set(["dem", "dsm", "dtm", "elevation", "terrain", "高程"]);
  const BACKGROUND = "#eef0f2";
  const PALETTE = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
    "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#393b79", "#00a087",
  ];
  // Counts per hexagon on a log-like scale: one legend fits every resolution.
  const HEX_BREAKS = [3, 10, 30, 100, 300];
  const HEX_COLOURS = ["#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"];
  // Drawing order, bottom first.
  const ORDER = { imagery: 0, elevation: 1, polygon: 2, hexbin: 3, line: 4, point: 5 };
  const GEOMETRY = { 0: "point", 1: "line", 2: "polygon" };
  // Collections drawn on another layer's features (indicators per street, ...) start hidden.
  const HIDDEN_KEYWORDS = new Set(["indicators"]);

  const settings = JSON.parse(document.getElementById("webmap-config").textContent);
  const text = settings.strings;
  const root = new URL(".", window.location.href).href;

  /** An API link rebased on the page's own origin (the API writes its public URL). */
  function local(href) {
    const base = settings.baseUrl + "/";
    return href.startsWith(base) ? root + href.slice(base.length) : href;
  }

  function setState(state, message) {
    document.body.dataset.mapState = state;
    document.getElementById("webmap-status").textContent = message || "";
  }

  function element(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content; // never parsed as HTML
    return node;
  }

  async function getJSON(url) {
    const response = await fetch(url, { headers: { Accept: "application/json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return response.json();
  }

  function bboxOf(collection) {
    const boxes = collection.extent && collection.extent.spatial && collection.extent.spatial.bbox;
    const box = Array.isArray(boxes) ? boxes[0] : null;
    if (!Array.isArray(box) || box.length !== 4 || !box.every(Number.isFinite)) return null;
    return box;
  }

  function union(boxes) {
    const found = boxes.filter(Boolean);
    if (!found.length) return null;
    return [
      Math.min(...found.map((b) => b[0])), Math.min(...found.map((b) => b[1])),
      Math.max(...found.map((b) => b[2])), Math.max(...found.map((b) => b[3])),
    ];
  }

  /** The WebMercatorQuad tileset metadata URL under a collection's tilesets link. */
  function tilesetUrl(href) {
    const url = new URL(local(href), root);
    url.search = "";
    url.pathname = url.pathname.replace(/\/$/, "") + "/" + MATRIX_SET;
    return url.href;
  }

  /** Tile matrices the tileset offers (the layer's, else the matrix set limits). */
  function zoomWindow(metadata) {
    const layer = (metadata.layers || [])[0] || {};
    const limits = (metadata.tileMatrixSetLimits || []).map((l) => Number(l.tileMatrix));
    let low = layer.minTileMatrix === undefined ? NaN : Number(layer.minTileMatrix);
    let high = layer.maxTileMatrix === undefined ? NaN : Number(layer.maxTileMatrix);
    if (!Number.isInteger(low)) low = limits.length ? Math.min(...limits) : 0;
    if (!Number.isInteger(high)) high = limits.length ? Math.max(...limits) : 22;
    return { low, high };
  }

  /** The tile URL template of the item link of ``mediaType``, with the format asked for. */
  function tileTemplate(metadata, fallback, mediaType, format) {
    const items = (metadata.links || []).filter((l) => l.rel === "item" && l.href);
    const chosen = items.find((l) => (l.type || "").startsWith(mediaType)) || items[0];
    let href = chosen ? chosen.href : fallback;
    if (format && !href.includes("?")) href += `?f=${format}`; // one URL per format, whatever Accept says
    return local(href)
      .replace("{tileMatrix}", "{z}")
      .replace("{tileRow}", "{y}")
      .replace("{tileCol}", "{x}");
  }

  function tileJsonLink(metadata) {
    return (metadata.links || []).find(
      (l) => l.href && (/[?&]f=tilejson(&|$)/.test(l.href) || (l.type || "").includes("tile+json"))
    );
  }

  /** A MapLibre source for a tileset: its TileJSON when linked, else its tile template. */
  function sourceFor(entry, metadata, type) {
    const zooms = zoomWindow(metadata);
    const tileJson = tileJsonLink(metadata);
    const source = { type };
    if (type === "raster") source.tileSize = 256; // OGC 2D tile matrices are 256 pixels
    if (tileJson) {
      source.url = local(tileJson.href);
      return source;
    }
    const fallback = entry.metadataUrl + "/{tileMatrix}/{tileRow}/{tileCol}";
    source.tiles = type === "raster"
      ? [tileTemplate(metadata, fallback, "image/png", "png")]
      : [tileTemplate(metadata, fallback, MVT)];
    source.minzoom = zooms.low;
    source.maxzoom = zooms.high;
    if (entry.bbox) source.bounds = entry.bbox;
    return source;
  }

  /** Collections with tiles, read from /collections in the page's language. */
  async function discover() {
    const listing = await getJSON(`${root}collections?f=json&lang=${settings.lang}`);
    const collections = listing.collections || [];
    const titles = new Map(collections.map((c) => [c.id, c.title || c.id]));
    const found = [];
    for (const collection of collections) {
      const links = collection.links || [];
      const raster = links.find((l) => l.rel === REL_MAP);
      const vector = links.find((l) => l.rel === REL_VECTOR);
      const tiles = raster || vector;
      if (!tiles) continue;
      const hexbin = vector ? HEXBIN_ID.exec(collection.id) : null;
      const keywords = Array.isArray(collection.keywords) ? collection.keywords : [];
      const elevation = ELEVATION_ID.test(collection.id)
        || keywords.some((k) => ELEVATION_KEYWORDS.has(String(k).toLowerCase()));
      let kind = vector ? "vector" : "imagery";
      if (raster && elevation) kind = "elevation";
      if (hexbin) kind = "hexbin";
      found.push({
        id: collection.id,
        title: titles.get(collection.id),
        kind,
        visible: !keywords.some((k) => HIDDEN_KEYWORDS.has(k)),
        source: hexbin ? hexbin[1] : null,
        sourceTitle: hexbin ? titles.get(hexbin[1]) || hexbin[1] : null,
        resolution: hexbin ? Number(hexbin[2]) : null,
        bbox: bboxOf(collection),
        metadataUrl: tilesetUrl(tiles.href),
      });
    }
    return found;
  }

  /** Each tileset's metadata; a tileset that cannot be described is left out. */
  async function describe(found) {
    const settled = await Promise.allSettled(found.map((c) => getJSON(c.metadataUrl)));
    const described = [];
    settled.forEach((result, index) => {
      if (result.status === "fulfilled") {
        described.push({ ...found[index], metadata: result.value });
      } else {
        console.warn(result.reason);
      }
    });
    return described;
  }

  function pointLayers(id, base, colour) {
    return [{
      ...base, id: `${id}-point`, type: "circle",
      paint: {
        "circle-color": colour,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 8, 2, 12, 3.5, 16, 6],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 0.6,
      },
    }];
  }

  function lineLayers(id, base, colour) {
    return [{
      ...base, id: `${id}-line`, type: "line",
      paint: {
        "line-color": colour,
        "line-width": ["interpolate", ["linear"], ["zoom"], 8, 1, 16, 3],
      },
    }];
  }

  function polygonLayers(id, base, colour) {
    return [
      // A faint fill: stacked layers stay readable, and a click inside still finds the polygon.
      { ...base, id: `${id}-fill`, type: "fill", paint: { "fill-color": colour, "fill-opacity": 0.04 } },
      {
        ...base, id: `${id}-outline`, type: "line",
        paint: {
          "line-color": colour,
          "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.6, 14, 1.6],
        },
      },
    ];
  }

  function hexbinLayer(item, base) {
    const ramp = ["step", ["to-number", ["get", "count"], 0], HEX_COLOURS[0]];
    HEX_BREAKS.forEach((limit, i) => ramp.push(limit, HEX_COLOURS[i + 1]));
    return {
      ...base, id: `${item.id}-hexbin`, type: "fill",
      paint: { "fill-color": ramp, "fill-opacity": 0.7, "fill-outline-color": "rgba(255,255,255,0.7)" },
    };
  }

  function zoomRange(layer, zooms, open) {
    if (zooms.low > 0 && !open.low) layer.minzoom = zooms.low;
    if (!open.high) layer.maxzoom = zooms.high + 1; // MapLibre's maxzoom is exclusive
    return layer;
  }

  /** A collection's features, styled by their geometry (from the tileset metadata). */
  function featureEntry(item, colour) {
    const layer = (item.metadata.layers || [])[0] || {};
    const geometry = GEOMETRY[layer.geometryDimension] || "polygon";
    const base = {
      source: item.id,
      "source-layer": layer.id || item.id,
      layout: { visibility: item.visible ? "visible" : "none" },
    };
    const make = { point: pointLayers, line: lineLayers, polygon: polygonLayers }[geometry];
    return {
      id: item.id, title: item.title, kind: geometry, colour,
      sources: { [item.id]: sourceFor(item, item.metadata, "vector") },
      layers: make(item.id, base, colour),
    };
  }

  /** A raster base layer: imagery opaque, elevation half transparent over it. */
  function rasterEntry(item) {
    const opacity = item.kind === "elevation" ? 0.5 : 1;
    const layer = {
      id: `${item.id}-raster`, type: "raster", source: item.id,
      layout: { visibility: item.visible ? "visible" : "none" },
      paint: { "raster-opacity": opacity },
    };
    return {
      id: item.id, title: item.title, kind: item.kind, colour: "#9aa4ad",
      sources: { [item.id]: sourceFor(item, item.metadata, "raster") },
      layers: [layer],
    };
  }

  /**
   * One choropleth for a counted layer's hexbin collections: each resolution is
   * drawn on the zooms its tileset offers (the coarsest also below, the finest above).
   */
  function hexbinEntry(source, items, visible) {
    items.sort((a, b) => a.resolution - b.resolution);
    const sources = {};
    const layers = items.map((item, index) => {
      sources[item.id] = sourceFor(item, item.metadata, "vector");
      const layer = (item.metadata.layers || [])[0] || {};
      const base = {
        source: item.id,
        "source-layer": layer.id || item.id,
        layout: { visibility: visible ? "visible" : "none" },
      };
      const open = { low: index === 0, high: index === items.length - 1 };
      return zoomRange(hexbinLayer(item, base), zoomWindow(item.metadata), open);
    });
    return {
      id: `${source}-hexbins`, title: `${items[0].sourceTitle} · ${text.hexbins}`, kind: "hexbin",
      colour: HEX_COLOURS[3], sources, layers,
    };
  }

  /**
   * Switcher entries (one per collection, one per hexbin group), each with its
   * MapLibre sources and style layers, sorted bottom to top. Only the first hexbin
   * group starts visible: two choropleths on top of each other cannot be read.
   */
  function buildEntries(described) {
    const entries = [];
    const groups = new Map();
    let colourIndex = 0;
    for (const item of described) {
      if (item.kind === "hexbin") {
        if (!groups.has(item.source)) groups.set(item.source, []);
        groups.get(item.source).push(item);
      } else if (item.kind === "vector") {
        entries.push(featureEntry(item, PALETTE[colourIndex++ % PALETTE.length]));
      } else {
        entries.push(rasterEntry(item));
      }
    }
    let first = true;
    for (const [source, items] of groups) {
      const group = hexbinEntry(source, items, first);
      first = false;
      entries.push(group);
      // The counted features themselves appear where the finest hexagons do.
      const counted = entries.find((e) => e.id === source);
      const finest = group.layers[group.layers.length - 1].minzoom;
      if (counted && finest) counted.layers.forEach((l) => { l.minzoom = finest; });
    }
    return entries.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  }

  function setVisible(map, entry, visible) {
    for (const layer of entry.layers) {
      layer.layout.visibility = visible ? "visible" : "none";
      map.setLayoutProperty(layer.id, "visibility", layer.layout.visibility);
    }
  }

  function isVisible(entry) {
    return entry.layers.some((l) => l.layout.visibility !== "none");
  }

  function buildSwitcher(map, entries) {
    const list = document.getElementById("webmap-layers");
    for (const entry of [...entries].reverse()) {
      const item = element("li");
      const label = element("label");
      const box = element("input");
      box.type = "checkbox";
      box.checked = isVisible(entry);
      box.dataset.layer = entry.id;
      box.addEventListener("change", () => {
        setVisible(map, entry, box.checked);
        updateLegend(entries);
      });
      const swatch = element("span", `webmap-swatch ${entry.kind}`);
      swatch.style.backgroundColor = entry.colour;
      label.append(box, swatch, element("span", null, entry.title));
      item.appendChild(label);
      list.appendChild(item);
      entry.item = item;
    }
    const dim = () => entries.forEach((entry) => dimOutOfRange(map, entry));
    map.on("zoomend", dim);
    dim();
  }

  /** Grey out an entry none of whose layers is drawn at this zoom (cases at city scale). */
  function dimOutOfRange(map, entry) {
    const zoom = map.getZoom();
    const drawn = entry.layers.some((l) => (l.minzoom || 0) <= zoom && zoom < (l.maxzoom || 99));
    entry.item.classList.toggle("webmap-out-of-range", !drawn);
    entry.item.title = drawn ? "" : text.zoom_in;
  }

  function buildLegend() {
    const steps = document.getElementById("webmap-legend-steps");
    const lows = [1, ...HEX_BREAKS];
    lows.forEach((low, i) => {
      const high = i + 1 < lows.length ? lows[i + 1] - 1 : null;
      const row = element("li");
      const swatch = element("span", "webmap-swatch");
      swatch.style.backgroundColor = HEX_COLOURS[i];
      const range = high === null ? `≥ ${low}` : low === high ? `${low}` : `${low}–${high}`;
      row.append(swatch, element("span", null, range));
      steps.appendChild(row);
    });
  }

  function updateLegend(entries) {
    const shown = entries.some((e) => e.kind === "hexbin" && isVisible(e));
    document.getElementById("webmap-legend").hidden = !shown;
  }

  function popupContent(entry, feature) {
    const box = element("div", "webmap-popup");
    box.appendChild(element("h3", null, entry ? entry.title : text.feature));
    const table = element("table");
    const rows = [];
    if (feature.id !== undefined && feature.id !== null) rows.push([text.feature_id, feature.id]);
    for (const [key, value] of Object.entries(feature.properties || {})) rows.push([key, value]);
    for (const [key, value] of rows) {
      const row = element("tr");
      const shown = value !== null && typeof value === "object" ? JSON.stringify(value) : String(value);
      row.append(element("th", null, key), element("td", null, shown));
      table.appendChild(row);
    }
    const body = element("div", "webmap-popup-body");
    body.appendChild(table);
    box.appendChild(body);
    return box;
  }

  function enableFeatureInfo(map, entries) {
    const owner = new Map();
    for (const entry of entries) {
      if (entry.kind === "imagery" || entry.kind === "elevation") continue;
      for (const layer of entry.layers) {
        if (!layer.id.endsWith("-outline")) owner.set(layer.id, entry);
      }
    }
    const queryable = [...owner.keys()];
    const hits = (point) => (queryable.length ? map.queryRenderedFeatures(point, { layers: queryable }) : []);
    map.on("click", (event) => {
      const found = hits(event.point);
      if (!found.length) return;
      const feature = found[0];
      new maplibregl.Popup({ maxWidth: "22rem" })
        .setLngLat(event.lngLat)
        .setDOMContent(popupContent(owner.get(feature.layer.id), feature))
        .addTo(map);
    });
    map.on("mousemove", (event) => {
      map.getCanvas().style.cursor = hits(event.point).length ? "pointer" : "";
    });
  }

  function webglAvailable() {
    const canvas = document.createElement("canvas");
    return Boolean(canvas.getContext("webgl2") || canvas.getContext("webgl"));
  }

  function padding() {
    const panel = document.getElementById("webmap-panel");
    const box = document.getElementById("map").getBoundingClientRect();
    const left = Math.min(panel.offsetWidth + 24, box.width * 0.35);
    return { top: 24, bottom: 24, right: 48, left };
  }

  async function start() {
    if (!webglAvailable()) {
      setState("error", text.no_webgl);
      return;
    }
    const described = await describe(await discover());
    const entries = buildEntries(described);
    const sources = Object.assign({}, ...entries.map((e) => e.sources));
    const layers = [
      { id: "background", type: "background", paint: { "background-color": BACKGROUND } },
      ...entries.flatMap((e) => e.layers),
    ];
    const bounds = union(described.filter((d) => d.kind !== "hexbin").map((d) => d.bbox));
    const map = new maplibregl.Map({
      container: "map",
      style: { version: 8, sources, layers },
      bounds: bounds || [-180, -60, 180, 75],
      fitBoundsOptions: { padding: padding() },
      maxZoom: 20,
      attributionControl: { compact: true },
      transformRequest: (url) => ({ url: local(url) }),
    });
    window.webmap = map; // for scripting the page (and its browser test)
    map.addControl(new maplibregl.NavigationControl(), "top-right");
    map.addControl(new maplibregl.ScaleControl(), "bottom-right");
    buildSwitcher(map, entries);
    buildLegend();
    updateLegend(entries);
    enableFeatureInfo(map, entries);
    map.once("idle", () => setState("idle", entries.length ? "" : text.no_layers));
  }

  start().catch((error) => {
    console.error(error);
    setState("error", text.failed);
  });
})();
