/* The pledge page's indicator charts: one line chart per indicator, drawn with Chart.js from the JSON
   block #pledge-chart-data (built by app/commitments/reports.py: indicator_chart_data). Approved values
   are points joined by a line; the baseline and the target are dashed lines across the pledge period.
   The table under each chart holds the same numbers, so nothing is lost without JavaScript. */
(function () {
  "use strict";

  var source = document.getElementById("pledge-chart-data");
  var section = document.getElementById("pledge-indicators");
  if (!source || !section || typeof window.Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var lang = document.documentElement.lang || undefined;
  var labels = {
    value: section.dataset.labelValue,
    baseline: section.dataset.labelBaseline,
    target: section.dataset.labelTarget
  };
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // Dates arrive as "YYYY-MM-DD" and are read as UTC midnight; show them in UTC so no day shifts.
  function day(iso) {
    return Date.parse(iso);
  }
  function showDay(ms) {
    return new Date(ms).toLocaleDateString(lang, {timeZone: "UTC", year: "numeric", month: "short", day: "numeric"});
  }
  function showNumber(value) {
    return Number(value).toLocaleString(lang);
  }

  function level(label, value, from, to, colour) {
    return {
      label: label,
      data: [{x: from, y: value}, {x: to, y: value}],
      borderColor: colour,
      backgroundColor: colour,
      borderDash: [6, 4],
      borderWidth: 2,
      pointStyle: "line",
      pointRadius: 0,
      pointHoverRadius: 0
    };
  }

  function draw(canvas, indicator) {
    var points = indicator.points.map(function (p) { return {x: day(p.date), y: p.value}; });
    var xs = points.map(function (p) { return p.x; });
    var from = data.start ? Math.min(day(data.start), Math.min.apply(null, xs)) : Math.min.apply(null, xs);
    var to = data.end ? Math.max(day(data.end), Math.max.apply(null, xs)) : Math.max.apply(null, xs);
    var datasets = [{
      label: labels.value,
      data: points,
      borderColor: "#0b3d66",
      backgroundColor: "#0b3d66",
      borderWidth: 2,
      pointRadius: 4,
      pointHoverRadius: 6
    }];
    if (indicator.baseline !== null) {
      datasets.push(level(labels.baseline, indicator.baseline, from, to, "#6c757d"));
    }
    if (indicator.target !== null) {
      datasets.push(level(labels.target, indicator.target, from, to, "#146c43"));
    }
    return new window.Chart(canvas, {
      type: "line",
      data: {datasets: datasets},
      options: {
        animation: reduceMotion ? false : undefined,
        parsing: false,
        scales: {
          // Ticks on the pledge's start and end and on each reported period's end, not on arbitrary days.
          x: {
            type: "linear", min: from, max: to, ticks: {callback: showDay},
            afterBuildTicks: function (axis) {
              axis.ticks = [from].concat(xs, [to]).filter(function (x, i, all) { return all.indexOf(x) === i; })
                .map(function (x) { return {value: x}; });
            }
          },
          y: {ticks: {callback: showNumber}}
        },
        plugins: {
          legend: {position: "bottom", labels: {usePointStyle: true}},
          tooltip: {
            callbacks: {
              title: function (items) { return items.length ? showDay(items[0].parsed.x) : ""; },
              label: function (item) { return item.dataset.label + ": " + showNumber(item.parsed.y); }
            }
          }
        }
      }
    });
  }

  data.indicators.forEach(function (indicator) {
    var canvas = section.querySelector('canvas[data-indicator-chart="' + indicator.id + '"]');
    if (canvas && indicator.points.length) {
      draw(canvas, indicator);
    }
  });
})();
