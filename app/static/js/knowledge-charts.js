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

  // Named styles (a chart's "styles", one per bar): a colour and a pattern each, matching the swatches of
  // hub.css, so that a bar is told apart by more than its colour (its label names it too).
  var styles = {
    "light-green": ["#146c43", "solid"], "light-amber": ["#b35c00", "stripes"], "light-red": ["#a31d3a", "cross"],
    "light-inactive": ["#5c636a", "dots"], "light-completed": ["#0b3d66", "lines"],
    "light-withdrawn": ["#343a40", "backslashes"]
  };

  function pattern(colour, kind) {
    if (kind === "solid") {
      return colour;
    }
    var tile = document.createElement("canvas");
    tile.width = tile.height = 10;
    var pen = tile.getContext("2d");
    pen.fillStyle = colour;
    pen.fillRect(0, 0, 10, 10);
    pen.strokeStyle = "#fff";
    pen.fillStyle = "#fff";
    pen.lineWidth = 2;
    pen.beginPath();
    if (kind === "dots") {
      pen.arc(5, 5, 1.6, 0, 2 * Math.PI);
      pen.fill();
      return pen.createPattern(tile, "repeat");
    }
    if (kind === "lines") {
      pen.moveTo(0, 5); pen.lineTo(10, 5);
    }
    if (kind === "stripes" || kind === "cross") {
      pen.moveTo(0, 10); pen.lineTo(10, 0); pen.moveTo(-5, 5); pen.lineTo(5, -5); pen.moveTo(5, 15); pen.lineTo(15, 5);
    }
    if (kind === "backslashes" || kind === "cross") {
      pen.moveTo(0, 0); pen.lineTo(10, 10); pen.moveTo(-5, 5); pen.lineTo(5, 15); pen.moveTo(5, -5); pen.lineTo(15, 5);
    }
    pen.stroke();
    return pen.createPattern(tile, "repeat");
  }

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
          var known = (chart.styles || []).map(function (name) { return styles[name] || [colour, "solid"]; });
          if (known.length && chart.type === "bar") {  // one colour and pattern per bar
            return {label: set.label, data: set.data, borderWidth: 2,
                    borderColor: known.map(function (s) { return s[0]; }),
                    backgroundColor: known.map(function (s) { return pattern(s[0], s[1]); })};
          }
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
