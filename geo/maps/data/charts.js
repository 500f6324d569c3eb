/* geo's inline SVG charts and number format, shared by the planning studio and the report.
 * Every text is set with textContent: names from the user's files never become markup. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";

  /* A number the way the page's language writes it: toFixed rounding (the exact binary
   * value, halves away from zero; Python's geo.report.round_shown does the same),
   * "12 345,6" in Swedish, "12,345.6" in English. */
  function fmt(value, decimals, lang) {
    if (value === null || value === undefined || !isFinite(value)) return "–";
    var text = Number(value).toFixed(decimals || 0);
    var neg = text.charAt(0) === "-";
    if (neg) text = text.slice(1);
    var parts = text.split(".");
    var sep = lang === "en" ? "," : "\u00a0";
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, sep);
    text = parts.join(lang === "en" ? "." : ",");
    return (neg ? "-" : "") + text;
  }

  function el(name, attrs, parent) {
    var node = document.createElementNS(NS, name);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }
  function text(parent, x, y, value, attrs) {
    var t = el("text", Object.assign({ x: x, y: y }, attrs || {}), parent);
    t.textContent = value;
    return t;
  }
  function svg(container, width, height, title) {
    while (container.firstChild) container.removeChild(container.firstChild);
    var root = el("svg", { viewBox: "0 0 " + width + " " + height, role: "img" }, container);
    if (title) { var t = el("title", {}, root); t.textContent = title; }
    return root;
  }
  /* Every value of a chart said in words under it (WCAG 1.1.1: a text alternative that
   * carries the same information; read by screen readers, printed with the report). */
  function summary(container, items) {
    var p = document.createElement("p");
    p.className = "chart-summary";
    p.textContent = items.join("; ") + ".";
    container.appendChild(p);
    return p;
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * p >= v) return steps[i] * p;
    return 10 * p;
  }

  /* Grouped horizontal bars: {categories: [..], series: [{name, colour, values}],
   * unit, decimals, lang, title}. */
  function bars(container, o) {
    var rowH = 12 * o.series.length + 8, left = 150, right = 60, top = 22;
    var width = 440, height = top + o.categories.length * rowH + 10;
    var root = svg(container, width, height, o.title);
    var max = 0;
    o.series.forEach(function (s) { s.values.forEach(function (v) { if (isFinite(v) && v > max) max = v; }); });
    max = niceMax(max);
    var scale = (width - left - right) / max;
    o.series.forEach(function (s, k) {
      el("rect", { x: left + k * 110, y: 4, width: 10, height: 10, fill: s.colour }, root);
      text(root, left + k * 110 + 14, 13, s.name);
    });
    o.categories.forEach(function (c, i) {
      var y0 = top + i * rowH;
      text(root, left - 6, y0 + rowH / 2 + 3, c, { "text-anchor": "end" });
      o.series.forEach(function (s, k) {
        var v = s.values[i];
        var w = isFinite(v) ? Math.max(0, v * scale) : 0;
        var r = el("rect", { x: left, y: y0 + k * 12, width: w, height: 10, fill: s.colour }, root);
        var tip = el("title", {}, r);
        tip.textContent = c + " – " + s.name + ": " + fmt(v, o.decimals, o.lang) + " " + o.unit;
        text(root, left + w + 3, y0 + k * 12 + 9, fmt(v, o.decimals, o.lang) + " " + o.unit);
      });
    });
    summary(container, o.categories.map(function (c, i) {
      return c + ": " + o.series.map(function (s) {
        return (o.series.length > 1 ? s.name + " " : "") + fmt(s.values[i], o.decimals, o.lang) + " " + o.unit;
      }).join(", ");
    }));
    return root;
  }

  /* Labelled points: {points: [{label, x, y, colour}], xLabel, yLabel, decimals, lang}. */
  function scatter(container, o) {
    var width = 440, height = 230, left = 50, bottom = 36, top = 12, right = 20;
    var root = svg(container, width, height, o.title);
    var xs = o.points.map(function (p) { return p.x; }), ys = o.points.map(function (p) { return p.y; });
    var xmin = Math.min.apply(null, xs), xmax = Math.max.apply(null, xs);
    var ymin = Math.min.apply(null, ys), ymax = Math.max.apply(null, ys);
    var padx = (xmax - xmin) * 0.25 || Math.abs(xmax) * 0.1 || 1;
    var pady = (ymax - ymin) * 0.25 || Math.abs(ymax) * 0.1 || 1;
    xmin -= padx; xmax += padx; ymin -= pady; ymax += pady;
    function px(x) { return left + (x - xmin) / (xmax - xmin) * (width - left - right); }
    function py(y) { return height - bottom - (y - ymin) / (ymax - ymin) * (height - top - bottom); }
    el("line", { x1: left, y1: height - bottom, x2: width - right, y2: height - bottom, stroke: "#888" }, root);
    el("line", { x1: left, y1: top, x2: left, y2: height - bottom, stroke: "#888" }, root);
    text(root, (left + width - right) / 2, height - 6, o.xLabel, { "text-anchor": "middle" });
    text(root, 12, (top + height - bottom) / 2, o.yLabel, { "text-anchor": "middle", transform: "rotate(-90 12 " + (top + height - bottom) / 2 + ")" });
    [xmin + padx, xmax - padx].forEach(function (x) { text(root, px(x), height - bottom + 13, fmt(x, o.decimals, o.lang), { "text-anchor": "middle" }); });
    [ymin + pady, ymax - pady].forEach(function (y) { text(root, left - 4, py(y) + 4, fmt(y, o.decimals, o.lang), { "text-anchor": "end" }); });
    // the points, then their labels: a label that would cover a point or another label moves down
    var placed = o.points.map(function (p) { return [px(p.x) - 4, py(p.y) + 4]; });
    o.points.forEach(function (p) {
      var c = el("circle", { cx: px(p.x), cy: py(p.y), r: 5, fill: p.colour || "#1f78b4" }, root);
      var tip = el("title", {}, c);
      tip.textContent = p.label + ": " + fmt(p.x, o.decimals, o.lang) + " / " + fmt(p.y, o.decimals, o.lang);
      var right = px(p.x) > width * 0.6;  // labels of points on the right go to their left
      var x = px(p.x) + (right ? -8 : 8), y = py(p.y) + 4;
      var span = right ? [x - 160, x] : [x, x + 160];
      while (placed.some(function (q) { return q[0] > span[0] - 6 && q[0] < span[1] && Math.abs(q[1] - y) < 12; })) y += 12;
      placed.push([x, y]);
      text(root, x, y, p.label, right ? { "text-anchor": "end" } : {});
    });
    summary(container, o.points.map(function (p) {
      return p.label + ": " + o.xLabel + " " + fmt(p.x, o.decimals, o.lang) + ", " + o.yLabel + " " + fmt(p.y, o.decimals, o.lang);
    }));
    return root;
  }

  window.geoCharts = { fmt: fmt, bars: bars, scatter: scatter };
})();
