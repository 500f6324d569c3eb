/* geo's planning studio: the panel of an area design (geo areas design).
 *
 * The designed areas are drawn beside today's; a click on a unit moves it to the next
 * neighbouring area that keeps both areas one piece around their base (studio_core.js:
 * canMove, nextArea); workload, people and mean distance per area update at once; the units
 * and their areas can be exported as CSV (unit_id, unit_name, area), which
 * `geo areas apply DESIGN.gpkg FILE.csv -o OUT.gpkg` checks and turns into exact areas.
 * Every text is set with textContent: nothing from the data runs.
 */
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("geo-studio-data").textContent);
  var X = D.design;
  var S = window.geoStudio, C = window.geoStudioCore;
  if (!X || !S) return;
  var label = S.label, node = S.node, fmt = S.fmt, map = S.leaflet();
  var NU = X.units.id.length;
  var neighbours = [];
  for (var u = 0; u < NU; u++) neighbours.push([]);
  X.edges.forEach(function (e) { neighbours[e[0]].push(e[1]); neighbours[e[1]].push(e[0]); });
  var start = Int32Array.from(X.units.area), area = Int32Array.from(X.units.area);
  var cellE = Float64Array.from(D.cells.e), cellN = Float64Array.from(D.cells.n);
  var cellPop = Float64Array.from(D.cells.population);
  var baseE = X.bases.map(function (b) { return b.e; }), baseN = X.bases.map(function (b) { return b.n; });
  var colours = D.colours;
  function colour(k) { return colours[k % colours.length]; }

  var section = node("section"); section.id = "design-section";
  var heading = node("h2", label("design_title")); heading.id = "h-design"; section.appendChild(heading);
  section.appendChild(node("p", label("design_note"), "muted"));
  var show = document.createElement("input"); show.type = "checkbox"; show.id = "design-show"; show.checked = true;
  var showLabel = node("label"); showLabel.appendChild(show); showLabel.appendChild(document.createTextNode(" " + label("design_show")));
  section.appendChild(showLabel);
  var message = node("p", "", "warning"); message.id = "design-message"; message.setAttribute("role", "status");
  section.appendChild(message);
  var wrap = node("div", null, "table-wrap"), table = node("table", null, "figures"); table.id = "design-table";
  wrap.tabIndex = 0; wrap.setAttribute("role", "region"); wrap.setAttribute("aria-labelledby", "h-design"); /* scrolls: reachable by keyboard */
  wrap.appendChild(table); section.appendChild(wrap);
  /* the keyboard's way to move a unit (the map's is a click): choose it, move it */
  var moveBox = node("div", null, "buttons");
  var unitLabel = node("label"); unitLabel.appendChild(node("span", label("design_unit") + " "));
  var unitSelect = document.createElement("select"); unitSelect.id = "design-unit";
  X.units.name.map(function (n, i) { return [String(n), i]; })
    .sort(function (a, b) { return a[0].localeCompare(b[0], D.lang); })
    .forEach(function (x) { var o = node("option", x[0]); o.value = String(x[1]); unitSelect.appendChild(o); });
  unitLabel.appendChild(unitSelect); moveBox.appendChild(unitLabel);
  var moveBtn = node("button", label("design_move")); moveBtn.type = "button"; moveBtn.id = "design-move";
  moveBox.appendChild(moveBtn); section.appendChild(moveBox);
  var buttons = node("div", null, "buttons");
  var reset = node("button", label("design_reset")); reset.type = "button"; reset.id = "design-reset";
  var exportBtn = node("button", label("design_export")); exportBtn.type = "button"; exportBtn.id = "design-export";
  buttons.appendChild(reset); buttons.appendChild(exportBtn); section.appendChild(buttons);
  (X.links || []).forEach(function (t) { section.appendChild(node("p", t, "muted")); });
  var side = document.getElementById("side");
  side.insertBefore(section, document.getElementById("headline-section"));

  var layer = L.geoJSON(X.outline, {
    style: function (f) { var k = area[f.properties.i]; return { color: colour(k), weight: 1, fillColor: colour(k), fillOpacity: 0.25 }; },
    onEachFeature: function (f, l) {
      var i = f.properties.i;
      l.bindTooltip(function () { return node("span", X.units.name[i] + " – " + label("area") + " " + X.areas[area[i]]); }, { sticky: true });
      l.on("click", function () { api.move(i); });
    }
  }).addTo(map);
  var baseLayer = L.layerGroup(X.bases.map(function (b, k) {
    var m = L.circleMarker([b.lat, b.lon], { radius: 6, color: "#000", weight: 2, fillColor: colour(k), fillOpacity: 1 });
    m.bindTooltip(node("span", label("base") + " " + b.name + " – " + X.areas[k]));
    return m;
  })).addTo(map);
  show.addEventListener("change", function () {
    if (show.checked) { layer.addTo(map); baseLayer.addTo(map); } else { map.removeLayer(layer); map.removeLayer(baseLayer); }
  });

  function render() {
    var rows = C.designRows(area, X.units.workload, X.cell_unit, cellPop, cellE, cellN, baseE, baseN);
    table.textContent = "";
    var head = node("tr");
    ["area", "design_workload", "design_vs_mean", "people", "design_mean_km", "design_moved_units"].forEach(function (k) { head.appendChild(node("th", label(k))); });
    var thead = node("thead"); thead.appendChild(head); table.appendChild(thead);
    var body = node("tbody");
    rows.forEach(function (r, k) {
      var moved = 0; for (var v = 0; v < NU; v++) if (area[v] === k && start[v] !== k) moved += 1;
      var tr = node("tr"); tr.setAttribute("data-area", X.areas[k]);
      var name = node("td"); var dot = node("span", "■ "); dot.style.color = colour(k); name.appendChild(dot); name.appendChild(document.createTextNode(X.areas[k]));
      tr.appendChild(name);
      [fmt(r.workload, 0), fmt(r.vsMean * 100, 0) + " %", fmt(r.people, 0), fmt(r.meanM / 1000, 1), String(moved)].forEach(function (t) { tr.appendChild(node("td", t)); });
      body.appendChild(tr);
    });
    table.appendChild(body);
    layer.setStyle(function (f) { var k = area[f.properties.i]; return { color: colour(k), weight: 1, fillColor: colour(k), fillOpacity: 0.25 }; });
    return rows;
  }

  var api = {
    /** Move unit i to the next neighbouring area that keeps both areas whole; -1 if none. */
    move: function (i) {
      var k = C.nextArea(area, neighbours, X.roots, i);
      if (k < 0) { message.textContent = label("design_cannot", { unit: X.units.name[i] }); return -1; }
      message.textContent = label("design_moved", { unit: X.units.name[i], area: X.areas[k] });
      area[i] = k; render(); return k;
    },
    rows: function () { return C.designRows(area, X.units.workload, X.cell_unit, cellPop, cellE, cellN, baseE, baseN); },
    areaOf: function (i) { return X.areas[area[i]]; },
    units: function () { return NU; },
    reset: function () { area = Int32Array.from(start); message.textContent = ""; render(); },
    csv: function () {
      var lines = ["unit_id,unit_name,area"];
      for (var i = 0; i < NU; i++) lines.push([X.units.id[i], X.units.name[i], X.areas[area[i]]].map(S.csvCell).join(","));
      return lines.join("\n") + "\n";
    }
  };
  moveBtn.addEventListener("click", function () { api.move(Number(unitSelect.value)); });
  reset.addEventListener("click", function () { api.reset(); });
  exportBtn.addEventListener("click", function () { S.download("areas.csv", "text/csv", api.csv()); });
  window.geoStudioDesign = api;
  render();
})();
