/* geo's planning studio: the mathematics, apart from the page.
 *
 * Pure functions of their arguments (no DOM, no Leaflet, no shared state), the same rules as
 * Python's geo.figures and geo.siting.compare, so the studio's figures equal
 * `geo whatif --scenario FILE` to the last digit shown. Node's test runner checks them
 * against Python's figures on the same inputs (tests/js/studio_core.test.js).
 *
 * Loaded in the page as window.geoStudioCore, in Node as a CommonJS module.
 */
(function (root, factory) {
  "use strict";
  var core = factory();
  if (typeof module === "object" && module.exports) module.exports = core;
  else root.geoStudioCore = core;
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  /* ------------------------------------------------------------ SWEREF 99 TM
   * Gauss–Krüger formulas as Lantmäteriet publishes them (GRS 80, central meridian 15°,
   * scale 0.9996, false easting 500 000 m); better than 1 mm over Sweden. Python uses
   * pyproj; an offline page has none, so this is the one deliberate second implementation. */
  var tm = (function () {
    var a = 6378137.0, f = 1 / 298.257222101, k0 = 0.9996, FE = 500000.0, lon0 = 15 * Math.PI / 180;
    var e2 = f * (2 - f), n = f / (2 - f), n2 = n * n, n3 = n2 * n, n4 = n3 * n;
    var ah = a / (1 + n) * (1 + n2 / 4 + n4 / 64);
    var A = e2, B = (5 * e2 * e2 - e2 * e2 * e2) / 6, C = (104 * Math.pow(e2, 3) - 45 * Math.pow(e2, 4)) / 120,
      Dd = 1237 * Math.pow(e2, 4) / 1260;
    var b1 = n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180, b2 = 13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440,
      b3 = 61 * n3 / 240 - 103 * n4 / 140, b4 = 49561 * n4 / 161280;
    var d1 = n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360, d2 = n2 / 48 + n3 / 15 - 437 * n4 / 1440,
      d3 = 17 * n3 / 480 - 37 * n4 / 840, d4 = 4397 * n4 / 161280;
    var As = e2 + e2 * e2 + Math.pow(e2, 3) + Math.pow(e2, 4),
      Bs = -(7 * e2 * e2 + 17 * Math.pow(e2, 3) + 30 * Math.pow(e2, 4)) / 6,
      Cs = (224 * Math.pow(e2, 3) + 889 * Math.pow(e2, 4)) / 120, Ds = -4279 * Math.pow(e2, 4) / 1260;
    function forward(lat, lon) {
      var phi = lat * Math.PI / 180, lam = lon * Math.PI / 180;
      var s = Math.sin(phi), c = Math.cos(phi), s2 = s * s;
      var phis = phi - s * c * (A + B * s2 + C * s2 * s2 + Dd * s2 * s2 * s2);
      var dl = lam - lon0;
      var xi = Math.atan(Math.tan(phis) / Math.cos(dl));
      var eta = Math.atanh(Math.cos(phis) * Math.sin(dl));
      var x = xi + b1 * Math.sin(2 * xi) * Math.cosh(2 * eta) + b2 * Math.sin(4 * xi) * Math.cosh(4 * eta) +
        b3 * Math.sin(6 * xi) * Math.cosh(6 * eta) + b4 * Math.sin(8 * xi) * Math.cosh(8 * eta);
      var y = eta + b1 * Math.cos(2 * xi) * Math.sinh(2 * eta) + b2 * Math.cos(4 * xi) * Math.sinh(4 * eta) +
        b3 * Math.cos(6 * xi) * Math.sinh(6 * eta) + b4 * Math.cos(8 * xi) * Math.sinh(8 * eta);
      return [k0 * ah * y + FE, k0 * ah * x]; /* [easting, northing] */
    }
    function inverse(e, nn) {
      var xi = nn / (k0 * ah), eta = (e - FE) / (k0 * ah);
      var xp = xi - d1 * Math.sin(2 * xi) * Math.cosh(2 * eta) - d2 * Math.sin(4 * xi) * Math.cosh(4 * eta) -
        d3 * Math.sin(6 * xi) * Math.cosh(6 * eta) - d4 * Math.sin(8 * xi) * Math.cosh(8 * eta);
      var ep = eta - d1 * Math.cos(2 * xi) * Math.sinh(2 * eta) - d2 * Math.cos(4 * xi) * Math.sinh(4 * eta) -
        d3 * Math.cos(6 * xi) * Math.sinh(6 * eta) - d4 * Math.cos(8 * xi) * Math.sinh(8 * eta);
      var phis = Math.asin(Math.sin(xp) / Math.cosh(ep));
      var dl = Math.atan(Math.sinh(ep) / Math.cos(xp));
      var s = Math.sin(phis), c = Math.cos(phis), s2 = s * s;
      var phi = phis + s * c * (As + Bs * s2 + Cs * s2 * s2 + Ds * s2 * s2 * s2);
      return [phi * 180 / Math.PI, (lon0 + dl) * 180 / Math.PI]; /* [lat, lon] */
    }
    return { forward: forward, inverse: inverse };
  })();

  /* Weights as whole thousandths (geo.figures.exact_weights): sums exact in any order. */
  function exactWeights(values) {
    return Float64Array.from(values, function (v) { return Math.round(v * 1000); });
  }

  /* The groups each cell belongs to, as compressed rows: cell i's groups are
   * list[start[i] .. start[i + 1]), in group order. Any number of groups per cell. */
  function membership(groups, n) {
    var count = new Int32Array(n + 1), g, k;
    for (g = 0; g < groups.length; g++) for (k = 0; k < groups[g].length; k++) count[groups[g][k] + 1] += 1;
    var start = new Int32Array(n + 1);
    for (var i = 0; i < n; i++) start[i + 1] = start[i] + count[i + 1];
    var fill = Int32Array.from(start.subarray(0, n)), list = new Int32Array(start[n]);
    for (g = 0; g < groups.length; g++) for (k = 0; k < groups[g].length; k++) { var c = groups[g][k]; list[fill[c]++] = g; }
    return { start: start, list: list, groups: groups.length };
  }

  /* Per group (geo.figures.figures): total and unreachable weight, weighted mean, 90th
   * percentile (inverted CDF: the smallest cost whose cumulative weight reaches 90 % of the
   * reachable weight), maximum, and the share of the total weight within each level × scale.
   * Sums run over the cells in order, as Python's bincount does. */
  function stats(cost, w, levels, scale, member) {
    var G = member.groups, start = member.start, list = member.list, N = cost.length;
    var sw = new Float64Array(G), swc = new Float64Array(G), mx = new Float64Array(G).fill(-Infinity);
    var total = new Float64Array(G), lost = new Float64Array(G);
    var inside = levels.map(function () { return new Float64Array(G); });
    var cut = levels.map(function (t) { return t * scale; });
    var idx = [], i, k, g, q;
    for (i = 0; i < N; i++) {
      var c = cost[i], wi = w[i], finite = isFinite(c), fin = finite && wi > 0;
      if (fin) idx.push(i);
      for (k = start[i]; k < start[i + 1]; k++) {
        g = list[k];
        total[g] += wi;
        if (!finite) lost[g] += wi;
        if (fin) { sw[g] += wi; swc[g] += c * wi; if (c > mx[g]) mx[g] = c; }
        for (q = 0; q < cut.length; q++) if (c <= cut[q]) inside[q][g] += wi;
      }
    }
    var order = Uint32Array.from(idx).sort(function (x, y) { return cost[x] - cost[y]; });
    var cum = new Float64Array(G), p90 = new Float64Array(G).fill(NaN), left = 0;
    var target = new Float64Array(G);
    for (g = 0; g < G; g++) { target[g] = 0.9 * sw[g]; if (sw[g] > 0) left += 1; }
    for (var o = 0; o < order.length && left > 0; o++) {
      i = order[o];
      for (k = start[i]; k < start[i + 1]; k++) {
        g = list[k];
        if (p90[g] === p90[g]) continue;
        cum[g] += w[i];
        if (cum[g] >= target[g]) { p90[g] = cost[i]; left -= 1; }
      }
    }
    var out = [];
    for (g = 0; g < G; g++) {
      var any = sw[g] > 0;
      out.push({ total: total[g], unreachable: lost[g], mean: any ? swc[g] / sw[g] : NaN, p90: p90[g],
        max: any ? mx[g] : NaN,
        shares: inside.map(function (a) { return total[g] > 0 ? a[g] / total[g] : NaN; }) });
    }
    return out;
  }

  /* Per group: people and weight (whole thousandths), and the weight better / worse off by
   * more than tol (geo.figures.change: a cost that becomes reachable is better). */
  function change(before, after, pop, w, tol, member) {
    var G = member.groups, start = member.start, list = member.list, N = before.length;
    var people = new Float64Array(G), weight = new Float64Array(G), better = new Float64Array(G), worse = new Float64Array(G);
    for (var i = 0; i < N; i++) {
      var d = after[i] - before[i];
      for (var k = start[i]; k < start[i + 1]; k++) {
        var g = list[k];
        people[g] += pop[i]; weight[g] += w[i];
        if (d < -tol) better[g] += w[i]; else if (d > tol) worse[g] += w[i];
      }
    }
    return { people: people, weight: weight, better: better, worse: worse };
  }

  /* Each cell's nearest base (the first of equals) and its cost, from the bases' columns. */
  function nearest(columns, n) {
    var cost = new Float64Array(n).fill(Infinity), near = new Int32Array(n).fill(-1);
    for (var k = 0; k < columns.length; k++) {
      var col = columns[k];
      for (var i = 0; i < n; i++) if (near[i] < 0 || col[i] < cost[i]) { cost[i] = col[i]; near[i] = k; }
    }
    return { cost: cost, near: near };
  }

  /* Straight-line cost from every cell to a point, as geo.distance.distance_matrix_m. */
  function straightColumn(e, n, pe, pn) {
    var out = new Float64Array(e.length);
    for (var i = 0; i < e.length; i++) { var de = e[i] - pe, dn = n[i] - pn; out[i] = Math.sqrt(de * de + dn * dn); }
    return out;
  }

  /* The candidate site nearest a point (straight line; first of equals), as
   * geo.siting.snap_to_sites. */
  function snap(e, n, candidates) {
    var best = -1, bd = Infinity;
    for (var j = 0; j < candidates.length; j++) {
      var de = e - candidates[j].e, dn = n - candidates[j].n, d = Math.sqrt(de * de + dn * dn);
      if (d < bd) { bd = d; best = j; }
    }
    return best;
  }

  /* p-median, greedy then interchange (a heuristic, and the page says so): choose `count`
   * of the candidate columns to add to the open cost `fixed`, minimising the weighted sum.
   * Unreachable costs count as `big`. Returns the chosen indices and the objective. */
  function greedyInterchange(fixed, columns, w, count, big) {
    var N = fixed.length;
    function cap(v) { return isFinite(v) ? v : big; }
    function withCol(base, col) { var out = new Float64Array(N); for (var i = 0; i < N; i++) out[i] = Math.min(cap(base[i]), cap(col[i])); return out; }
    function objective(base) { var s = 0; for (var i = 0; i < N; i++) s += w[i] * cap(base[i]); return s; }
    count = Math.min(count, columns.length);
    var chosen = [], cur = Float64Array.from(fixed, cap), i;
    for (var k = 0; k < count; k++) {
      var best = -1, bestVal = Infinity;
      for (var p = 0; p < columns.length; p++) {
        if (chosen.indexOf(p) >= 0) continue;
        var s = 0, col = columns[p];
        for (i = 0; i < N; i++) s += w[i] * Math.min(cur[i], cap(col[i]));
        if (s < bestVal) { bestVal = s; best = p; }
      }
      chosen.push(best); cur = withCol(cur, columns[best]);
    }
    var value = objective(cur), improved = true, passes = 0;
    while (improved && passes < 50) {
      improved = false; passes += 1;
      for (var a = 0; a < chosen.length && !improved; a++) {
        var rest = Float64Array.from(fixed, cap);
        for (var b = 0; b < chosen.length; b++) if (b !== a) rest = withCol(rest, columns[chosen[b]]);
        for (var q = 0; q < columns.length; q++) {
          if (chosen.indexOf(q) >= 0) continue;
          var t = 0, cq = columns[q];
          for (i = 0; i < N; i++) t += w[i] * Math.min(rest[i], cap(cq[i]));
          if (t < value - 1e-9 * Math.abs(value)) { value = t; chosen[a] = q; improved = true; break; }
        }
      }
    }
    return { chosen: chosen, value: value };
  }

  /* ------------------------------------------------------------ area design
   * A design (geo areas design) as units assigned to areas. Per area: the workload, the
   * people (grid cells in its units) and their mean straight-line distance to the area's base
   * (people-weighted, geo.figures' mean). */
  function designRows(unitArea, unitWorkload, cellUnit, cellPop, cellE, cellN, baseE, baseN) {
    var K = baseE.length, load = new Float64Array(K), people = new Float64Array(K), sum = new Float64Array(K), u, k, i;
    for (u = 0; u < unitArea.length; u++) load[unitArea[u]] += unitWorkload[u];
    for (i = 0; i < cellUnit.length; i++) {
      u = cellUnit[i]; if (u < 0) continue;
      k = unitArea[u];
      var de = cellE[i] - baseE[k], dn = cellN[i] - baseN[k];
      people[k] += cellPop[i]; sum[k] += cellPop[i] * Math.sqrt(de * de + dn * dn);
    }
    var total = 0; for (k = 0; k < K; k++) total += load[k];
    var out = [];
    for (k = 0; k < K; k++) out.push({ workload: load[k], vsMean: total > 0 ? load[k] * K / total : NaN,
      people: people[k], meanM: people[k] > 0 ? sum[k] / people[k] : NaN });
    return out;
  }

  /* Whether moving unit `u` to area `target` keeps both areas one piece around their base
   * units (`roots[k]` is area k's base unit) and leaves no base unit behind. */
  function canMove(unitArea, neighbours, roots, u, target) {
    var from = unitArea[u];
    if (from === target || roots.indexOf(u) >= 0) return false;
    if (!neighbours[u].some(function (j) { return unitArea[j] === target; })) return false;
    var a = Int32Array.from(unitArea); a[u] = target;
    var seen = new Uint8Array(a.length), stack = [roots[from]], count = 0, members = 0;
    for (var i = 0; i < a.length; i++) if (a[i] === from) members += 1;
    seen[roots[from]] = 1;
    while (stack.length) {
      var v = stack.pop(); count += 1;
      neighbours[v].forEach(function (j) { if (!seen[j] && a[j] === from) { seen[j] = 1; stack.push(j); } });
    }
    return count === members;
  }

  /* The areas a unit may move to, with one click cycling through them: its neighbours'. */
  function nextArea(unitArea, neighbours, roots, u) {
    var here = unitArea[u], options = [];
    neighbours[u].forEach(function (j) { var k = unitArea[j]; if (k !== here && options.indexOf(k) < 0) options.push(k); });
    options.sort(function (x, y) { return x - y; });
    for (var n = 0; n < options.length; n++) {
      var k = options[(options.findIndex(function (o) { return o > here; }) + n + options.length) % options.length];
      if (canMove(unitArea, neighbours, roots, u, k)) return k;
    }
    return -1;
  }

  /* A figure as the page shows it: toFixed (halves away from zero on the exact binary
   * value, as geo.report.round_shown); "" for no figure. */
  function shown(value, decimals) { return isFinite(value) ? value.toFixed(decimals) : ""; }

  /* ------------------------------------------------------------ scenario files
   * What a scenario may not hold beyond its schema: the rules of Python's
   * geo.scenario_file.scenario_problems, with the same reason keys, in document order
   * (duplicate ids, then closed ids, then coordinates). todayIds null: closed ids unchecked. */
  var AGREEMENT_M = 5.0;
  function scenarioProblems(doc, todayIds) {
    var out = [], seen = {};
    var bases = doc.bases || [];
    bases.forEach(function (b) {
      var id = b.id ? String(b.id) : "";
      if (id && Object.prototype.hasOwnProperty.call(seen, id)) out.push(["duplicate_id", { id: id }]);
      seen[id] = true;
    });
    (doc.closed || []).forEach(function (id) {
      if (todayIds && todayIds.indexOf(id) < 0) out.push(["closed_unknown", { id: id }]);
      if (Object.prototype.hasOwnProperty.call(seen, id)) out.push(["closed_open", { id: id }]);
    });
    bases.forEach(function (b, k) {
      if (b.e === null || b.e === undefined || b.n === null || b.n === undefined) return;
      var en = tm.forward(Number(b.lat), Number(b.lon));
      var d = Math.hypot(en[0] - Number(b.e), en[1] - Number(b.n));
      if (!(d <= AGREEMENT_M)) out.push(["coordinates_disagree", { k: k + 1, name: b.name || "", d: d }]);
    });
    return out;
  }

  return { tm: tm, exactWeights: exactWeights, membership: membership, stats: stats, change: change,
    nearest: nearest, straightColumn: straightColumn, snap: snap, greedyInterchange: greedyInterchange,
    designRows: designRows, canMove: canMove, nextArea: nextArea, shown: shown,
    scenarioProblems: scenarioProblems };
});
