/* geo's planning studio: move, add and close bases and see the effect at once.
 *
 * Everything is computed here from the JSON document the page carries (geo.maps.studio):
 * the figures follow geo.siting.compare step by step (same inputs, same formulas, same
 * rounding for display), so `geo whatif --scenario FILE` gives the same numbers.
 * Every text from the data is set with textContent or as a DOM node: nothing runs.
 */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("geo-studio-data").textContent);
  var LAB = D.labels;
  var fmt = function (v, d) { return window.geoCharts.fmt(v, d, D.lang); };
  var N = D.cells.e.length;
  var STRAIGHT = D.unit === "m";
  var SCALE = STRAIGHT ? 1000 : 60;
  var UNIT = STRAIGHT ? LAB.km : LAB.min;
  var UNIT_KEY = STRAIGHT ? "km" : "min";
  var COLOURS = D.colours; /* geo.maps.studio.STUDIO_COLOURS */

  function label(key, values) {
    var t = LAB[key] !== undefined ? LAB[key] : key;
    if (values) for (var k in values) t = t.split("{" + k + "}").join(values[k]);
    return t;
  }
  function node(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  /* The mathematics (projection, figures, nearest base, suggestion): studio_core.js. */
  var C = window.geoStudioCore;
  var TM = C.tm;

  /* ---------------------------------------------------------------- data */
  var E = Float64Array.from(D.cells.e), NN = Float64Array.from(D.cells.n);
  /* Weights in thousandths as whole numbers (as geo.figures does): sums are exact. */
  var POP = C.exactWeights(D.cells.population);
  var weightCache = {};
  function weightsOf(name) {
    if (!weightCache[name]) weightCache[name] = C.exactWeights(D.weights[name]);
    return weightCache[name];
  }
  var CAND = D.candidates, NC = CAND.length;
  var MATRIX = null;
  if (D.matrix) {
    var bin = atob(D.matrix), bytes = new Uint8Array(bin.length);
    for (var bi = 0; bi < bin.length; bi++) bytes[bi] = bin.charCodeAt(bi);
    MATRIX = new Uint16Array(bytes.buffer);
  }
  var weightNames = Object.keys(D.weights).filter(function (k) { return D.weights[k]; });

  /* Members of each row group, in the order geo.siting.comparison_groups gives them. */
  var GROUPS = D.groups.map(function (g) {
    var idx = [], i;
    if (g.group === "all") { for (i = 0; i < N; i++) idx.push(i); }
    else if (g.group === "area") { var a = D.areas.indexOf(g.name); for (i = 0; i < N; i++) if (D.cells.area[i] === a) idx.push(i); }
    else if (g.group === "class") { var c = D.classes.indexOf(g.name); for (i = 0; i < N; i++) if (D.cells["class"][i] === c) idx.push(i); }
    else { var l = D.localities.indexOf(g.name); for (i = 0; i < N; i++) if (D.cells.locality[i] === l) idx.push(i); }
    return { group: g.group, name: g.name, members: Int32Array.from(idx) };
  });

  /* Cost (m or s) from every cell to a point: straight line, or the matrix column of the
   * candidate site the base stands at. */
  function column(base) {
    var out = new Float64Array(N), i;
    if (MATRIX) {
      var j = base.site;
      for (i = 0; i < N; i++) { var t = MATRIX[i * NC + j]; out[i] = t === 65535 ? Infinity : t; }
      return out;
    }
    return C.straightColumn(E, NN, base.e, base.n);
  }
  var columnCache = new Map();
  function cachedColumn(base) {
    var key = MATRIX ? "s" + base.site : base.e + "," + base.n;
    var col = columnCache.get(key);
    if (!col) { col = column(base); if (columnCache.size > 400) columnCache.clear(); columnCache.set(key, col); }
    return col;
  }
  /* The candidate site nearest a point (straight line; first of equals), as
   * geo.siting.snap_to_sites. */
  function snap(e, n) { return C.snap(e, n, CAND); }

  /* ---------------------------------------------------------------- state */
  function todayBases() {
    return D.bases.map(function (b, i) {
      return { id: b.id, name: b.name, e: b.e, n: b.n, lat: b.lat, lon: b.lon, status: "today",
        colour: b.colour || COLOURS[i % COLOURS.length], site: MATRIX ? snap(b.e, b.n) : -1 };
    });
  }
  var state = { bases: todayBases(), closed: [], weight: D.weight, threshold: D.threshold, next: 1 };
  var history = [];
  function snapshot() { return JSON.stringify(state); }
  function remember() { history.push(snapshot()); if (history.length > 200) history.shift(); }

  function placeAt(base, lat, lon) {
    var p = TM.forward(lat, lon);
    base.e = p[0]; base.n = p[1]; base.lat = lat; base.lon = lon;
    if (MATRIX) {
      var j = snap(base.e, base.n);
      base.site = j; base.e = CAND[j].e; base.n = CAND[j].n; base.lat = CAND[j].lat; base.lon = CAND[j].lon;
    }
  }
  function findBase(id) {
    for (var i = 0; i < state.bases.length; i++) if (state.bases[i].id === id) return state.bases[i];
    return null;
  }
  function usedColours() { return state.bases.map(function (b) { return b.colour; }); }
  /* Today's bases keep their colours; a new base takes the first free one after them. */
  function freeColour() {
    var used = usedColours();
    for (var k = 0; k < COLOURS.length; k++) {
      var c = COLOURS[(D.bases.length + k) % COLOURS.length];
      if (used.indexOf(c) < 0) return c;
    }
    return COLOURS[state.next % COLOURS.length];
  }

  /* ---------------------------------------------------------------- figures */
  var before = null;
  function nearestOf(bases) { return C.nearest(bases.map(cachedColumn), N); }
  function computeBefore() { before = nearestOf(todayBases()).cost; }

  /* The groups each cell belongs to (all, its area, its class, its locality, …). */
  var MEMBERS = C.membership(GROUPS.map(function (g) { return g.members; }), N);
  function stats(cost, w, levels) { return C.stats(cost, w, levels, SCALE, MEMBERS); }
  var beforeCache = { key: null, stats: null };
  function computeRows(after, w) {
    var levels = D.thresholds.concat([state.threshold]);
    var key = state.weight + "|" + state.threshold;
    if (beforeCache.key !== key) beforeCache = { key: key, stats: stats(before, w, levels) };
    var sb = beforeCache.stats, sa = stats(after, w, levels), tol = D.tolerance;
    var ch = C.change(before, after, POP, w, tol, MEMBERS);
    return GROUPS.map(function (grp, g) {
      var row = { group: grp.group, name: grp.name, population: ch.people[g] / 1000, weighted: ch.weight[g] / 1000,
        better: ch.better[g] / 1000, worse: ch.worse[g] / 1000 };
      [["before", sb[g]], ["after", sa[g]]].forEach(function (pair) {
        var st = pair[1], when = pair[0];
        row["mean_" + when] = st.mean; row["p90_" + when] = st.p90; row["max_" + when] = st.max;
        levels.forEach(function (t, li) {
          var key2 = li < D.thresholds.length ? "share_within_" + shortNum(t) + UNIT_KEY + "_" + when : "share_within_" + when;
          row[key2] = st.shares[li];
        });
      });
      return row;
    });
  }
  function shortNum(t) { return String(Number(t)); }

  /* ---------------------------------------------------------------- map */
  var map = L.map("map", { zoomAnimation: false, zoomSnap: 0.25, preferCanvas: false });
  var outline = L.geoJSON(D.areas_geojson, {
    style: function () { return { color: "#333", weight: 2, fill: false, interactive: true }; },
    onEachFeature: function (f, layer) { layer.bindTooltip(node("span", label("area") + ": " + f.properties.area), { sticky: true }); }
  }).addTo(map);
  map.fitBounds(outline.getBounds(), { padding: [10, 10] });
  L.control.scale({ imperial: false }).addTo(map);
  var tiles = null;

  /* Corners of every cell (lat, lon), once. */
  var corners = new Float64Array(N * 8);
  (function () {
    for (var i = 0; i < N; i++) {
      var x0 = D.cells.x0[i], y0 = D.cells.y0[i], s = D.cells.size[i];
      var pts = [[x0, y0], [x0 + s, y0], [x0 + s, y0 + s], [x0, y0 + s]];
      for (var k = 0; k < 4; k++) { var ll = TM.inverse(pts[k][0], pts[k][1]); corners[i * 8 + 2 * k] = ll[0]; corners[i * 8 + 2 * k + 1] = ll[1]; }
    }
  })();
  /* A bucket grid over the cells, for finding the cell under the pointer. */
  var BUCKET = 1000, buckets = new Map();
  (function () {
    for (var i = 0; i < N; i++) {
      var x0 = D.cells.x0[i], y0 = D.cells.y0[i], s = D.cells.size[i];
      for (var bx = Math.floor(x0 / BUCKET); bx <= Math.floor((x0 + s - 1e-6) / BUCKET); bx++)
        for (var by = Math.floor(y0 / BUCKET); by <= Math.floor((y0 + s - 1e-6) / BUCKET); by++) {
          var key = bx + "," + by; if (!buckets.has(key)) buckets.set(key, []); buckets.get(key).push(i);
        }
    }
  })();
  function cellAt(latlng) {
    var p = TM.forward(latlng.lat, latlng.lng);
    var list = buckets.get(Math.floor(p[0] / BUCKET) + "," + Math.floor(p[1] / BUCKET)) || [];
    for (var k = 0; k < list.length; k++) {
      var i = list[k], x0 = D.cells.x0[i], y0 = D.cells.y0[i], s = D.cells.size[i];
      if (p[0] >= x0 && p[0] < x0 + s && p[1] >= y0 && p[1] < y0 + s) return i;
    }
    return -1;
  }

  var current = null; /* {cost, near} of the scenario */
  var CellLayer = L.Layer.extend({
    onAdd: function (m) {
      this._canvas = L.DomUtil.create("canvas", "geo-cells");
      m.getPanes().overlayPane.appendChild(this._canvas);
      m.on("moveend resize zoomend", this._reset, this);
      this._zoom = null; this._reset();
    },
    onRemove: function (m) { L.DomUtil.remove(this._canvas); m.off("moveend resize zoomend", this._reset, this); },
    _reset: function () {
      var m = this._map, size = m.getSize(), dpr = window.devicePixelRatio || 1;
      this._tl = m.containerPointToLayerPoint([0, 0]);
      L.DomUtil.setPosition(this._canvas, this._tl);
      this._canvas.width = size.x * dpr; this._canvas.height = size.y * dpr;
      this._canvas.style.width = size.x + "px"; this._canvas.style.height = size.y + "px";
      this._dpr = dpr;
      if (m.getZoom() !== this._zoom) {
        this._zoom = m.getZoom();
        this._px = new Float64Array(N * 8);
        for (var i = 0; i < N * 4; i++) {
          var p = m.project([corners[2 * i], corners[2 * i + 1]], this._zoom);
          this._px[2 * i] = p.x; this._px[2 * i + 1] = p.y;
        }
      }
      this.draw();
    },
    draw: function () {
      if (!this._canvas || !current) return;
      var m = this._map, ctx = this._canvas.getContext("2d"), o = m.getPixelOrigin();
      var ox = o.x + this._tl.x, oy = o.y + this._tl.y, px = this._px, i, k;
      ctx.setTransform(this._dpr, 0, 0, this._dpr, 0, 0);
      ctx.clearRect(0, 0, this._canvas.width, this._canvas.height);
      var nb = state.bases.length, paths = [];
      for (k = 0; k <= nb; k++) paths.push(new Path2D());
      var beyond = new Path2D(), limit = state.threshold * SCALE;
      for (i = 0; i < N; i++) {
        var b = current.near[i], path = isFinite(current.cost[i]) ? paths[b] : paths[nb], j = i * 8;
        path.moveTo(px[j] - ox, px[j + 1] - oy);
        path.lineTo(px[j + 2] - ox, px[j + 3] - oy);
        path.lineTo(px[j + 4] - ox, px[j + 5] - oy);
        path.lineTo(px[j + 6] - ox, px[j + 7] - oy);
        /* no closePath(): fill() closes each ring, and closePath is slow on long paths */
        if (!(current.cost[i] <= limit)) {
          beyond.moveTo(px[j] - ox, px[j + 1] - oy); beyond.lineTo(px[j + 2] - ox, px[j + 3] - oy);
          beyond.lineTo(px[j + 4] - ox, px[j + 5] - oy); beyond.lineTo(px[j + 6] - ox, px[j + 7] - oy);
          beyond.lineTo(px[j] - ox, px[j + 1] - oy);
        }
      }
      ctx.globalAlpha = 0.5;
      for (k = 0; k < nb; k++) { ctx.fillStyle = state.bases[k].colour; ctx.fill(paths[k]); }
      ctx.fillStyle = "#999"; ctx.fill(paths[nb]);
      ctx.globalAlpha = 0.6; ctx.strokeStyle = "#222"; ctx.lineWidth = 0.8; ctx.setLineDash([3, 3]);
      ctx.stroke(beyond); ctx.setLineDash([]);
    }
  });
  var cells = new CellLayer().addTo(map);

  var hover = L.tooltip({ direction: "top", offset: [0, -4], className: "geo-cell-tip" });
  map.on("mousemove", function (ev) {
    var i = cellAt(ev.latlng);
    if (i < 0 || !current) { map.closeTooltip(hover); return; }
    hover.setLatLng(ev.latlng).setContent(cellContent(i));
    if (!map.hasLayer(hover)) hover.openOn(map);
  });
  map.on("mouseout", function () { map.closeTooltip(hover); });
  function cellContent(i) {
    var box = node("div");
    box.appendChild(node("b", label("cell") + " · " + D.cell_label));
    var pop = POP[i];
    box.appendChild(node("div", label("people") + ": " + (pop < D.min_count * 1000 ? label("suppressed", { n: D.min_count }) : fmt(pop / 1000, 0))));
    var b = state.bases[current.near[i]];
    var cost = current.cost[i], was = before[i];
    var text = label("nearest") + ": " + (b ? b.name : "–") + ", " +
      (isFinite(cost) ? fmt(cost / SCALE, 1) + " " + UNIT : label("unreachable")) +
      " (" + label("today_cost") + " " + (isFinite(was) ? fmt(was / SCALE, 1) + " " + UNIT : label("unreachable")) + ")";
    box.appendChild(node("div", text));
    return box;
  }

  /* Markers: today's places (ghosts, for reference), candidate sites, the bases. */
  var ghostLayer = L.layerGroup().addTo(map), baseLayer = L.layerGroup().addTo(map), candLayer = L.layerGroup().addTo(map);
  D.bases.forEach(function (b) {
    var g = L.marker([b.lat, b.lon], { icon: L.divIcon({ className: "ghost-icon", iconSize: [12, 12] }), interactive: true, keyboard: false });
    g.bindTooltip(node("span", b.name + " (" + label("today") + ")"));
    g.addTo(ghostLayer);
  });
  CAND.forEach(function (c, j) {
    if (c.kind === "base") return;
    var m = L.circleMarker([c.lat, c.lon], { radius: 3, color: "#555", weight: 1, fillColor: "#fff", fillOpacity: 1 });
    m.bindTooltip(node("span", c.name + " · " + label("kind_" + c.kind)));
    m.on("click", function () { api.addBase(c.name, c.lat, c.lon); });
    m.addTo(candLayer);
    m._geoCandidate = j;
  });
  var markers = {};
  function drawMarkers() {
    baseLayer.clearLayers(); markers = {};
    state.bases.forEach(function (b, k) {
      var icon = document.createElement("div");
      icon.className = "base-icon"; icon.style.background = b.colour; icon.textContent = String(k + 1);
      var m = L.marker([b.lat, b.lon], { draggable: true, icon: L.divIcon({ className: "", html: icon, iconSize: [22, 22], iconAnchor: [11, 11] }), title: b.name, riseOnHover: true });
      m.bindTooltip(node("span", (k + 1) + ". " + b.name + " (" + label(b.status) + ")"));
      m.on("add", function () {
        var el = m.getElement(); if (!el) return;
        el.setAttribute("data-base-id", b.id);
        el.setAttribute("aria-label", label("base_keys", { name: (k + 1) + ". " + b.name }));
        /* the keyboard: a focused base moves with the arrow keys (Shift: farther) */
        el.addEventListener("keydown", function (ev) {
          var dir = { ArrowUp: [0, 1], ArrowDown: [0, -1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] }[ev.key];
          if (!dir) return;
          ev.preventDefault();
          var step = ev.shiftKey ? 1000 : 250, ll = TM.inverse(b.e + dir[0] * step, b.n + dir[1] * step);
          api.moveBase(b.id, ll[0], ll[1]);
          var again = markers[b.id] && markers[b.id].getElement();
          if (again) again.focus();
        });
      });
      var pending = false;
      m.on("dragstart", function () { remember(); });
      m.on("drag", function () {
        if (pending) return; pending = true;
        requestAnimationFrame(function () { pending = false; var ll = m.getLatLng(); placeAt(b, ll.lat, ll.lng); if (b.status === "today") b.status = "moved"; update(false); });
      });
      m.on("dragend", function () { var ll = m.getLatLng(); placeAt(b, ll.lat, ll.lng); if (b.status === "today") b.status = "moved"; update(true); });
      m.addTo(baseLayer);
      markers[b.id] = m;
    });
  }

  /* ---------------------------------------------------------------- panel */
  var last = null; /* the last summary */
  var served = null; /* weight served by each base (thousandths) */
  function update(redrawMarkers) {
    var t0 = performance.now();
    var w = weightsOf(state.weight);
    current = nearestOf(state.bases);
    var rows = computeRows(current.cost, w);
    last = rows;
    served = new Float64Array(state.bases.length);
    for (var i = 0; i < N; i++) if (current.near[i] >= 0 && isFinite(current.cost[i])) served[current.near[i]] += w[i];
    cells.draw();
    if (redrawMarkers !== false) drawMarkers();
    renderBases(); renderTables(rows); renderHeadline(rows); renderClassChart(rows);
    api.lastUpdateMs = performance.now() - t0;
    api.updates += 1;
    document.getElementById("timing").textContent = label("update", { ms: fmt(api.lastUpdateMs, 0) });
  }

  function shownRow(r) {
    var out = {};
    Object.keys(r).forEach(function (k) {
      var v = r[k];
      if (typeof v !== "number") return;
      var text;
      if (k === "weighted" || k === "better" || k === "worse") text = C.shown(v, 0);
      else if (/^(mean|p90|max)_/.test(k)) { k = k + "_" + UNIT_KEY; text = C.shown(v / SCALE, 1); }
      else if (/^share_within/.test(k)) { k = k + "_pct"; text = C.shown(v * 100, 0); }
      else return;
      out[k] = text;
    });
    return out;
  }
  function suppressed(r) { return r.population < D.min_count; }
  function groupName(r) {
    if (r.group === "all") return label("group_all");
    if (r.group === "class") return label("class_" + r.name, { town: D.town });
    return r.name;
  }
  /* A change is said in text as well as in colour (WCAG 1.4.1): an arrow, and for screen
   * readers the word. */
  function marked(el, worse) {
    el.className = worse ? "up" : "down";
    var arrow = node("span", worse ? " ▲" : " ▼"); arrow.setAttribute("aria-hidden", "true");
    el.appendChild(arrow);
    el.appendChild(node("span", " (" + label(worse ? "change_worse" : "change_better") + ")", "sr-only"));
    return el;
  }
  function pair(b, a, d) {
    var td = node("td");
    var x = isFinite(b) ? fmt(b, d) : "–", y = isFinite(a) ? fmt(a, d) : "–";
    td.appendChild(node("span", x + " → ", "muted"));
    var after = node("b", y);
    if (isFinite(a) && isFinite(b) && Math.abs(a - b) > 1e-9) marked(after, a > b);
    td.appendChild(after);
    return td;
  }
  function pairShare(b, a) {
    var td = node("td");
    td.appendChild(node("span", (isFinite(b) ? fmt(b * 100, 0) : "–") + " → ", "muted"));
    var after = node("b", isFinite(a) ? fmt(a * 100, 0) + " %" : "–");
    if (isFinite(a) && isFinite(b) && Math.abs(a - b) > 1e-12) marked(after, a < b);
    td.appendChild(after);
    return td;
  }
  function tableHead(table) {
    var tr = node("tr");
    [label("w_" + state.weight) + " (" + label("basis_area_cells") + ")", label("mean") + " (" + UNIT + ")", "P90", label("max")].concat(
      D.thresholds.map(function (t) { return "≤ " + fmt(t, 0) + " " + UNIT; }), [label("better"), label("worse")]
    ).forEach(function (h, k) { if (k === 0) tr.appendChild(node("th", "")); tr.appendChild(node("th", h)); });
    var thead = node("thead"); thead.appendChild(tr); table.appendChild(thead);
  }
  function tableRow(r, cls) {
    var tr = node("tr", null, cls || "");
    tr.setAttribute("data-group", r.group); tr.setAttribute("data-name", r.name);
    tr.appendChild(node("td", groupName(r)));
    if (suppressed(r)) {
      tr.appendChild(node("td", label("suppressed", { n: D.min_count })));
      for (var k = 0; k < 5 + D.thresholds.length; k++) tr.appendChild(node("td", "–"));
      return tr;
    }
    tr.appendChild(node("td", fmt(r.weighted, 0)));
    tr.appendChild(pair(r.mean_before / SCALE, r.mean_after / SCALE, 1));
    tr.appendChild(pair(r.p90_before / SCALE, r.p90_after / SCALE, 1));
    tr.appendChild(pair(r.max_before / SCALE, r.max_after / SCALE, 1));
    D.thresholds.forEach(function (t) {
      var key = "share_within_" + shortNum(t) + UNIT_KEY;
      tr.appendChild(pairShare(r[key + "_before"], r[key + "_after"]));
    });
    tr.appendChild(node("td", fmt(r.better, 0), r.better > 0 ? "down" : ""));
    tr.appendChild(node("td", fmt(r.worse, 0), r.worse > 0 ? "up" : ""));
    return tr;
  }
  function renderTables(rows) {
    var ta = document.getElementById("table-area"), ts = document.getElementById("table-settlement");
    ta.textContent = ""; ts.textContent = "";
    tableHead(ta); tableHead(ts);
    var ba = node("tbody"), bs = node("tbody");
    rows.forEach(function (r) {
      if (r.group === "area") ba.appendChild(tableRow(r));
      else if (r.group === "class") {
        bs.appendChild(tableRow(r, "total"));
        if (r.name === "locality") rows.forEach(function (x) { if (x.group === "locality") bs.appendChild(tableRow(x, "sub")); });
      }
    });
    rows.forEach(function (r) { if (r.group === "all") { ba.appendChild(tableRow(r, "total")); bs.appendChild(tableRow(r, "total")); } });
    ta.appendChild(ba); ts.appendChild(bs);
  }
  function renderHeadline(rows) {
    var r = rows[0], box = document.getElementById("headline");
    box.textContent = "";
    var t = fmt(state.threshold, 0) + " " + UNIT;
    var lines = [
      [label("mean"), fmt(r.mean_before / SCALE, 1) + " → ", fmt(r.mean_after / SCALE, 1) + " " + UNIT],
      [label("p90"), fmt(r.p90_before / SCALE, 1) + " → ", fmt(r.p90_after / SCALE, 1) + " " + UNIT],
      [label("within", { t: t }), fmt(r.share_within_before * 100, 0) + " → ", fmt(r.share_within_after * 100, 0) + " %"],
      [label("better") + " / " + label("worse"), "", fmt(r.better, 0) + " / " + fmt(r.worse, 0)]
    ];
    lines.forEach(function (l) {
      var div = node("div"); div.appendChild(node("span", l[0] + ": ")); div.appendChild(node("span", l[1], "muted")); div.appendChild(node("b", l[2]));
      box.appendChild(div);
    });
  }
  function renderClassChart(rows) {
    var cls = rows.filter(function (r) { return r.group === "class"; });
    window.geoCharts.bars(document.getElementById("chart-classes"), {
      categories: cls.map(groupName), unit: UNIT, decimals: 1, lang: D.lang, title: label("chart_classes"),
      series: [
        { name: label("before"), colour: "#767676", values: cls.map(function (r) { return r.mean_before / SCALE; }) },
        { name: label("after"), colour: "#1f78b4", values: cls.map(function (r) { return r.mean_after / SCALE; }) }
      ]
    });
  }
  function renderStaticCharts() {
    var sw = D.sweep || [];
    var sweepBox = document.getElementById("chart-sweep"), tradeBox = document.getElementById("chart-tradeoff");
    if (sw.length > 1) {
      var cats = [], vals = [];
      for (var k = 1; k < sw.length; k++) { cats.push(label("bases_n", { n: sw[k].bases })); vals.push((sw[k - 1].mean - sw[k].mean) / SCALE); }
      window.geoCharts.bars(sweepBox, { categories: cats, unit: UNIT, decimals: 2, lang: D.lang, title: label("chart_sweep"),
        series: [{ name: label("gain"), colour: "#33a02c", values: vals }] });
    } else { sweepBox.parentNode.removeChild(sweepBox.previousElementSibling); sweepBox.parentNode.removeChild(sweepBox); }
    var tr = D.tradeoff || [];
    if (tr.length) {
      window.geoCharts.scatter(tradeBox, { title: label("chart_tradeoff"), decimals: 1, lang: D.lang,
        xLabel: label("mean") + " (" + UNIT + ")", yLabel: label("worst") + " (" + UNIT + ")",
        points: tr.map(function (r, i) { return { label: label("objective_" + r.objective), x: r.mean / SCALE, y: r.worst / SCALE, colour: ["#1f78b4", "#33a02c", "#e31a1c"][i % 3] }; }) });
    } else { tradeBox.parentNode.removeChild(tradeBox.previousElementSibling); tradeBox.parentNode.removeChild(tradeBox); }
  }

  function renderBases() {
    var list = document.getElementById("bases");
    list.textContent = "";
    state.bases.forEach(function (b) {
      var li = node("li"); li.setAttribute("data-base-id", b.id);
      var sw = node("span", null, "swatch"); sw.style.background = b.colour; li.appendChild(sw);
      var input = document.createElement("input"); input.value = b.name; input.setAttribute("aria-label", label("base"));
      input.addEventListener("change", function () { remember(); b.name = input.value; drawMarkers(); });
      li.appendChild(input);
      li.appendChild(node("span", label(b.status), "status"));
      if (served) {
        var sv = node("span", fmt(served[state.bases.indexOf(b)] / 1000, 0) + " " + label("served"), "status served");
        sv.title = label("served_title");
        li.appendChild(sv);
      }
      var close = node("button", label("close")); close.type = "button";
      close.addEventListener("click", function () {
        // the button goes with the base: the keyboard's focus moves to its "reopen" (or on)
        if (api.closeBase(b.id)) focusAfterChange(document.querySelector("#closed-bases button[data-base-id='" + CSS.escape(b.id) + "']") || document.getElementById("site-list"));
      });
      li.appendChild(close);
      list.appendChild(li);
    });
    var closed = document.getElementById("closed-bases");
    closed.textContent = "";
    if (state.closed.length) {
      closed.appendChild(node("span", label("closed") + ": ", "muted"));
      state.closed.forEach(function (id) {
        var b = D.bases.filter(function (x) { return x.id === id; })[0];
        var btn = node("button", label("reopen") + " " + (b ? b.name : id)); btn.type = "button";
        btn.setAttribute("data-base-id", id);
        btn.addEventListener("click", function () {
          if (api.reopenBase(id)) focusAfterChange(document.querySelector("#bases li[data-base-id='" + CSS.escape(id) + "'] button"));
        });
        closed.appendChild(btn);
      });
    }
  }
  function message(text) { document.getElementById("message").textContent = text || ""; }
  function focusAfterChange(el) { if (el) el.focus(); }

  /* ---------------------------------------------------------------- suggestion */
  var suggestion = null;
  function suggest(count) {
    count = Math.max(1, Math.min(10, Math.floor(Number(count) || 1)));
    var w = weightsOf(state.weight);
    var BIG = 1e9;
    var fixed = nearestOf(state.bases).cost;
    var open = state.bases.map(function (b) { return MATRIX ? "s" + b.site : b.e + "," + b.n; });
    var pool = [];
    CAND.forEach(function (c, j) {
      if (c.kind === "base") return;
      var key = MATRIX ? "s" + j : c.e + "," + c.n;
      if (open.indexOf(key) >= 0) return;
      var col = cachedColumn({ e: c.e, n: c.n, site: j });
      pool.push({ j: j, col: col });
    });
    var found = C.greedyInterchange(fixed, pool.map(function (p) { return p.col; }), w, count, BIG);
    var chosen = found.chosen, value = found.value;
    var sites = chosen.map(function (pi) { return CAND[pool[pi].j]; });
    var unchanged = state.closed.length === 0 && state.bases.length === D.bases.length &&
      state.bases.every(function (b) { return b.status === "today"; });
    var proven = null;
    if (unchanged && state.weight === D.weight) {
      (D.sweep || []).forEach(function (r) { if (r.bases === D.bases.length + count) proven = r; });
    }
    suggestion = { sites: sites.map(function (c) { return { name: c.name, lat: c.lat, lon: c.lon, kind: c.kind }; }), value: value / 1000, proven: proven };
    renderSuggestion();
    return suggestion;
  }
  function renderSuggestion() {
    var box = document.getElementById("suggestion");
    box.textContent = "";
    if (!suggestion) return;
    var ol = node("ol");
    suggestion.sites.forEach(function (s) { ol.appendChild(node("li", s.name + " (" + label("kind_" + s.kind) + ")")); });
    box.appendChild(ol);
    var apply = node("button", label("suggest_apply")); apply.type = "button"; apply.id = "suggest-apply";
    apply.addEventListener("click", function () { api.applySuggestion(); });
    box.appendChild(apply);
    var p = suggestion.proven;
    if (p) {
      box.appendChild(node("p", label("proven") + ": " + (p.new_sites || p.sites) + " · " + label("mean") + " " + fmt(p.mean / SCALE, 1) + " " + UNIT));
      var rel = (suggestion.value - p.value) / Math.max(Math.abs(suggestion.value), 1e-12);
      box.appendChild(node("p", Math.abs(rel) < 1e-9 ? label("proven_same") : label("proven_diff", { pct: fmt(Math.abs(rel) * 100, 2) + " %" }), "note"));
      suggestion.sameAsProven = Math.abs(rel) < 1e-9;
    } else {
      box.appendChild(node("p", label("proven_none"), "muted"));
    }
  }

  /* ---------------------------------------------------------------- export / import */
  function scenario() {
    return {
      format: "geo-scenario", version: D.scenario_version, study: { kommun: D.kommun, name: D.study },
      name: "Studio " + new Date().toISOString().slice(0, 10),
      weight: state.weight, threshold: state.threshold, unit: UNIT_KEY, mode: D.mode, demand: D.demand,
      bases: state.bases.map(function (b) {
        var o = { id: String(b.id), name: b.name, status: b.status, lat: Math.round(b.lat * 1e6) / 1e6, lon: Math.round(b.lon * 1e6) / 1e6, e: b.e, n: b.n };
        if (MATRIX) o.site = CAND[b.site].name;
        return o;
      }),
      closed: state.closed.slice()
    };
  }
  function download(name, type, text) {
    var a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: type }));
    a.download = name; document.body.appendChild(a); a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }
  function csvCell(v) {
    var s = String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = "'" + s; /* text, never a formula in a spreadsheet */
    return /[",\n;]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function scenarioCsv() {
    var lines = ["name,id,status,lat,lon,e,n"];
    scenario().bases.forEach(function (b) { lines.push([b.name, b.id, b.status, b.lat, b.lon, b.e, b.n].map(csvCell).join(",")); });
    return lines.join("\n") + "\n";
  }
  /* The scenario schema (geo/data/scenario.schema.json, embedded): the keywords it uses. */
  function schemaErrors(schema, value, path) {
    var where = path || "(document)";
    var type = Array.isArray(value) ? "array" : value === null ? "null" : typeof value;
    if (schema.type) {
      var types = [].concat(schema.type);
      var fits = types.some(function (t) { return t === type || (t === "integer" && type === "number" && Math.floor(value) === value); });
      if (!fits) return [where + ": " + types.join("/")];
    }
    if ("const" in schema && value !== schema.const) return [where + ": " + JSON.stringify(schema.const)];
    if (schema.enum && schema.enum.indexOf(value) < 0) return [where + ": " + schema.enum.map(String).join(", ")];
    if (schema.pattern && type === "string" && !new RegExp(schema.pattern).test(value)) return [where + ": " + schema.pattern];
    if (schema.minLength && type === "string" && value.length < schema.minLength) return [where + ": ≥ " + schema.minLength];
    if (schema.maxLength && type === "string" && value.length > schema.maxLength) return [where + ": ≤ " + schema.maxLength];
    if (type === "number") {
      if ("minimum" in schema && value < schema.minimum) return [where + ": ≥ " + schema.minimum];
      if ("maximum" in schema && value > schema.maximum) return [where + ": ≤ " + schema.maximum];
      if ("exclusiveMinimum" in schema && value <= schema.exclusiveMinimum) return [where + ": > " + schema.exclusiveMinimum];
    }
    var out = [];
    if (type === "object") {
      (schema.required || []).forEach(function (k) { if (!(k in value)) out.push(where + ": " + k + "?"); });
      Object.keys(schema.properties || {}).forEach(function (k) {
        if (k in value) out = out.concat(schemaErrors(schema.properties[k], value[k], (path ? path + "/" : "") + k));
      });
    }
    if (type === "array") {
      if (schema.minItems && value.length < schema.minItems) out.push(where + ": ≥ " + schema.minItems);
      if (schema.maxItems && value.length > schema.maxItems) return [where + ": ≤ " + schema.maxItems];
      if (schema.items) value.forEach(function (v, k) { out = out.concat(schemaErrors(schema.items, v, where + "/" + k)); });
    }
    return out;
  }
  /* Refuse what this studio cannot judge as it was made: the checks of geo.scenario_file. */
  function scenarioProblem(doc) {
    if (doc && doc.format === "geo-scenario" && doc.version !== D.scenario_version) return label("bad_version", { version: String(doc.version) });
    var errors = schemaErrors(D.scenario_schema, doc, "");
    if (errors.length) return label("bad_schema", { where: errors[0] });
    var problems = C.scenarioProblems(doc, D.bases.map(function (b) { return b.id; }));
    if (problems.length) {
      var p = problems[0][1];
      return label("bad_" + problems[0][0], { id: String(p.id), k: String(p.k), name: String(p.name), d: fmt(p.d, 0) });
    }
    if (D.kommun && doc.study.kommun !== D.kommun) return label("bad_study", { kommun: doc.study.kommun, name: doc.study.name });
    if (doc.mode !== D.mode) return label("bad_mode", { mode: doc.mode, unit: doc.unit });
    if (doc.demand !== D.demand) return label("bad_demand", { demand: doc.demand });
    return "";
  }
  function loadScenario(doc) {
    var problem = scenarioProblem(doc);
    if (problem) throw new Error(problem);
    var today = todayBases(), bases = [];
    doc.bases.forEach(function (x, k) {
      var lat = Number(x.lat), lon = Number(x.lon);
      if (!isFinite(lat) || !isFinite(lon)) throw new Error("lat/lon, base " + (k + 1));
      var t = today.filter(function (b) { return b.id === x.id; })[0];
      var b = t ? t : { id: "new-" + state.next++, status: "new", colour: null, site: -1 };
      var e0 = b.e, n0 = b.n;
      b.name = String(x.name || b.name || label("new_base"));
      if (!t || (Number(x.e) !== e0 || Number(x.n) !== n0) && (t.lat !== lat || t.lon !== lon)) {
        if (isFinite(Number(x.e)) && isFinite(Number(x.n)) && x.e !== null && x.n !== null) {
          b.e = Number(x.e); b.n = Number(x.n); b.lat = lat; b.lon = lon;
          if (MATRIX) b.site = snap(b.e, b.n);
        } else placeAt(b, lat, lon);
        if (t && (e0 !== b.e || n0 !== b.n)) b.status = "moved";
      }
      bases.push(b);
    });
    var taken = bases.map(function (b) { return b.colour; });
    bases.forEach(function (b) {
      if (b.colour) return;
      for (var k = 0; k < COLOURS.length; k++) {
        var c = COLOURS[(D.bases.length + k) % COLOURS.length];
        if (taken.indexOf(c) < 0) { b.colour = c; taken.push(c); return; }
      }
      b.colour = COLOURS[taken.length % COLOURS.length];
    });
    if (doc.weight && D.weights[doc.weight]) state.weight = doc.weight;
    if (isFinite(Number(doc.threshold)) && doc.threshold !== null) state.threshold = Number(doc.threshold);
    state.bases = bases;
    state.closed = today.filter(function (t) { return !bases.some(function (b) { return b.id === t.id; }); }).map(function (t) { return t.id; });
  }

  /* ---------------------------------------------------------------- API */
  var api = {
    lastUpdateMs: NaN,
    updates: 0,
    /** Move a base (id) to lat, lon (WGS 84); with a travel-time matrix it snaps. */
    moveBase: function (id, lat, lon) {
      var b = findBase(id); if (!b) throw new Error("unknown base " + id);
      remember(); placeAt(b, Number(lat), Number(lon)); if (b.status === "today") b.status = "moved"; update(true);
      return { id: b.id, lat: b.lat, lon: b.lon, e: b.e, n: b.n };
    },
    /** Add a base; returns its id. */
    addBase: function (name, lat, lon) {
      remember();
      var b = { id: "new-" + state.next, name: String(name || label("new_base") + " " + state.next), status: "new", colour: freeColour(), site: -1 };
      state.next += 1;
      placeAt(b, Number(lat), Number(lon));
      state.bases.push(b); update(true); return b.id;
    },
    /** Close a base (a new base is removed). */
    closeBase: function (id) {
      var b = findBase(id); if (!b) throw new Error("unknown base " + id);
      if (state.bases.length === 1) { message(label("no_bases")); return false; }
      remember();
      state.bases = state.bases.filter(function (x) { return x.id !== id; });
      if (D.bases.some(function (x) { return x.id === id; })) state.closed.push(id);
      message(""); update(true); return true;
    },
    reopenBase: function (id) {
      var t = todayBases().filter(function (x) { return x.id === id; })[0];
      if (!t || findBase(id)) return false;
      remember(); state.closed = state.closed.filter(function (x) { return x !== id; });
      state.bases.push(t); update(true); return true;
    },
    undo: function () { if (!history.length) return false; state = JSON.parse(history.pop()); syncControls(); update(true); return true; },
    reset: function () { remember(); state = { bases: todayBases(), closed: [], weight: D.weight, threshold: D.threshold, next: state.next }; syncControls(); update(true); },
    setWeight: function (w) { if (!D.weights[w]) throw new Error("unknown weight " + w); remember(); state.weight = w; syncControls(); update(false); },
    setThreshold: function (t) { remember(); state.threshold = Number(t); syncControls(); update(false); },
    suggest: suggest,
    applySuggestion: function () {
      if (!suggestion) return false;
      remember();
      suggestion.sites.forEach(function (s) {
        var b = { id: "new-" + state.next, name: s.name, status: "new", colour: freeColour(), site: -1 };
        state.next += 1; placeAt(b, s.lat, s.lon); state.bases.push(b);
      });
      update(true); return true;
    },
    /** The figures shown: one row per group, raw numbers and the shown digits. */
    summary: function () {
      return {
        unit: UNIT_KEY, weight: state.weight, threshold: state.threshold,
        bases: state.bases.map(function (b, k) { return { id: b.id, name: b.name, served: served[k] / 1000 }; }),
        rows: last.map(function (r) { return { group: r.group, name: r.name, suppressed: suppressed(r), values: r, shown: shownRow(r) }; })
      };
    },
    scenario: scenario,
    scenarioCsv: scenarioCsv,
    loadScenario: function (doc) { remember(); loadScenario(doc); syncControls(); update(true); },
    bases: function () { return JSON.parse(JSON.stringify(state.bases)); },
    toSweref: TM.forward,
    fromSweref: TM.inverse,
    /** The Leaflet map and the page's helpers, for the design panel (studio_design.js). */
    leaflet: function () { return map; },
    label: label,
    node: node,
    fmt: fmt,
    download: download,
    csvCell: csvCell
  };
  window.geoStudio = api;

  /* ---------------------------------------------------------------- controls */
  function syncControls() {
    document.getElementById("weight").value = state.weight;
    document.getElementById("threshold").value = String(state.threshold);
  }
  /* The map's shapes (areas, cells, units) out of the tab order: the Tab key goes from the
   * map to the bases and on to the controls, not through a thousand shapes. */
  function untab(root) {
    Array.prototype.forEach.call(root.querySelectorAll ? root.querySelectorAll("path.leaflet-interactive") : [], function (el) {
      el.setAttribute("tabindex", "-1"); el.setAttribute("focusable", "false");
    });
  }
  new MutationObserver(function (records) {
    records.forEach(function (r) { Array.prototype.forEach.call(r.addedNodes, function (n) { if (n.nodeType === 1) { if (n.matches && n.matches("path.leaflet-interactive")) untab(n.parentNode); else untab(n); } }); });
  }).observe(document.getElementById("map"), { childList: true, subtree: true });
  (function init() {
    document.documentElement.lang = D.lang;
    Array.prototype.forEach.call(document.querySelectorAll("[data-label]"), function (e) { e.textContent = label(e.getAttribute("data-label")); });
    document.getElementById("title").textContent = label("title");
    document.getElementById("subtitle").textContent = D.study + " · " + label("data") + ": " + D.data_years + " · " + label("made") + " " + D.made;
    document.getElementById("mode-note").textContent = STRAIGHT ? label("straight_note") : label("network_note", { mode: label("mode_" + D.mode) });
    document.getElementById("today-note").textContent = label("today_note") + " " + label("beyond") + ".";
    var notes = document.getElementById("notes");
    (D.notes || []).forEach(function (t) { notes.appendChild(node("li", t)); });
    var ws = document.getElementById("weight");
    weightNames.forEach(function (w) { var o = node("option", label("w_" + w)); o.value = w; ws.appendChild(o); });
    ws.addEventListener("change", function () { api.setWeight(ws.value); });
    var ts = document.getElementById("threshold");
    D.thresholds.forEach(function (t) { var o = node("option", fmt(t, 0) + " " + UNIT); o.value = String(t); ts.appendChild(o); });
    ts.addEventListener("change", function () { api.setThreshold(ts.value); });
    var sl = document.getElementById("site-list");
    ["locality", "regso"].forEach(function (kind) {
      var group = document.createElement("optgroup"); group.label = label("kind_" + kind);
      CAND.forEach(function (c, j) { if (c.kind === kind) { var o = node("option", c.name); o.value = String(j); group.appendChild(o); } });
      if (group.children.length) sl.appendChild(group);
    });
    document.getElementById("add-site").addEventListener("click", function () { var c = CAND[Number(sl.value)]; if (c) api.addBase(c.name, c.lat, c.lon); });
    var addClick = document.getElementById("add-click"), adding = false;
    addClick.addEventListener("click", function () { adding = !adding; addClick.classList.toggle("active", adding); addClick.textContent = label(adding ? "add_click_on" : "add_click"); });
    map.on("click", function (ev) {
      if (!adding) return;
      adding = false; addClick.classList.remove("active"); addClick.textContent = label("add_click");
      api.addBase(label("new_base") + " " + state.next, ev.latlng.lat, ev.latlng.lng);
    });
    document.getElementById("undo").addEventListener("click", function () { api.undo(); });
    document.getElementById("reset").addEventListener("click", function () { api.reset(); });
    document.getElementById("export-json").addEventListener("click", function () { download("scenario.json", "application/json", JSON.stringify(scenario(), null, 1)); });
    document.getElementById("export-csv").addEventListener("click", function () { download("scenario.csv", "text/csv", scenarioCsv()); });
    document.getElementById("open").addEventListener("change", function (ev) {
      var f = ev.target.files && ev.target.files[0]; if (!f) return;
      if (f.size > D.max_scenario_bytes) { message(label("bad_file", { reason: label("too_large", { n: fmt(D.max_scenario_bytes, 0) }) })); return; }
      var r = new FileReader();
      r.onload = function () {
        try { api.loadScenario(JSON.parse(String(r.result))); message(""); }
        catch (err) { message(label("bad_file", { reason: String(err && err.message || err) })); }
      };
      r.readAsText(f);
    });
    document.getElementById("suggest").addEventListener("click", function () { suggest(document.getElementById("suggest-n").value); });
    var tl = node("label"); var cb = document.createElement("input"); cb.type = "checkbox"; cb.id = "tiles";
    tl.appendChild(cb); tl.appendChild(document.createTextNode(" " + label("tiles")));
    document.getElementById("controls").appendChild(tl);
    cb.addEventListener("change", function () {
      if (cb.checked && !tiles) tiles = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", { attribution: "© OpenStreetMap contributors", maxZoom: 18 }).addTo(map);
      else if (!cb.checked && tiles) { map.removeLayer(tiles); tiles = null; }
    });
    if (D.tiles) { cb.checked = true; cb.dispatchEvent(new Event("change")); }
    map.attributionControl.addAttribution("Statistik: © SCB (CC0)");
    computeBefore();
    syncControls();
    renderStaticCharts();
    update(true);
    untab(document.getElementById("map"));
    document.body.setAttribute("data-ready", "1");
  })();
})();
