/* Oversight page: draws the charts with Chart.js (chart.umd.min.js, loaded
   before this file). External file because the CSP forbids inline scripts.

   Every <canvas data-chart="{json}" data-kind="line|bar"> becomes a chart:
   - data-chart is {"labels": [...], "datasets": [{"label": "...", "data":
     [...]}, ...]} (Chart.js's own data shape; extra dataset keys pass
     through);
   - data-kind is the chart type;
   - data-percent="true" puts a percent scale on the y axis. The values may
     be fractions (0.125) or percentages (12.5): when every value lies in
     [0, 1] they are read as fractions. A top-level "scale" in the JSON (100
     or 1) settles it explicitly;
   - data-x-title / data-y-title are the axis titles (translated by the
     server); data-empty is shown over the empty canvas when there is no data.
   Charts are responsive and not animated. */
(function () {
  "use strict";

  var palette = ["#1b6fd6", "#e9822d", "#1e7d45", "#b42318", "#6d2f8e", "#13676a",
    "#9a5b00", "#14325c", "#d4589a", "#6b7f99", "#3f9b5c", "#8f1a10"];

  function colour(i, alpha) {
    var hex = palette[i % palette.length];
    if (alpha === undefined) {
      return hex;
    }
    var n = parseInt(hex.slice(1), 16);
    return "rgba(" + ((n >> 16) & 255) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
  }

  function parse(text) {
    if (!text) {
      return null;
    }
    try {
      var d = JSON.parse(text);
      if (!d || typeof d !== "object" || !Array.isArray(d.datasets)) {
        return null;
      }
      if (!Array.isArray(d.labels)) {
        d.labels = [];
      }
      return d;
    } catch (e) {
      return null;
    }
  }

  function values(d) {
    var out = [];
    d.datasets.forEach(function (ds) {
      (ds.data || []).forEach(function (v) {
        var n = (v !== null && typeof v === "object") ? v.y : v;
        if (typeof n === "number" && isFinite(n)) {
          out.push(n);
        }
      });
    });
    return out;
  }

  function showEmpty(canvas) {
    var msg = canvas.getAttribute("data-empty") || "";
    var p = document.createElement("p");
    p.className = "ov-chart-empty";
    p.setAttribute("data-testid", (canvas.getAttribute("data-testid") || "chart") + "-empty");
    p.textContent = msg;
    canvas.parentNode.insertBefore(p, canvas);
  }

  function axisTitle(text) {
    return text ? { display: true, text: text } : { display: false };
  }

  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || undefined, { maximumFractionDigits: 2 });

  function draw(canvas) {
    if (canvas.getAttribute("data-drawn") === "1") {
      return;
    }
    var data = parse(canvas.getAttribute("data-chart"));
    var nums = data ? values(data) : [];
    if (!data || nums.length === 0) {
      showEmpty(canvas);
      return;
    }
    var kind = canvas.getAttribute("data-kind") || "line";
    var percent = canvas.getAttribute("data-percent") === "true";
    var scale = 1;
    if (percent) {
      if (data.scale === 100 || data.scale === 1) {
        scale = data.scale;
      } else {
        scale = nums.every(function (n) { return n >= 0 && n <= 1; }) ? 100 : 1;
      }
    }
    data.datasets.forEach(function (ds, i) {
      if (scale !== 1 && Array.isArray(ds.data)) {
        ds.data = ds.data.map(function (v) {
          return typeof v === "number" ? v * scale : v;
        });
      }
      if (!ds.borderColor) {
        ds.borderColor = colour(i);
      }
      if (!ds.backgroundColor) {
        ds.backgroundColor = kind === "bar" ? colour(i, 0.75) : colour(i, 0.15);
      }
      if (kind === "line") {
        if (ds.tension === undefined) { ds.tension = 0.25; }
        if (ds.pointRadius === undefined) { ds.pointRadius = 2; }
        if (ds.borderWidth === undefined) { ds.borderWidth = 2; }
        if (ds.spanGaps === undefined) { ds.spanGaps = true; }
      }
    });
    var fmt = function (v) {
      return percent ? numberFormat.format(v) + "%" : numberFormat.format(v);
    };
    canvas.setAttribute("data-drawn", "1");
    new window.Chart(canvas, {
      type: kind,
      data: { labels: data.labels, datasets: data.datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: {
            callbacks: {
              label: function (item) {
                var y = item.parsed && typeof item.parsed.y === "number" ? item.parsed.y : item.raw;
                return (item.dataset.label ? item.dataset.label + ": " : "") + fmt(y);
              }
            }
          }
        },
        scales: {
          x: { title: axisTitle(canvas.getAttribute("data-x-title")), grid: { display: false } },
          y: {
            beginAtZero: true,
            title: axisTitle(canvas.getAttribute("data-y-title")),
            ticks: { callback: function (v) { return fmt(v); } }
          }
        }
      }
    });
  }

  function init() {
    if (!window.Chart) {
      return;
    }
    var body = window.getComputedStyle(document.body);
    window.Chart.defaults.font.family = body.fontFamily;
    window.Chart.defaults.color = "#5d6b7b";
    document.querySelectorAll("canvas[data-chart]").forEach(function (c) {
      try {
        draw(c);
      } catch (e) {
        if (window.console) { window.console.error(e); }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
