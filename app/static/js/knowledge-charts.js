/* Charts of the country pages and the monitoring dashboard, drawn with Chart.js from the JSON blocks
   <script type="application/json" id="chart-data-..."> that the page carries: {"charts": [{"id", "type"
   ("line" or "bar"), "labels", "datasets": [{"label", "data"}]}]}. Each chart goes into the canvas with the
   same data-chart id. Every chart has a table with the same numbers next to it, so nothing is lost
   without JavaScript. */
(function () {
  "use strict";

  if (typeof window.Chart === "undefined") {
    return;
  }
  var lang = document.documentElement.lang || undefined;
  var colours = ["#0b3d66", "#b35c00", "#146c43", "#6f42c1", "#a31d3a", "#0f6b75", "#5c636a", "#7a5b00"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function showNumber(value) {
    return Number(value).toLocaleString(lang);
  }

  function draw(canvas, chart) {
    var stacked = chart.type === "bar" && chart.stacked;
    return new window.Chart(canvas, {
      type: chart.type === "bar" ? "bar" : "line",
      data: {
        labels: chart.labels,
        datasets: chart.datasets.map(function (set, i) {
          var colour = colours[i % colours.length];
          return {label: set.label, data: set.data, borderColor: colour, backgroundColor: colour,
                  borderWidth: 2, pointRadius: 3, spanGaps: true};
        })
      },
      options: {
        animation: reduceMotion ? false : undefined,
        indexAxis: chart.horizontal ? "y" : "x",
        scales: {
          x: {stacked: stacked, ticks: chart.horizontal ? {callback: function (v) { return showNumber(v); }} : {}},
          y: {stacked: stacked, beginAtZero: true,
              ticks: chart.horizontal ? {} : {callback: function (v) { return showNumber(v); }}}
        },
        plugins: {
          legend: {display: chart.datasets.length > 1, position: "bottom"},
          tooltip: {callbacks: {label: function (item) {
            return item.dataset.label + ": " + showNumber(item.parsed[chart.horizontal ? "x" : "y"]);
          }}}
        }
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('script[type="application/json"][id^="chart-data"]'),
    function (block) {
      JSON.parse(block.textContent).charts.forEach(function (chart) {
        var canvas = document.querySelector('canvas[data-chart="' + chart.id + '"]');
        if (canvas && chart.labels.length) {
          draw(canvas, chart);
        }
      });
    });
})();
