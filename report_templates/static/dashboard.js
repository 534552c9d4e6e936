/* rai dashboard: vanilla JS, no network, never parses data as HTML.
 * Every text node is set with textContent; attributes are set one by one from a fixed list.
 * The data comes from the JSON block with id "rai-data". */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("rai-data").textContent);
  var SVGNS = "http://www.w3.org/2000/svg";
  var COLORS = { bar: "#3b6fb6", ref: "#9aa5b1", cur: "#3b6fb6", bad: "#c2410c", good: "#15803d",
                 muted: "#b8c0c8", axis: "#6b7280", text: "#1f2937", grid: "#e5e7eb" };
  var SAFE_ATTRS = { "class": 1, id: 1, type: 1, value: 1, title: 1, role: 1, "aria-selected": 1, "aria-label": 1,
                     placeholder: 1, "for": 1, colspan: 1, "data-tab": 1, selected: 1, checked: 1 };

  // ------------------------------------------------------------------ DOM helpers
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (!SAFE_ATTRS[k]) { throw new Error("attribute not allowed: " + k); }
        if (attrs[k] !== null && attrs[k] !== undefined && attrs[k] !== false) { node.setAttribute(k, String(attrs[k])); }
      });
    }
    append(node, children);
    return node;
  }
  function append(node, children) {
    if (children === null || children === undefined) { return node; }
    if (!Array.isArray(children)) { children = [children]; }
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) { return; }
      if (typeof c === "string" || typeof c === "number") { node.appendChild(document.createTextNode(String(c))); }
      else { node.appendChild(c); }
    });
    return node;
  }
  function s(tag, attrs, text) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }
  function svgRoot(w, h) {
    var root = s("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h, role: "img",
      "font-family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "font-size": 11 });
    return root;
  }
  function tip(node, text) { var t = s("title", {}, text); node.appendChild(t); return node; }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } return node; }

  // ------------------------------------------------------------------ formatting
  function isNum(x) { return typeof x === "number" && isFinite(x); }
  function fmt(x, d) {
    if (!isNum(x)) { return x === null || x === undefined ? "n/a" : String(x); }
    d = d === undefined ? 3 : d;
    if (Number.isInteger(x) && Math.abs(x) >= 1000) { return x.toLocaleString("en-US"); }
    if (x !== 0 && (Math.abs(x) < 1e-6 || Math.abs(x) >= 1e6)) { return x.toExponential(d - 1); }
    return x.toFixed(d);
  }
  function int(x) { return isNum(x) ? Math.round(x).toLocaleString("en-US") : "n/a"; }
  function pct(x) { return isNum(x) ? (100 * x).toFixed(1) + "%" : "n/a"; }
  function pval(x) { return isNum(x) ? (x < 0.001 ? "< 0.001" : x.toFixed(3)) : "–"; }
  function ci(lo, hi) { return isNum(lo) && isNum(hi) ? fmt(lo) + " – " + fmt(hi) : "–"; }
  function badge(status) { return el("span", { "class": "badge " + String(status).replace(/\s+/g, "-") }, String(status)); }
  function card(title, children) { return el("div", { "class": "card" }, [title ? el("h2", null, title) : null].concat(children)); }
  function note(text, warn) { return el("div", { "class": warn ? "note warn" : "note" }, text); }
  function missing(text) { return el("p", { "class": "missing" }, text); }

  function table(headers, rows, opts) {
    opts = opts || {};
    var thead = el("thead", null, el("tr", null, headers.map(function (h, i) {
      var th = el("th", { "class": (h.num ? "num" : "") + (opts.sortable ? " sortable" : "") }, h.label || h);
      if (opts.sortable) { th.addEventListener("click", function () { opts.onSort(i); }); }
      return th;
    })));
    var tbody = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr", { "class": r.cls || null }, r.cells.map(function (c, i) {
        return el("td", { "class": headers[i] && headers[i].num ? "num" : null }, c);
      }));
      if (r.onClick) { tr.classList.add("clickable"); tr.addEventListener("click", function () { r.onClick(tr); }); }
      tbody.appendChild(tr);
    });
    var t = el("table", null, [thead, tbody]);
    return opts.scroll ? el("div", { "class": "scroll" }, t) : t;
  }
  function kv(pairs) {
    var dl = el("dl", { "class": "kv" });
    pairs.forEach(function (p) { if (p) { dl.appendChild(el("dt", null, p[0])); dl.appendChild(el("dd", null, p[1])); } });
    return dl;
  }
  function select(label, options, onChange, value) {
    var sel = el("select", { "aria-label": label });
    options.forEach(function (o) {
      var opt = el("option", { value: o.value }, o.label);
      if (o.value === value) { opt.selected = true; }
      sel.appendChild(opt);
    });
    sel.addEventListener("change", function () { onChange(sel.value); });
    return el("label", null, [label + " ", sel]);
  }
  function label(text, n) { text = String(text === null || text === undefined ? "" : text); return text.length > n ? text.slice(0, n - 1) + "…" : text; }

  // ------------------------------------------------------------------ charts
  function ciBars(items, o) {
    o = o || {};
    if (!items.length) { return missing("Nothing to draw."); }
    var row = 22, left = o.left || 180, right = 70, top = o.title ? 24 : 8, w = o.width || 620;
    var h = top + row * items.length + 24;
    var vals = [];
    items.forEach(function (it) { [it.value, it.low, it.high].forEach(function (v) { if (isNum(v)) { vals.push(v); } }); });
    var lo = o.lo !== undefined ? o.lo : Math.min(0, Math.min.apply(null, vals.concat([0])));
    var hi = o.hi !== undefined ? o.hi : Math.max.apply(null, vals.concat([0]));
    if (hi - lo < 1e-12) { hi = lo + 1; }
    var pw = w - left - right;
    function x(v) { return left + (Math.min(Math.max(v, lo), hi) - lo) / (hi - lo) * pw; }
    var root = svgRoot(w, h);
    if (o.title) { root.appendChild(s("text", { x: 0, y: 14, "font-weight": 600, fill: COLORS.text }, o.title)); }
    for (var t = 0; t <= 4; t++) {
      var v = lo + (hi - lo) * t / 4;
      root.appendChild(s("line", { x1: x(v), x2: x(v), y1: top, y2: top + row * items.length, stroke: COLORS.grid }));
      root.appendChild(s("text", { x: x(v), y: top + row * items.length + 14, "text-anchor": "middle", fill: COLORS.axis }, +v.toPrecision(2)));
    }
    items.forEach(function (it, i) {
      var y = top + i * row;
      var name = label(it.label, 26) + (it.insufficient ? " (insufficient)" : "");
      root.appendChild(tip(s("text", { x: left - 6, y: y + 15, "text-anchor": "end", fill: it.insufficient ? COLORS.axis : COLORS.text }, name), String(it.label)));
      if (!isNum(it.value)) { root.appendChild(s("text", { x: left + 4, y: y + 15, fill: COLORS.axis }, "n/a")); return; }
      var x0 = x(Math.max(lo, Math.min(0, hi))), x1 = x(it.value);
      var color = it.insufficient ? COLORS.muted : (it.color || COLORS.bar);
      root.appendChild(tip(s("rect", { x: Math.min(x0, x1), y: y + 5, width: Math.max(Math.abs(x1 - x0), 1), height: 12, rx: 2, fill: color }),
        String(it.label) + ": " + fmt(it.value) + (isNum(it.low) ? " (CI " + ci(it.low, it.high) + ")" : "") + (isNum(it.count) ? ", n = " + int(it.count) : "")));
      if (isNum(it.low) && isNum(it.high)) {
        root.appendChild(s("line", { x1: x(it.low), x2: x(it.high), y1: y + 11, y2: y + 11, stroke: COLORS.text, "stroke-width": 1.4 }));
        [it.low, it.high].forEach(function (b) { root.appendChild(s("line", { x1: x(b), x2: x(b), y1: y + 6, y2: y + 16, stroke: COLORS.text, "stroke-width": 1.4 })); });
      }
      root.appendChild(s("text", { x: w - right + 6, y: y + 15, fill: COLORS.text }, fmt(it.value)));
    });
    if (isNum(o.reference)) {
      root.appendChild(s("line", { x1: x(o.reference), x2: x(o.reference), y1: top - 4, y2: top + row * items.length, stroke: COLORS.axis, "stroke-dasharray": "4 3" }));
    }
    return el("div", { "class": "chart" }, root);
  }

  function pairedBars(dist, title) {
    var n = dist.labels.length, w = 620, h = 220, left = 44, right = 10, top = title ? 26 : 10, bottom = 58;
    var pw = w - left - right, ph = h - top - bottom;
    var peak = Math.max.apply(null, dist.reference.concat(dist.current).concat([1e-9]));
    var slot = pw / Math.max(n, 1), bw = Math.max(slot * 0.38, 0.8);
    var root = svgRoot(w, h);
    if (title) { root.appendChild(s("text", { x: 0, y: 14, "font-weight": 600, fill: COLORS.text }, title)); }
    for (var t = 0; t <= 2; t++) {
      var v = peak * t / 2, y = top + ph - v / peak * ph;
      root.appendChild(s("line", { x1: left, x2: w - right, y1: y, y2: y, stroke: COLORS.grid }));
      root.appendChild(s("text", { x: left - 4, y: y + 4, "text-anchor": "end", fill: COLORS.axis }, (100 * v).toFixed(0) + "%"));
    }
    var every = Math.max(1, Math.ceil(n / 8));
    for (var i = 0; i < n; i++) {
      var x = left + i * slot + slot * 0.1;
      [[dist.reference, COLORS.ref, "reference"], [dist.current, COLORS.cur, "current"]].forEach(function (sr, j) {
        var hh = sr[0][i] / peak * ph;
        root.appendChild(tip(s("rect", { x: x + j * bw, y: top + ph - hh, width: bw, height: hh, fill: sr[1] }),
          dist.labels[i] + " (" + sr[2] + "): " + pct(sr[0][i])));
      });
      if (i % every === 0) {
        root.appendChild(s("text", { x: x + bw, y: top + ph + 14, "text-anchor": "middle", fill: COLORS.axis }, label(dist.labels[i], 14)));
      }
    }
    var ly = h - 10;
    root.appendChild(s("rect", { x: left, y: ly - 9, width: 10, height: 10, fill: COLORS.ref }));
    root.appendChild(s("text", { x: left + 14, y: ly, fill: COLORS.text }, "reference"));
    root.appendChild(s("rect", { x: left + 90, y: ly - 9, width: 10, height: 10, fill: COLORS.cur }));
    root.appendChild(s("text", { x: left + 104, y: ly, fill: COLORS.text }, "current"));
    return el("div", { "class": "chart" }, root);
  }

  function heatmap(hm) {
    var nx = hm.x_labels.length, ny = hm.error_rate.length;
    var left = 150, top = 10, w = 680, cw = Math.max(Math.min((w - left - 10) / Math.max(nx, 1), 90), 14), ch = 26;
    var h = top + ny * ch + 44;
    var vals = [];
    hm.error_rate.forEach(function (r) { r.forEach(function (v) { if (isNum(v)) { vals.push(v); } }); });
    var peak = Math.max.apply(null, vals.concat([1e-9]));
    var root = svgRoot(w, h);
    hm.error_rate.forEach(function (rowv, j) {
      var y = top + j * ch;
      root.appendChild(s("text", { x: left - 6, y: y + 17, "text-anchor": "end", fill: COLORS.text }, label(hm.y_labels[j], 18)));
      rowv.slice(0, nx).forEach(function (v, i) {
        var x = left + i * cw, fill = "#f3f4f6", txt = "";
        if (isNum(v)) {
          var t = v / peak;
          fill = "rgb(" + Math.round(255 - t * 61) + "," + Math.round(255 - t * 190) + "," + Math.round(255 - t * 243) + ")";
          txt = v.toFixed(2);
        }
        var count = hm.count && hm.count[j] ? hm.count[j][i] : null;
        root.appendChild(tip(s("rect", { x: x, y: y, width: cw - 1, height: ch - 1, fill: fill }),
          hm.x_labels[i] + " / " + hm.y_labels[j] + ": error rate " + (txt || "n/a") + (isNum(count) ? ", " + int(count) + " rows" : "")));
        if (txt && cw >= 30) {
          root.appendChild(s("text", { x: x + cw / 2, y: y + 17, "text-anchor": "middle", fill: v / peak > 0.6 ? "#fff" : COLORS.text }, txt));
        }
      });
    });
    var every = Math.max(1, Math.ceil(nx / 10));
    for (var i = 0; i < nx; i += every) {
      root.appendChild(s("text", { x: left + i * cw + cw / 2, y: top + ny * ch + 14, "text-anchor": "middle", fill: COLORS.axis }, label(hm.x_labels[i], 12)));
    }
    if (hm.features && hm.features.length) {
      root.appendChild(s("text", { x: left, y: h - 6, fill: COLORS.axis }, "columns: " + hm.features[0] + (hm.features[1] ? " · rows: " + hm.features[1] : "")));
    }
    return el("div", { "class": "chart" }, root);
  }

  function lineChart(shape) {
    var w = 280, h = 160, left = 46, right = 8, top = 22, bottom = 24, pw = w - left - right, ph = h - top - bottom;
    var pts = [];
    shape.x.forEach(function (a, i) { if (isNum(shape.y[i])) { pts.push([a, shape.y[i]]); } });
    var root = svgRoot(w, h);
    root.appendChild(s("text", { x: 0, y: 13, "font-weight": 600, fill: COLORS.text }, label(shape.feature, 40)));
    if (!pts.length) { return el("div", { "class": "chart" }, root); }
    var ys = pts.map(function (p) { return p[1]; });
    var lo = Math.min.apply(null, ys.concat([0])), hi = Math.max.apply(null, ys.concat([0]));
    if (hi - lo < 1e-12) { hi = lo + 1; }
    function yy(v) { return top + ph - (v - lo) / (hi - lo) * ph; }
    root.appendChild(s("line", { x1: left, x2: w - right, y1: yy(0), y2: yy(0), stroke: COLORS.grid }));
    root.appendChild(s("text", { x: left - 4, y: top + 8, "text-anchor": "end", fill: COLORS.axis }, +hi.toPrecision(2)));
    root.appendChild(s("text", { x: left - 4, y: top + ph, "text-anchor": "end", fill: COLORS.axis }, +lo.toPrecision(2)));
    var numeric = pts.every(function (p) { return isNum(p[0]); });
    if (numeric) {
      var xs = pts.map(function (p) { return p[0]; }), x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), span = (x1 - x0) || 1;
      var d = pts.map(function (p, i) { return (i ? "L" : "M") + (left + (p[0] - x0) / span * pw).toFixed(1) + "," + yy(p[1]).toFixed(1); }).join(" ");
      root.appendChild(s("path", { d: d, fill: "none", stroke: COLORS.bar, "stroke-width": 1.8 }));
      root.appendChild(s("text", { x: left, y: h - 6, fill: COLORS.axis }, +x0.toPrecision(3)));
      root.appendChild(s("text", { x: w - right, y: h - 6, "text-anchor": "end", fill: COLORS.axis }, +x1.toPrecision(3)));
    } else {
      var slot = pw / pts.length;
      pts.forEach(function (p, i) {
        var yb = yy(p[1]), base = yy(0);
        root.appendChild(tip(s("rect", { x: left + i * slot + 1, y: Math.min(yb, base), width: Math.max(slot - 2, 1), height: Math.max(Math.abs(base - yb), 0.5), fill: p[1] >= 0 ? COLORS.bar : COLORS.bad }),
          String(p[0]) + ": " + fmt(p[1])));
      });
    }
    return el("div", { "class": "chart" }, root);
  }

  function divergingBars(contribs, title) {
    var row = 20, left = 190, right = 60, top = title ? 24 : 6, w = 460, h = top + row * contribs.length + 10;
    var peak = Math.max.apply(null, contribs.map(function (c) { return Math.abs(c.value || 0); }).concat([1e-9]));
    var mid = left + (w - left - right) / 2, half = (w - left - right) / 2;
    var root = svgRoot(w, h);
    if (title) { root.appendChild(s("text", { x: 0, y: 14, "font-weight": 600, fill: COLORS.text }, title)); }
    root.appendChild(s("line", { x1: mid, x2: mid, y1: top, y2: top + row * contribs.length, stroke: COLORS.axis }));
    contribs.forEach(function (c, i) {
      var y = top + i * row, v = c.value || 0, len = Math.abs(v) / peak * half;
      root.appendChild(tip(s("text", { x: left - 6, y: y + 14, "text-anchor": "end", fill: COLORS.text }, label(c.label || c.feature, 28)), String(c.label || c.feature)));
      root.appendChild(tip(s("rect", { x: v >= 0 ? mid : mid - len, y: y + 4, width: Math.max(len, 0.5), height: 12, fill: v >= 0 ? COLORS.bar : COLORS.bad }), c.feature + ": " + fmt(v, 4)));
      root.appendChild(s("text", { x: w - right + 4, y: y + 14, fill: COLORS.text }, fmt(v, 3)));
    });
    return el("div", { "class": "chart" }, root);
  }

  // ------------------------------------------------------------------ panels
  function notRun(key) {
    var reason = null;
    (DATA.notes || []).forEach(function (n) { if (n.analyzer === key && (n.level === "skipped" || n.level === "unsupported")) { reason = n.message; } });
    var o = (DATA.overview || []).filter(function (x) { return x.tab === key; })[0];
    return card(null, [el("p", null, [badge("not run"), " "]), missing(reason || (o && o.detail) || "This analyzer did not run for this assessment.")]);
  }

  function renderOverview(p) {
    var grid = el("div", { "class": "grid" });
    DATA.overview.forEach(function (o) {
      var tile = el("div", { "class": "tile " + String(o.status).replace(/\s+/g, "-"), role: "button", title: "Open " + o.area },
        [el("div", { "class": "area" }, [o.area, badge(o.status)]), el("div", { "class": "head" }, o.headline), el("div", { "class": "detail" }, o.detail)]);
      tile.addEventListener("click", function () { show(o.tab); });
      grid.appendChild(tile);
    });
    p.appendChild(grid);
    var v = DATA.verdicts;
    if (v) {
      p.appendChild(card("Release checks", [
        el("p", null, v.headline + ", judged by the policy \u201c" + v.policy + "\u201d exactly as rai gate judges it."),
        table([{ label: "Check" }, { label: "Metric" }, { label: "Outcome" }, { label: "Value", num: true }, { label: "Interval", num: true }, { label: "Bound" }, { label: "Reason" }],
          v.checks.map(function (c) {
            var why = c.reason + (c.excluded.length ? "; set aside: " + c.excluded.join("; ") : "");
            return { cls: "check " + String(c.outcome).replace(/\s+/g, "-"),
              cells: [c.name, c.metric + (c.where ? " (" + c.where + ")" : ""), badge(c.outcome), c.value || "\u2013", c.interval || "\u2013", c.bound || "\u2013", why] };
          }))
      ]));
    }
    if (DATA.summaries && DATA.summaries.length) {
      p.appendChild(note(["Summarised to stay within the size budget: ", el("ul", null, DATA.summaries.map(function (x) { return el("li", null, x); }))], true));
    }
    var f = DATA.card.fields;
    function lst(key) { return f[key] ? el("ul", null, f[key].map(function (x) { return el("li", null, x); })) : missing("Not provided (model_card." + key + ")"); }
    function txt(key) { return f[key] ? f[key] : missing("Not provided (model_card." + key + ")"); }
    var owners = f.owners ? f.owners.map(function (o) { return (o.name || "") + (o.contact ? " (" + o.contact + ")" : ""); }).join("; ") : missing("Not provided (model_card.owners)");
    var lic = f.license ? f.license.map(function (l) { return l.identifier || l.custom_text; }).join("; ") : missing("Not provided (model_card.license)");
    p.appendChild(el("div", { "class": "two" }, [
      card("Model", [kv([
        ["Name", txt("name")], ["Version", f.version ? f.version + (f.version_date ? " (" + f.version_date + ")" : "") : missing("Not provided (model_card.version)")],
        ["Owners", owners], ["License", lic], ["Architecture", txt("model_architecture")],
        ["Model assessed", (DATA.model.kind || "unknown") + (DATA.model.source ? " from " + DATA.model.source : "")],
        ["Task", (DATA.task || "none") + "; target " + (DATA.spec.target || "–") + ", prediction " + (DATA.spec.prediction || "–") + ", score " + (DATA.spec.score || "–")],
        ["Rows", int(DATA.n_rows) + (isNum(DATA.n_reference_rows) ? " (reference " + int(DATA.n_reference_rows) + ")" : "")],
        ["Sensitive features", DATA.spec.sensitive.length ? DATA.spec.sensitive.join(", ") : missing("none given")]
      ])]),
      card("Intended use", [el("h3", null, "Intended uses"), lst("intended_use"), el("h3", null, "Out-of-scope uses"), lst("out_of_scope_uses"),
        el("h3", null, "Limitations"), lst("limitations")])
    ]));
    if (DATA.card.missing.length || DATA.card.warnings.length) {
      p.appendChild(card("Missing information", [el("ul", null, DATA.card.missing.map(function (m) { return el("li", null, m.label + ": not provided (model_card." + m.key + ")"); })
        .concat(DATA.card.warnings.map(function (w) { return el("li", null, w); })))]));
    }
  }

  function renderPerformance(p) {
    var perf = DATA.performance;
    if (!perf) { p.appendChild(notRun("performance")); return; }
    var level = Math.round(100 * (perf.confidence_level || 0.95));
    p.appendChild(card("Overall performance", [
      el("p", { "class": "small" }, int(perf.n_rows) + " rows; " + level + "% bootstrap confidence intervals (" + perf.n_bootstrap + " resamples)" + (perf.positive_label !== null && perf.positive_label !== undefined ? "; positive label " + perf.positive_label : "")),
      el("div", { "class": "two" }, [
        table([{ label: "Metric" }, { label: "Value", num: 1 }, { label: level + "% CI", num: 1 }],
          perf.overall.map(function (m) { return { cells: [m.label, fmt(m.value), ci(m.low, m.high)] }; })),
        ciBars(perf.overall_chart, { lo: 0, hi: 1, width: 520, left: 150 })
      ])
    ]));
    var extras = [];
    if (perf.confusion) {
      var cm = perf.confusion;
      extras.push(card("Confusion matrix", [table([{ label: "true \\ predicted" }].concat(cm.labels.map(function (l) { return { label: l, num: 1 }; })),
        cm.matrix.map(function (row, i) { return { cells: [cm.labels[i]].concat(row.map(function (c, j) { return int(c) + " (" + pct(cm.shares[i][j]) + ")"; })) }; })),
        cm.truncated ? el("p", { "class": "small" }, "Only the first classes are shown.") : null]));
    }
    if (perf.calibration && perf.calibration.length) {
      extras.push(card("Calibration", [el("p", { "class": "small" }, "Observed positive rate per score bin (a calibrated model has bars equal to the bin's mean score)."),
        ciBars(perf.calibration.filter(function (b) { return isNum(b.positive_rate); }).map(function (b) {
          return { label: fmt(b.low, 1) + "–" + fmt(b.high, 1) + ", mean " + fmt(b.mean_score, 2), value: b.positive_rate, count: b.count };
        }), { lo: 0, hi: 1, width: 520, left: 170 })]));
    }
    if (extras.length) { p.appendChild(el("div", { "class": "two" }, extras)); }
    if (perf.features.length) {
      var holder = el("div");
      var state = { feature: perf.features[0].feature, metric: perf.group_metric_names.length ? perf.group_metric_names[0].name : null };
      var draw = function () {
        clear(holder);
        var feat = perf.features.filter(function (f) { return f.feature === state.feature; })[0];
        var items = feat.groups.map(function (g) {
          var m = g.metrics.filter(function (x) { return x.name === state.metric; })[0] || {};
          return { label: g.group, value: m.value, low: m.low, high: m.high, insufficient: g.insufficient, count: g.count };
        });
        var overall = perf.overall.filter(function (m) { return m.name === state.metric; })[0];
        var meta = perf.group_metric_names.filter(function (k) { return k.name === state.metric; })[0] || {};
        var range = meta.bounded ? { lo: 0, hi: 1 } : {};
        range.reference = overall ? overall.value : undefined;
        holder.appendChild(ciBars(items, range));
        holder.appendChild(el("p", { "class": "small" }, "Dashed line: overall value. Grey: group too small to judge."));
        holder.appendChild(table([{ label: "Group" }, { label: "Rows", num: 1 }].concat(perf.group_metric_names.map(function (k) { return { label: k.label, num: 1 }; })),
          feat.groups.map(function (g) {
            return { cls: g.insufficient ? "muted" : null, cells: [g.group + (g.insufficient ? " (insufficient)" : ""), int(g.count)].concat(g.metrics.map(function (m) { return fmt(m.value) + (isNum(m.low) ? " [" + ci(m.low, m.high) + "]" : ""); })) };
          }), { scroll: true }));
      };
      p.appendChild(card("Performance by group", [el("div", { "class": "controls" }, [
        select("Sensitive feature", perf.features.map(function (f) { return { value: f.feature, label: f.feature }; }), function (v) { state.feature = v; draw(); }, state.feature),
        select("Metric", perf.group_metric_names.map(function (k) { return { value: k.name, label: k.label }; }), function (v) { state.metric = v; draw(); }, state.metric)
      ]), holder]));
      draw();
    }
  }

  function renderFairness(p) {
    var fair = DATA.fairness;
    if (!fair) { p.appendChild(notRun("fairness")); return; }
    var level = Math.round(100 * (fair.confidence_level || 0.95));
    var intro = [el("p", null, "Sensitive features: " + fair.sensitive_features.join(", ") + ". A group is judged for a rate only when the rate's denominator (rows for selection rate and accuracy, actual positives for TPR, actual negatives for FPR) reaches " + fair.min_group_size + "; the others are shown grey and set aside. Difference = max − min, ratio = min / max over the judged groups; " + level + "% simultaneous bootstrap intervals of the signed group differences (" + fair.n_bootstrap + " resamples), which reach parity when the data cannot exclude it. Statuses are the policy's checks.")];
    if (fair.findings.length) {
      intro.push(el("h3", null, "Which groups are treated worse, and how sure"));
      intro.push(el("ul", null, fair.findings.map(function (x) {
        return el("li", null, [badge(x.status), " " + x.metric + " by " + x.feature + ": " +
          (x.worst_group !== null ? "group " + x.worst_group + " " + fmt(x.worst_value) + (isNum(x.worst_low) ? " [" + ci(x.worst_low, x.worst_high) + "]" : "") +
            " vs " + x.best_group + " " + fmt(x.best_value) + "; " : "") +
          "gap " + fmt(x.difference) + " (CI " + ci(x.ci_low, x.ci_high) + ")" + (isNum(x.ratio) ? ", ratio " + fmt(x.ratio) + " (CI " + ci(x.ratio_ci_low, x.ratio_ci_high) + ")" : "") +
          " \u2014 " + x.check + (x.excluded.length ? "; set aside as too small: " + x.excluded.join(", ") : "")]);
      })));
    } else if (!fair.judged) {
      intro.push(el("p", null, [badge("info"), " Per-group values are shown; no check of the policy judges a fairness number."]));
    } else {
      intro.push(el("p", null, [badge("ok"), " Every fairness check of the policy passes."]));
    }
    p.appendChild(card("Fairness", intro));
    if (!fair.features.length) { return; }
    var holder = el("div");
    var state = { feature: fair.features[0].feature, metric: null };
    var draw = function () {
      clear(holder);
      var feat = fair.features.filter(function (f) { return f.feature === state.feature; })[0];
      var metrics = feat.metrics;
      if (!metrics.some(function (m) { return m.name === state.metric; })) { state.metric = metrics.length ? metrics[0].name : null; }
      holder.appendChild(table([{ label: "Metric" }, { label: "Difference", num: 1 }, { label: "CI", num: 1 }, { label: "Ratio", num: 1 }, { label: "CI", num: 1 }, { label: "Lowest group" }, { label: "Highest group" }, { label: "Status" }],
        metrics.map(function (m) {
          return { cls: m.name === state.metric ? "selected" : null, onClick: function () { state.metric = m.name; draw(); },
            cells: [m.label, fmt(m.difference), ci(m.ci_low, m.ci_high), fmt(m.ratio), ci(m.ratio_ci_low, m.ratio_ci_high),
              m.lowest ? m.lowest.group + " (" + fmt(m.lowest.value) + ")" : "–", m.highest ? m.highest.group + " (" + fmt(m.highest.value) + ")" : "–", badge(m.status)] };
        })));
      var metric = metrics.filter(function (m) { return m.name === state.metric; })[0];
      if (metric) {
        holder.appendChild(el("h3", null, metric.label + " by group (" + feat.feature + ")" + (metric.disparity ? ": the group rate behind the disparity" : "")));
        holder.appendChild(ciBars(metric.by_group.map(function (v) {
          return { label: v.group, value: v.value, low: v.low, high: v.high, insufficient: v.insufficient, count: v.count,
                   color: metric.worst && v.group === metric.worst.group ? COLORS.bad : null };
        }), metric.bounded ? { lo: 0, hi: 1 } : {}));
        holder.appendChild(el("p", { "class": "small" }, "Orange: the group treated worst on this metric. Click a metric above to switch. " +
          (metric.n_insufficient ? metric.n_insufficient + " group(s) insufficient: " + metric.insufficient_groups.join(", ") : "")));
      }
      holder.appendChild(el("h3", null, "Groups"));
      holder.appendChild(table([{ label: "Group" }, { label: "Rows", num: 1 }, { label: "Judged" }],
        feat.groups.map(function (g) { return { cls: g.insufficient ? "muted" : null, cells: [g.group, int(g.count), g.insufficient ? badge("insufficient") : "yes"] }; }), { scroll: true }));
      if (feat.n_groups > feat.groups.length) { holder.appendChild(el("p", { "class": "small" }, (feat.n_groups - feat.groups.length) + " smaller groups are not shown.")); }
    };
    p.appendChild(card("Per sensitive feature", [el("div", { "class": "controls" }, [
      select("Sensitive feature", fair.features.map(function (f) { return { value: f.feature, label: f.feature + " (" + f.n_groups + " groups)" }; }), function (v) { state.feature = v; draw(); }, state.feature)
    ]), holder]));
    draw();
  }

  function renderErrors(p) {
    var err = DATA.errors;
    if (!err) { p.appendChild(notRun("errors")); return; }
    var head = [el("p", null, "Overall error rate " + fmt(err.overall_error_rate) + (isNum(err.n_errors) ? " (" + int(err.n_errors) + " errors in " + int(err.n_rows) + " rows)" : "") +
      "; " + err.n_cohorts + " cohorts, " + err.n_significant + " significantly worse (exact binomial test, Benjamini-Hochberg adjusted p < 0.05).")];
    if (err.worst) { head.push(note("Worst cohort: " + err.worst.rule + ": error rate " + fmt(err.worst.error_rate) + " on " + int(err.worst.size) + " rows, " + pct(err.worst.error_coverage) + " of all errors.", true)); }
    if (err.note) { head.push(note(err.note)); }
    head.push(el("p", { "class": "small" }, "Error: " + (err.error_definition || "misclassified") + ". Cohorts are the leaves of a decision tree fitted to the error indicator" +
      (isNum(err.max_depth) ? " (depth ≤ " + err.max_depth + ", leaves ≥ " + err.min_leaf_size + " rows)" : "") +
      (err.honest ? "; p-values from held-out rows (" + int(err.n_test) + ")" : "") + "."));
    p.appendChild(card("Error analysis", head));
    var detail = el("div");
    var listHolder = el("div");
    var state = { onlySig: false, sort: null, dir: 1 };
    var cols = ["rank", "rule", "size", "error_rate", "error_coverage", "p_value_adjusted"];
    var showDetail = function (c) {
      clear(detail);
      detail.appendChild(el("h3", null, "Cohort #" + c.rank));
      detail.appendChild(el("p", null, el("code", null, c.rule)));
      detail.appendChild(kv([["Rows", int(c.size)], ["Error rate", fmt(c.error_rate) + " (overall " + fmt(err.overall_error_rate) + ")"],
        ["Share of all errors", pct(c.error_coverage)], ["p (adjusted)", pval(c.p_value) + " (" + pval(c.p_value_adjusted) + ")"],
        ["Significant", c.significant ? "yes" : "no"]]));
      if (c.filters && c.filters.length) {
        detail.appendChild(el("h3", null, "Filters"));
        detail.appendChild(el("ul", null, c.filters.map(function (f) { return el("li", null, el("code", null, f)); })));
      }
      if (c.metrics && c.metrics.length) {
        detail.appendChild(el("h3", null, "Performance in the cohort"));
        detail.appendChild(kv(c.metrics.map(function (m) { return [m.label, fmt(m.value)]; })));
      }
      if (c.groups && c.groups.length) {
        detail.appendChild(el("h3", null, "Group make-up"));
        detail.appendChild(table([{ label: "Feature" }, { label: "Group" }, { label: "Rows", num: 1 }, { label: "Share of cohort", num: 1 }],
          c.groups.map(function (g) { return { cells: [g.feature, g.group, int(g.count), pct(g.share)] }; })));
      }
    };
    var draw = function () {
      clear(listHolder);
      var rows = err.cohorts.filter(function (c) { return !state.onlySig || (c.significant && c.worse); });
      if (state.sort !== null) {
        var key = cols[state.sort];
        rows = rows.slice().sort(function (a, b) { var x = a[key], y = b[key]; return (x > y ? 1 : x < y ? -1 : 0) * state.dir; });
      }
      listHolder.appendChild(table([{ label: "#", num: 1 }, { label: "Cohort" }, { label: "Rows", num: 1 }, { label: "Error rate", num: 1 }, { label: "Share of errors", num: 1 }, { label: "Adj. p", num: 1 }],
        rows.map(function (c) {
          return { cls: c.significant && c.worse ? null : "muted", onClick: function (tr) {
            Array.prototype.forEach.call(listHolder.querySelectorAll("tr.selected"), function (x) { x.classList.remove("selected"); });
            tr.classList.add("selected"); showDetail(c); },
            cells: [String(c.rank), c.rule, int(c.size), fmt(c.error_rate), pct(c.error_coverage), pval(isNum(c.p_value_adjusted) ? c.p_value_adjusted : c.p_value)] };
        }), { scroll: true, sortable: true, onSort: function (i) { state.dir = state.sort === i ? -state.dir : 1; state.sort = i; draw(); } }));
      if (err.n_cohorts > err.cohorts.length) { listHolder.appendChild(el("p", { "class": "small" }, (err.n_cohorts - err.cohorts.length) + " more cohorts left out (size budget).")); }
    };
    var cb = el("input", { type: "checkbox", id: "only-significant" });
    cb.addEventListener("change", function () { state.onlySig = cb.checked; draw(); });
    p.appendChild(el("div", { "class": "two" }, [
      card("Cohorts", [el("div", { "class": "controls" }, [cb, el("label", { "for": "only-significant" }, "only significantly worse cohorts"), el("span", { "class": "small" }, "click a header to sort, a row for details")]), listHolder]),
      card("Cohort details", [detail])
    ]));
    draw();
    if (err.cohorts.length) { showDetail(err.cohorts[0]); } else { detail.appendChild(missing("No cohort (no errors to analyse, or too few rows).")); }
    if (err.heatmap) { p.appendChild(card("Error heat map" + (err.heatmap.features.length ? ": " + err.heatmap.features.join(" × ") : ""), [heatmap(err.heatmap)])); }
  }

  function renderExplanations(p) {
    var ex = DATA.explanations;
    if (!ex) { p.appendChild(notRun("explanations")); return; }
    var meta = "Method " + (ex.method || "n/a") + (ex.explainer ? " (" + ex.explainer + ")" : "") + (ex.sample_size ? "; " + ex.sample_size + " rows explained" : "") +
      (ex.background_size ? "; background " + ex.background_size + " rows" : "") + (isNum(ex.seed) ? "; seed " + ex.seed : "");
    if (isNum(ex.additivity_max_error)) { meta += "; SHAP additivity error ≤ " + fmt(ex.additivity_max_error, 4); }
    p.appendChild(card("Global importance", [el("p", { "class": "small" }, meta + ". Mean |SHAP| on the original input columns" + (ex.output_space ? ", in " + ex.output_space + " space" : "") + "."),
      ex.notes && ex.notes.length ? note(ex.notes.join(" ")) : null,
      ciBars(ex.global_importance.slice(0, 40), { width: 640 })]));
    if (ex.local.length) {
      var holder = el("div");
      var state = { row: ex.local[0].row };
      var draw = function () {
        clear(holder);
        var r = ex.local.filter(function (x) { return x.row === state.row; })[0];
        holder.appendChild(kv([["Row", r.row + (r.row_id ? " (id " + r.row_id + ")" : "")],
          ["Prediction", fmt(r.prediction) + (r.output ? " (" + r.output + ")" : "")], r.reason ? ["Chosen as", String(r.reason)] : null,
          r.agreement ? ["SHAP / LIME agreement", "top-" + r.agreement.top_k + " overlap " + pct(r.agreement.overlap) + "; same top feature: " + (r.agreement.top1_agree ? "yes" : "no")] : null]));
        var methods = Object.keys(r.methods);
        holder.appendChild(el("div", { "class": "two" }, methods.map(function (m) {
          var mm = r.methods[m];
          return el("div", null, [divergingBars(mm.contributions, m.toUpperCase() + (isNum(mm.base_value) ? ": base " + fmt(mm.base_value) : "") + (isNum(mm.output_value) ? " → " + fmt(mm.output_value) : "") + (mm.output_space ? " (" + mm.output_space + ")" : "")),
            mm.n_features > mm.contributions.length ? el("p", { "class": "small" }, (mm.n_features - mm.contributions.length) + " smaller contributions not shown.") : null]);
        })));
      };
      p.appendChild(card("Local explanations", [el("div", { "class": "controls" }, [
        select("Row", ex.local.map(function (r) { return { value: r.row, label: "row " + r.row + (r.reason ? " (" + r.reason + ")" : "") }; }), function (v) { state.row = v; draw(); }, state.row)
      ]), holder]));
      draw();
    }
    if (ex.surrogate) {
      var sur = ex.surrogate;
      var fid = sur.fidelity && typeof sur.fidelity === "object" ? Object.keys(sur.fidelity).map(function (k) { return k + " " + fmt(sur.fidelity[k]); }).join(", ") : fmt(sur.fidelity);
      p.appendChild(card("Glass-box surrogate: " + (sur.method || "n/a"), [el("p", { "class": "small" }, "Fidelity to the model: " + fid + (sur.fidelity_metric ? " (" + sur.fidelity_metric + ")" : "") + ". Shape functions: the surrogate's contribution of each feature value."),
        el("div", { "class": "multiples" }, sur.shapes.map(lineChart))]));
    }
  }

  function renderDrift(p) {
    var d = DATA.drift;
    if (!d) { p.appendChild(notRun("drift")); return; }
    p.appendChild(card("Drift", [el("p", null, [badge(d.dataset_drift ? "attention" : (d.n_drifted ? "watch" : "ok")),
      " " + (d.dataset_drift ? "Dataset drift" : "No dataset drift") + ": " + d.n_drifted + " of " + d.n_columns + " feature columns drifted (share " + fmt(d.share_drifted, 2) +
      ", threshold " + fmt(d.drift_share_threshold, 2) + "). Reference " + int(d.n_reference) + " rows, current " + int(d.n_current) + " rows. Methods: " + d.methods.join(", ") +
      "; p-values corrected with " + (d.correction || "none") + "."])]));
    var chart = el("div");
    var listHolder = el("div");
    var state = { q: "", only: false, col: d.columns.length ? d.columns[0].column : null };
    var showCol = function (c) {
      clear(chart);
      chart.appendChild(el("h3", null, c.column));
      chart.appendChild(kv([["Method", c.method], ["Statistic", fmt(c.statistic) + " (threshold " + fmt(c.threshold) + ")"], ["p (adjusted)", pval(c.p_value) + " (" + pval(c.p_value_adjusted) + ")"],
        ["PSI", fmt(c.psi)], ["Drifted", c.drifted ? badge("drifted") : "no"]]));
      if (c.distribution) { chart.appendChild(pairedBars(c.distribution, "Reference vs current")); }
      else { chart.appendChild(missing("No distribution stored for this column.")); }
    };
    var draw = function () {
      clear(listHolder);
      var q = state.q.toLowerCase();
      var rows = d.columns.filter(function (c) { return (!state.only || c.drifted) && String(c.column).toLowerCase().indexOf(q) >= 0; });
      listHolder.appendChild(table([{ label: "Column" }, { label: "Type" }, { label: "Method" }, { label: "Statistic", num: 1 }, { label: "Threshold", num: 1 }, { label: "Adj. p", num: 1 }, { label: "PSI", num: 1 }, { label: "Drifted" }],
        rows.map(function (c) {
          return { cls: c.column === state.col ? "selected" : null, onClick: function () { state.col = c.column; showCol(c); draw(); },
            cells: [c.column, c.type, c.method, fmt(c.statistic), fmt(c.threshold), pval(isNum(c.p_value_adjusted) ? c.p_value_adjusted : c.p_value), fmt(c.psi), c.drifted ? badge("drifted") : "no"] };
        }), { scroll: true }));
      if (d.n_columns > d.columns.length) { listHolder.appendChild(el("p", { "class": "small" }, (d.n_columns - d.columns.length) + " columns left out (size budget).")); }
    };
    var search = el("input", { type: "search", placeholder: "filter columns", "aria-label": "filter columns" });
    search.addEventListener("input", function () { state.q = search.value; draw(); });
    var only = el("input", { type: "checkbox", id: "only-drifted" });
    only.addEventListener("change", function () { state.only = only.checked; draw(); });
    p.appendChild(el("div", { "class": "two wide-left" }, [
      card("Columns", [el("div", { "class": "controls" }, [search, only, el("label", { "for": "only-drifted" }, "drifted only")]), listHolder]),
      card("Distribution", [chart])
    ]));
    draw();
    if (d.columns.length) { showCol(d.columns[0]); }
    if (d.prediction.length) {
      p.appendChild(card("Model outputs and target (not counted in the share)", [
        table([{ label: "Column" }, { label: "Role" }, { label: "Method" }, { label: "Statistic", num: 1 }, { label: "Threshold", num: 1 }, { label: "Drifted" }],
          d.prediction.map(function (c) { return { cells: [c.column, c.role, c.method, fmt(c.statistic), fmt(c.threshold), c.drifted ? badge("drifted") : "no"] }; })),
        el("div", { "class": "multiples" }, d.prediction.filter(function (c) { return c.distribution; }).map(function (c) { return pairedBars(c.distribution, c.column); }))
      ]));
    }
  }

  function renderQuality(p) {
    var q = DATA.quality;
    if (!q) { p.appendChild(notRun("quality")); return; }
    p.appendChild(card("Data quality", [kv([["Rows", int(q.n_rows)], ["Columns", int(q.n_columns)], ["Duplicate rows", int(q.duplicate_rows) + " (" + pct(q.duplicate_row_share) + ")"],
      ["Duplicated columns", q.duplicated_columns.length ? q.duplicated_columns.map(function (g) { return g.join(" = "); }).join("; ") : "none"],
      ["Findings", q.n_errors + " error(s), " + q.n_warnings + " warning(s), " + (q.issues.length - q.n_errors - q.n_warnings) + " note(s)"]])]));
    p.appendChild(card("Findings", [q.issues.length ? table([{ label: "Severity" }, { label: "Column" }, { label: "Kind" }, { label: "Finding" }],
      q.issues.map(function (i) { return { cells: [badge(i.severity === "error" ? "attention" : i.severity === "warning" ? "watch" : "info"), i.column === null ? "(table)" : i.column, i.kind, i.message] }; }), { scroll: true })
      : el("p", null, "No data-quality findings.")]));
    p.appendChild(card("Columns", [table([{ label: "Column" }, { label: "Type" }, { label: "Missing", num: 1 }, { label: "Unique", num: 1 }, { label: "Out of range", num: 1 }, { label: "Unseen categories" }, { label: "Type mismatches", num: 1 }, { label: "Constant" }],
      q.columns.map(function (c) {
        return { cells: [c.column, c.type + " (" + c.dtype + ")", int(c.n_missing) + " (" + pct(c.missing_share) + ")", int(c.n_unique), isNum(c.out_of_range_share) ? int(c.out_of_range_count) + " (" + pct(c.out_of_range_share) + ")" : "–",
          c.unseen_count ? int(c.unseen_count) + ": " + c.unseen_categories.join(", ") : "–", int(c.type_mismatch_count), c.constant ? badge("watch") : "no"] };
      }), { scroll: true })]));
  }

  function renderCompliance(p) {
    var c = DATA.compliance;
    p.appendChild(note(c.disclaimer));
    [c.eu_ai_act, c.nist_ai_rmf].forEach(function (sec) {
      p.appendChild(card(sec.title, [table([{ label: "Item" }, { label: "Requirement" }, { label: "Status" }, { label: "Evidence in this report" }, { label: "Gaps" }],
        sec.items.map(function (it) {
          return { cells: [it.ref, it.title, badge(it.status), it.evidence.length ? el("ul", null, it.evidence.map(function (e) { return el("li", null, e); })) : "–",
            it.gaps.length ? el("ul", null, it.gaps.map(function (g) { return el("li", null, g); })) : "–"] };
        }))]));
    });
    p.appendChild(card("Missing evidence", [c.missing_evidence.length ? el("ul", null, c.missing_evidence.map(function (m) { return el("li", null, [m.evidence + " ", el("span", { "class": "small" }, "(" + m.item + ")")]); })) : el("p", null, "None.")]));
  }

  function renderProvenance(p) {
    var pr = DATA.provenance, sig = DATA.signature;
    function hash(h) { return h ? el("span", { "class": "hash" }, h) : missing("not recorded"); }
    p.appendChild(card("Provenance", [kv([
      ["Assessment created", pr.created_at], ["rai version", pr.rai_version],
      ["Evaluation data", [hash(pr.data_sha256), pr.data_source ? " (" + pr.data_source + ")" : ""]],
      ["Reference data", [hash(pr.reference_sha256), pr.reference_source ? " (" + pr.reference_source + ")" : ""]],
      ["Model", [hash(pr.model_sha256), pr.model_source ? " (" + pr.model_source + ")" : ""]],
      ["Config", [hash(pr.config_sha256), pr.config_source ? " (" + pr.config_source + ")" : ""]],
      ["Seed", String(pr.seed)], ["Python", pr.python || "n/a"], ["Platform", pr.platform || "n/a"],
      ["Git commit", pr.git_commit ? el("span", { "class": "hash" }, pr.git_commit) : missing("not in a git repository")],
      ["Signature", [sig.verified === true ? badge("ok") : sig.verified === false ? badge("attention") : null, " " + (sig.message || (sig.present ? "signed" : "not signed"))]]
    ]), el("p", { "class": "small" }, ["Check that files are exactly those assessed: ", el("code", null, "rai verify --assessment assessment.json --data FILE [--reference FILE] [--model FILE]")])]));
    var pk = Object.keys(pr.packages || {});
    p.appendChild(card("Package versions", [table([{ label: "Package" }, { label: "Version" }], pk.map(function (k) { return { cells: [k, pr.packages[k]] }; }))]));
    if (DATA.notes.length) {
      p.appendChild(card("Analyzer notes", [table([{ label: "Analyzer" }, { label: "Level" }, { label: "Message" }], DATA.notes.map(function (n) { return { cells: [n.analyzer, n.level, n.message] }; }))]));
    }
  }

  // ------------------------------------------------------------------ tabs
  var RENDER = { overview: renderOverview, performance: renderPerformance, fairness: renderFairness, errors: renderErrors,
                 explanations: renderExplanations, drift: renderDrift, quality: renderQuality, compliance: renderCompliance, provenance: renderProvenance };
  var rendered = {};
  var STATUS_COLOR = { attention: "#f87171", watch: "#fbbf24", ok: "#4ade80" };
  function show(key) {
    if (!RENDER[key]) { key = "overview"; }
    Object.keys(RENDER).forEach(function (k) {
      var panel = document.getElementById("panel-" + k), tab = document.getElementById("tab-" + k);
      var on = k === key;
      panel.classList.toggle("active", on);
      tab.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (!rendered[key]) {
      rendered[key] = true;
      RENDER[key](document.getElementById("panel-" + key));
    }
    if (location.hash !== "#" + key) {
      try { history.replaceState(null, "", "#" + key); } catch (e) { /* some browsers refuse on file:// */ }
    }
  }
  Array.prototype.forEach.call(document.querySelectorAll("nav.tabs button"), function (b) {
    var key = b.getAttribute("data-tab");
    var o = (DATA.overview || []).filter(function (x) { return x.tab === key; })[0];
    if (o && STATUS_COLOR[o.status]) {
      var dot = el("span", { "class": "dot", title: o.status });
      dot.style.background = STATUS_COLOR[o.status];
      b.appendChild(dot);
    }
    b.addEventListener("click", function () { show(key); });
  });
  window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });
  show(location.hash ? location.hash.slice(1) : "overview");
})();
