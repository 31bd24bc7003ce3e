/* The dashboard engine: every KPI tile, chart and table is recomputed in the browser from the rows
   embedded in the page (already aggregated and privacy-filtered in Python), for the chosen date range
   and department. No network access: Plotly is inlined above this script. */
(function () {
  "use strict";

  var D = JSON.parse(document.getElementById("dashboard-data").textContent);
  var state = { from: D.range.default_from, to: D.range.max, department: "" };

  var COLORS = D.colors || {};
  var PALETTE = ["#1f4e79", "#d1793a", "#2e8b57", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b8860b", "#34495e", "#e67e22"];

  var usd0 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 0 });
  var usd2 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var usd4 = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD", minimumFractionDigits: 4, maximumFractionDigits: 4 });
  var int0 = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  var num1 = new Intl.NumberFormat("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var pct1 = new Intl.NumberFormat("en-US", { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1 });

  function fmt(value, format) {
    if (value === null || value === undefined || (typeof value === "number" && !isFinite(value))) return "—";
    if (typeof value !== "number") return String(value);
    switch (format) {
      case "usd": return Math.abs(value) >= 1000 ? usd0.format(value) : usd2.format(value);
      case "usd4": return usd4.format(value);
      case "pct": return pct1.format(value);
      case "int": return int0.format(value);
      case "num1": return num1.format(value);
      default: return String(value);
    }
  }

  /* Plotly tick/hover formats matching fmt(). */
  var AXIS = { usd: { tickprefix: "$", tickformat: ",.2~f" }, usd4: { tickprefix: "$", tickformat: ",.3f" },
               pct: { tickformat: ".0%" }, int: { tickformat: "," }, num1: { tickformat: ",.0f" } };
  var HOVER = { usd: "$%{y:,.2f}", usd4: "$%{y:,.4f}", pct: "%{y:.1%}", int: "%{y:,.0f}", num1: "%{y:,.1f}" };

  function addDays(iso, n) {
    var d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  }
  function monthStart(iso) { return iso.slice(0, 7) + "-01"; }
  function addMonths(iso, n) {
    var d = new Date(monthStart(iso) + "T00:00:00Z");
    d.setUTCMonth(d.getUTCMonth() + n);
    return d.toISOString().slice(0, 10);
  }
  function daysBetween(a, b) { return Math.round((new Date(b + "T00:00:00Z") - new Date(a + "T00:00:00Z")) / 86400000); }
  function monthsBetween(a, b) { return (+b.slice(0, 4) - +a.slice(0, 4)) * 12 + (+b.slice(5, 7) - +a.slice(5, 7)); }

  function currentWindow() { return { from: state.from, to: state.to }; }

  /* The window just before ``w`` with the same length, in days or in calendar months. */
  function previousWindow(w, grain) {
    if (grain === "month") {
      var months = monthsBetween(w.from, w.to) + 1;
      return { from: addMonths(w.from, -months), to: addDays(monthStart(w.from), -1) };
    }
    var length = daysBetween(w.from, w.to) + 1;
    return { from: addDays(w.from, -length), to: addDays(w.from, -1) };
  }

  function rowsFor(name, w) {
    var ds = D.datasets[name];
    var rows = ds.rows;
    if (ds.date && w) {
      var lo = ds.grain === "month" ? monthStart(w.from) : w.from;
      rows = rows.filter(function (r) { return r[ds.date] >= lo && r[ds.date] <= w.to; });
    }
    if (state.department && ds.department) {
      rows = rows.filter(function (r) { return r[ds.department] === state.department; });
    }
    return rows;
  }

  function total(rows, field) {
    var s = 0, n = 0;
    for (var i = 0; i < rows.length; i++) {
      var v = rows[i][field];
      if (v !== null && v !== undefined) { s += v; n++; }
    }
    return n ? s : null;
  }

  /* A measure is sum(num) [/ sum(den)], num and den optionally over other datasets. */
  function evaluate(m, rows, rowsOf) {
    var num = total(m.dataset ? rowsOf(m.dataset) : rows, m.num);
    if (!m.den) return num;
    var den = total(m.den_dataset ? rowsOf(m.den_dataset) : rows, m.den);
    if (num === null || !den) return null;
    return num / den;
  }

  function matching(keys) {
    return function (r) {
      for (var k in keys) { if (r[k] !== keys[k]) return false; }
      return true;
    };
  }

  function groups(rows, dims) {
    var out = new Map();
    rows.forEach(function (r) {
      var id = JSON.stringify(dims.map(function (d) { return r[d]; }));
      if (!out.has(id)) {
        var keys = {};
        dims.forEach(function (d) { keys[d] = r[d]; });
        out.set(id, { keys: keys, rows: [] });
      }
      out.get(id).rows.push(r);
    });
    return Array.from(out.values());
  }

  function measureFor(group, m, w) {
    var pick = matching(group.keys);
    return evaluate(m, group.rows, function (name) { return rowsFor(name, w).filter(pick); });
  }

  /* ---- KPI tiles ---------------------------------------------------------------------------- */
  function renderKpis() {
    var w = currentWindow();
    D.kpis.forEach(function (k) {
      var el = document.getElementById("kpi-" + k.id);
      var grain = D.datasets[k.dataset].grain;
      var all = { keys: {}, rows: rowsFor(k.dataset, w) };
      var value = measureFor(all, k.measure, w);
      var valueEl = el.querySelector(".kpi-value");
      valueEl.textContent = fmt(value, k.format);
      valueEl.setAttribute("data-value", value === null ? "" : String(value));
      var change = el.querySelector(".kpi-change");
      change.className = "kpi-change";
      if (value === null) { change.textContent = "no data in this selection"; change.classList.add("flat"); return; }
      if (!D.datasets[k.dataset].date) { change.textContent = "as of the latest data"; change.classList.add("flat"); return; }
      var pw = previousWindow(w, grain);
      var prevRows = rowsFor(k.dataset, pw);
      if (!prevRows.length || (k.compare_requires && !total(prevRows, k.compare_requires))) {
        change.textContent = "no earlier period in the data";
        change.classList.add("flat");
        return;
      }
      var prev = measureFor({ keys: {}, rows: prevRows }, k.measure, pw);
      if (value === null || prev === null) { change.textContent = "no comparison"; change.classList.add("flat"); return; }
      var delta, text;
      if (k.format === "pct") {
        delta = value - prev;
        text = (delta >= 0 ? "+" : "−") + num1.format(Math.abs(delta) * 100) + " pp";
      } else {
        if (!prev) { change.textContent = "previous period was 0"; change.classList.add("flat"); return; }
        delta = (value - prev) / Math.abs(prev);
        text = (delta >= 0 ? "+" : "−") + pct1.format(Math.abs(delta));
      }
      var arrow = delta > 0 ? "▲ " : delta < 0 ? "▼ " : "";
      change.textContent = arrow + text + " vs previous " + (grain === "month" ? "month(s)" : (daysBetween(w.from, w.to) + 1) + " days");
      change.setAttribute("data-change", String(delta));
      var good = k.good === "up" ? delta > 0 : k.good === "down" ? delta < 0 : null;
      change.classList.add(delta === 0 || good === null ? "flat" : good ? "good" : "bad");
    });
  }

  /* ---- Charts -------------------------------------------------------------------------------- */
  function traceSeries(c, w) {
    var rows = rowsFor(c.dataset, w);
    var traces = [];
    var measures = c.measures || [{ label: null, measure: c.measure, format: c.format }];
    var seriesGroups = c.series ? groups(rows, [c.series]) : [{ keys: {}, rows: rows }];
    seriesGroups.sort(function (a, b) { return String(a.keys[c.series]).localeCompare(String(b.keys[c.series])); });
    seriesGroups.forEach(function (sg) {
      measures.forEach(function (ms, mi) {
        var points = groups(sg.rows, [c.x]).map(function (g) {
          var keys = Object.assign({}, sg.keys, g.keys);
          return { x: g.keys[c.x], y: measureFor({ keys: keys, rows: g.rows }, ms.measure, w) };
        }).filter(function (p) { return p.y !== null; });
        var name = c.series ? String(sg.keys[c.series]) : (ms.label || c.title);
        traces.push({ name: name, points: points, format: ms.format || c.format, index: traces.length, measureIndex: mi });
      });
    });
    return traces;
  }

  function orderCategories(traces, c) {
    var totals = new Map();
    traces.forEach(function (t) { t.points.forEach(function (p) { totals.set(p.x, (totals.get(p.x) || 0) + (p.y || 0)); }); });
    var cats = Array.from(totals.keys());
    if (c.kind === "line") return cats.sort();
    cats.sort(function (a, b) { return totals.get(b) - totals.get(a); });
    return c.top ? cats.slice(0, c.top) : cats;
  }

  function colorFor(name, i) { return COLORS[name] || PALETTE[i % PALETTE.length]; }

  function renderChart(c) {
    var w = currentWindow();
    var el = document.getElementById("chart-" + c.id);
    var empty = document.getElementById("empty-" + c.id);
    var series = traceSeries(c, w);
    var cats = orderCategories(series, c);
    var points = series.reduce(function (n, t) { return n + t.points.length; }, 0);
    el.setAttribute("data-points", String(points));
    if (!points) {
      empty.style.display = "flex";
      el.style.visibility = "hidden";
      Plotly.purge(el);
      return;
    }
    empty.style.display = "none";
    el.style.visibility = "visible";
    var horizontal = c.kind === "hbar";
    var traces = series.map(function (t) {
      var byX = new Map(t.points.map(function (p) { return [p.x, p.y]; }));
      var xs = cats.filter(function (x) { return byX.has(x); });
      var ys = xs.map(function (x) { return byX.get(x); });
      var base = { name: t.name, hovertemplate: "%{fullData.name}<br>" + (horizontal ? "%{y}: " + HOVER[t.format].replace(/y/g, "x") : "%{x}: " + HOVER[t.format]) + "<extra></extra>" };
      var color = colorFor(t.name, t.index);
      if (c.kind === "line") {
        return Object.assign(base, { type: "scatter", mode: "lines+markers", x: xs, y: ys, line: { color: color, width: 2.5 }, marker: { size: 5 } });
      }
      if (horizontal) {
        return Object.assign(base, { type: "bar", orientation: "h", x: ys, y: xs, marker: { color: color } });
      }
      // One series over tools: colour each bar as its tool.
      var perBar = series.length === 1 && xs.every(function (x) { return COLORS[x]; });
      return Object.assign(base, { type: "bar", x: xs, y: ys, marker: { color: perBar ? xs.map(function (x) { return COLORS[x]; }) : color } });
    });
    var fmtKey = c.format || (c.measures && c.measures[0].format);
    var valueAxis = Object.assign({ gridcolor: "#e6e9ef", zerolinecolor: "#c9ced6", rangemode: "tozero", automargin: true }, AXIS[fmtKey] || {});
    var catAxis = { automargin: true, gridcolor: "#f2f4f7" };
    if (horizontal) catAxis.autorange = "reversed";
    var layout = {
      margin: { l: 10, r: 10, t: 10, b: 10 }, height: c.height || 320,
      font: { family: "-apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif", size: 12, color: "#2b3440" },
      paper_bgcolor: "#ffffff", plot_bgcolor: "#ffffff",
      barmode: c.stacked ? "stack" : "group", bargap: 0.25,
      showlegend: traces.length > 1, legend: { orientation: "h", y: -0.18, x: 0 },
      xaxis: horizontal ? valueAxis : Object.assign(catAxis, c.kind === "line" ? { type: "date", tickformat: "%b %d" } : {}),
      yaxis: horizontal ? catAxis : valueAxis,
      hoverlabel: { namelength: -1 }
    };
    Plotly.react(el, traces, layout, { displaylogo: false, responsive: true, modeBarButtonsToRemove: ["lasso2d", "select2d"] });
  }

  /* ---- Tables -------------------------------------------------------------------------------- */
  function tableRows(t, w) {
    var rows = rowsFor(t.dataset, w);
    var out = groups(rows, t.group_by).map(function (g) {
      return t.columns.map(function (col) {
        if (col.field) return g.keys[col.field];
        return measureFor(g, col.measure, w);
      });
    });
    var by = t.sort_by || 0, desc = t.sort_desc !== false;
    out.sort(function (a, b) {
      var x = a[by], y = b[by];
      if (x === y) return 0;
      if (x === null || x === undefined) return 1;
      if (y === null || y === undefined) return -1;
      return (x < y ? -1 : 1) * (desc ? -1 : 1);
    });
    return t.limit ? out.slice(0, t.limit) : out;
  }

  function renderTable(t) {
    var w = currentWindow();
    var rows = tableRows(t, w);
    var body = document.querySelector("#table-" + t.id + " tbody");
    body.innerHTML = "";
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      r.forEach(function (v, i) {
        var td = document.createElement("td");
        td.textContent = fmt(v, t.columns[i].format);
        if (typeof v === "number") td.className = "num";
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    var foot = document.querySelector("#table-" + t.id + " tfoot");
    foot.innerHTML = "";
    if (t.totals && rows.length) {
      var tr = document.createElement("tr");
      t.columns.forEach(function (col, i) {
        var td = document.createElement("td");
        if (i === 0) td.textContent = "Total";
        else if (col.measure && !col.measure.den) {
          var present = rows.filter(function (r) { return r[i] !== null && r[i] !== undefined; });
          td.textContent = present.length ? fmt(present.reduce(function (s, r) { return s + r[i]; }, 0), col.format) : "—";
          td.className = "num";
        }
        tr.appendChild(td);
      });
      foot.appendChild(tr);
    }
    var count = document.getElementById("count-" + t.id);
    if (count) count.textContent = rows.length ? rows.length + (rows.length === 1 ? " row" : " rows") : "No rows for this selection";
    document.getElementById("table-" + t.id).setAttribute("data-rows", String(rows.length));
  }

  function csvCell(v) {
    if (v === null || v === undefined) return "";
    var s = typeof v === "number" ? String(Math.round(v * 1e6) / 1e6) : String(v);
    return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function downloadCsv(t) {
    var rows = tableRows(Object.assign({}, t, { limit: 0 }), currentWindow());
    var lines = [t.columns.map(function (c) { return csvCell(c.csv || c.label); }).join(",")];
    rows.forEach(function (r) { lines.push(r.map(csvCell).join(",")); });
    var blob = new Blob([lines.join("\n") + "\n"], { type: "text/csv;charset=utf-8" });
    var a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = t.csv.replace("{from}", state.from).replace("{to}", state.to);
    document.body.appendChild(a);
    a.click();
    setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 0);
  }

  /* ---- Filters ------------------------------------------------------------------------------- */
  function render() {
    renderKpis();
    D.charts.forEach(renderChart);
    D.tables.forEach(renderTable);
    var label = document.getElementById("selection");
    label.textContent = state.from + " to " + state.to + (state.department ? " · " + state.department : " · all departments");
    document.body.setAttribute("data-rendered", String(Date.now()));
  }

  function setup() {
    var from = document.getElementById("f-from"), to = document.getElementById("f-to"), dept = document.getElementById("f-dept");
    [from, to].forEach(function (input) { input.min = D.range.min; input.max = D.range.max; });
    from.value = state.from; to.value = state.to;
    D.departments.forEach(function (d) {
      var o = document.createElement("option");
      o.value = d; o.textContent = d;
      dept.appendChild(o);
    });
    function apply() {
      if (from.value && to.value && from.value <= to.value) { state.from = from.value; state.to = to.value; }
      state.department = dept.value;
      render();
    }
    from.addEventListener("change", apply);
    to.addEventListener("change", apply);
    dept.addEventListener("change", apply);
    document.querySelectorAll("[data-range]").forEach(function (b) {
      b.addEventListener("click", function () {
        var days = b.getAttribute("data-range");
        from.value = days === "all" ? D.range.min : [D.range.min, addDays(D.range.max, -(+days - 1))].sort()[1];
        to.value = D.range.max;
        apply();
      });
    });
    D.tables.forEach(function (t) {
      if (!t.csv) return;
      document.getElementById("csv-" + t.id).addEventListener("click", function () { downloadCsv(t); });
    });
    render();
  }

  window.dashboard = { state: state, render: render, data: D };
  setup();
})();
