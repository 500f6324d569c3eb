/* Draws the report's charts from their data attributes (JSON, set by geo.maps.decision). */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
    window.geoCharts.bars(el, JSON.parse(el.getAttribute("data-chart")));
  });
  Array.prototype.forEach.call(document.querySelectorAll("[data-scatter]"), function (el) {
    window.geoCharts.scatter(el, JSON.parse(el.getAttribute("data-scatter")));
  });
  document.body.setAttribute("data-ready", "1");
})();
