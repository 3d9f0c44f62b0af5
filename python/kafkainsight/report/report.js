// Draws the report's charts from the JSON block #ki-data with the inlined Chart.js.
// Every chart is kept in window.kiCharts (the browser test reads their data from there).
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("ki-data").textContent);
  var S = data.summary;
  var charts = {};
  window.kiCharts = charts;
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  Chart.defaults.font.family = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";

  var COLORS = {"1xx": "#9e9e9e", "2xx": "#2e7d32", "3xx": "#1565c0", "4xx": "#ef6c00", "5xx": "#c62828",
                "other": "#6a1b9a"};
  // Level colours by severity (Apache levels and syslog keywords alike); the rest in greys.
  var LEVEL_COLORS = {"emerg": "#4a148c", "emergency": "#4a148c", "panic": "#4a148c", "alert": "#6a1b9a",
                      "crit": "#880e4f", "critical": "#880e4f", "error": "#c62828", "err": "#e57373",
                      "warn": "#ef6c00", "warning": "#ffb74d", "notice": "#fdd835", "info": "#43a047",
                      "debug": "#1e88e5"};
  var GREYS = ["#90a4ae", "#78909c", "#607d8b", "#546e7a", "#b0bec5", "#455a64", "#cfd8dc", "#37474f"];
  function levelColor(k, i) { return LEVEL_COLORS[k] || GREYS[i % GREYS.length]; }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function fmt(sec, step) {
    var d = new Date(sec * 1000);
    var s = d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate());
    if (step < 86400) s += " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    if (step < 60) s += ":" + pad(d.getUTCSeconds());
    return s;
  }
  function noData(id, text) {
    var c = document.getElementById(id);
    var p = document.createElement("p");
    p.className = "empty";
    p.textContent = text;
    c.parentNode.replaceChild(p, c);
  }
  function short(s, n) { return s.length > n ? s.slice(0, n - 1) + "\u2026" : s; }
  var labels = S.buckets.map(function (t) { return fmt(t, S.step_seconds); });
  var stackedTime = {
    responsive: true, interaction: {mode: "index", intersect: false},
    scales: {x: {stacked: true, ticks: {maxRotation: 0, autoSkipPadding: 20}}, y: {stacked: true, beginAtZero: true}}
  };

  // Requests over time by status class (classes that occur).
  var classes = Object.keys(S.status).filter(function (k) { return S.totals.status[k] > 0; });
  if (classes.length === 0) {
    noData("chart-status", "No HTTP requests in the input.");
    noData("chart-errors", "No HTTP requests in the input.");
  } else {
    charts.status = new Chart(document.getElementById("chart-status"), {
      type: "bar",
      data: {labels: labels, datasets: classes.map(function (k) {
        return {label: k, data: S.status[k], backgroundColor: COLORS[k]};
      })},
      options: stackedTime
    });
    // 4xx and 5xx over time: the "HTTP errors" dashboard.
    charts.errors = new Chart(document.getElementById("chart-errors"), {
      type: "line",
      data: {labels: labels, datasets: ["4xx", "5xx"].map(function (k) {
        return {label: k, data: S.status[k], borderColor: COLORS[k], backgroundColor: COLORS[k], pointRadius: 0,
                borderWidth: 2, tension: 0};
      })},
      options: {responsive: true, interaction: {mode: "index", intersect: false},
                scales: {x: {ticks: {maxRotation: 0, autoSkipPadding: 20}}, y: {beginAtZero: true}}}
    });
  }

  // Error-log levels over time (Apache error log levels and syslog severities).
  var levels = Object.keys(S.levels);
  if (levels.length === 0) {
    noData("chart-levels", "No error-log or syslog lines in the input.");
  } else {
    charts.levels = new Chart(document.getElementById("chart-levels"), {
      type: "bar",
      data: {labels: labels, datasets: levels.map(function (k, i) {
        return {label: k, data: S.levels[k], backgroundColor: levelColor(k, i)};
      })},
      options: stackedTime
    });
  }

  // Top paths, client addresses, user agents.
  [["paths", "chart-paths", "#1565c0"], ["clients", "chart-clients", "#00897b"],
   ["agents", "chart-agents", "#6d4c41"]].forEach(function (t) {
    var rows = S.top[t[0]].rows;
    if (rows.length === 0) { noData(t[1], "No values in the input."); return; }
    charts[t[0]] = new Chart(document.getElementById(t[1]), {
      type: "bar",
      data: {labels: rows.map(function (r) { return r[0]; }),
             datasets: [{label: "requests", data: rows.map(function (r) { return r[1]; }), backgroundColor: t[2]}]},
      options: {indexAxis: "y", responsive: true, plugins: {legend: {display: false}},
                scales: {y: {ticks: {autoSkip: false, callback: function (v) { return short(this.getLabelForValue(v), 48); }}},
                         x: {beginAtZero: true}}}
    });
  });

  // Alert timeline: one row per rule, red = fired, green = resolved.
  var alerts = data.alerts || [];
  var timed = alerts.filter(function (a) { return a.t !== null; });
  if (timed.length === 0) {
    noData("chart-alerts", data.alerts === null
      ? "No alerts given (pass --alerts FILE.jsonl, as written by kafkainsight watch)."
      : "No alerts.");
  } else {
    var rules = [];
    timed.forEach(function (a) { if (rules.indexOf(a.rule) < 0) rules.push(a.rule); });
    var points = function (state) {
      return timed.filter(function (a) { return a.state === state; }).map(function (a) {
        return {x: a.t * 1000, y: rules.indexOf(a.rule), key: a.key, observed: a.observed, threshold: a.threshold};
      });
    };
    charts.alerts = new Chart(document.getElementById("chart-alerts"), {
      type: "scatter",
      data: {datasets: [
        {label: "fired", data: points("firing"), backgroundColor: "#c62828", pointRadius: 6, pointStyle: "triangle"},
        {label: "resolved", data: points("resolved"), backgroundColor: "#2e7d32", pointRadius: 5}]},
      options: {responsive: true,
                scales: {x: {type: "linear", min: S.first !== undefined ? Math.min(S.first, timed[0].t) * 1000 : undefined,
                             max: S.last !== undefined ? Math.max(S.last, timed[timed.length - 1].t) * 1000 : undefined,
                             ticks: {callback: function (v) { return fmt(v / 1000, 1); }, maxRotation: 0}},
                         // One tick per rule, named (the points' y is the rule's index).
                         y: {min: -0.5, max: rules.length - 0.5,
                             afterBuildTicks: function (axis) { axis.ticks = rules.map(function (r, i) { return {value: i}; }); },
                             ticks: {autoSkip: false, callback: function (v) { return rules[v]; }}}},
                plugins: {tooltip: {callbacks: {label: function (c) {
                  var p = c.raw;
                  return rules[p.y] + " " + p.key + " observed " + p.observed + " threshold " + p.threshold;
                }}}}}
    });
  }
  document.body.setAttribute("data-ready", "1");
})();
