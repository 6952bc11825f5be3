// The prediction browser of one (model, task). window.LAMM_PAGE holds one flag per sample (1 wrong, 2 unparsed,
// 4 failed); the samples come in chunk scripts (<task>/NNNN.js, each calling lammChunk) loaded only when a page of
// results needs them, so a 60k-sample task opens as fast as a small one. Text search loads every chunk once.
(function () {
  "use strict";
  var P = window.LAMM_PAGE, SVG = "http://www.w3.org/2000/svg";
  var chunks = {}, waiting = {}, state = { page: 0, wrong: false, unparsed: false, query: "" }, generation = 0;
  var $ = function (id) { return document.getElementById(id); };

  window.lammChunk = function (index, samples) {
    chunks[index] = samples;
    (waiting[index] || []).forEach(function (done) { done(); });
    delete waiting[index];
  };
  function load(index) {
    return new Promise(function (resolve, reject) {
      if (chunks[index]) return resolve(chunks[index]);
      var first = !waiting[index];
      (waiting[index] = waiting[index] || []).push(function () { resolve(chunks[index]); });
      if (!first) return;
      var script = document.createElement("script");
      script.src = P.chunkDir + ("000" + index).slice(-4) + ".js";
      script.onerror = function () { reject(new Error("cannot load " + script.src)); };
      document.head.appendChild(script);
    });
  }
  function sampleAt(i) { return chunks[Math.floor(i / P.chunkSize)][i % P.chunkSize]; }
  function haystack(s) {
    if (!s._text) s._text = JSON.stringify([s.id, s.output, s.parsed, s.requests, s.target]).toLowerCase();
    return s._text;
  }
  function loadAll(progress) {
    var total = Math.ceil(P.n / P.chunkSize), done = 0, next = Promise.resolve();
    for (var c = 0; c < total; c++) (function (c) {
      next = next.then(function () { return load(c); }).then(function () { progress(++done, total); });
    })(c);
    return next;
  }
  function matching() {
    var out = [], need = (state.wrong ? 1 : 0) | (state.unparsed ? 2 : 0), q = state.query.toLowerCase();
    for (var i = 0; i < P.n; i++) {
      if ((+P.flags[i] & need) !== need) continue;
      if (q && haystack(sampleAt(i)).indexOf(q) < 0) continue;
      out.push(i);
    }
    return out;
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function pretty(v) { return typeof v === "string" ? v : JSON.stringify(v); }
  function svgNode(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    return node;
  }
  function overlay(o) {
    var svg = svgNode("svg", { viewBox: "0 0 1000 1000", preserveAspectRatio: "none", "class": "overlay" });
    var box = function (b, cls) {
      var x = Math.min(b[0], b[2]), y = Math.min(b[1], b[3]);
      svg.appendChild(svgNode("rect", { "class": cls, x: +(x * 1000).toFixed(1), y: +(y * 1000).toFixed(1),
        width: +(Math.abs(b[2] - b[0]) * 1000).toFixed(1), height: +(Math.abs(b[3] - b[1]) * 1000).toFixed(1) }));
    };
    var point = function (p, cls) {
      svg.appendChild(svgNode("circle", { "class": cls, cx: +(p[0] * 1000).toFixed(1), cy: +(p[1] * 1000).toFixed(1), r: 12 }));
    };
    (o.gt || []).forEach(function (b) { box(b, "gt"); });
    (o.pred || []).forEach(function (b) { box(b, "pred"); });
    (o.gtPoints || []).forEach(function (p) { point(p, "gt"); });
    (o.predPoints || []).forEach(function (p) { point(p, "pred"); });
    return svg;
  }
  function pair(entries) {
    // a robustness row's clean and corrupted input side by side, each captioned (a missing one says why)
    var box = el("div", { "class": "media pair" });
    entries.forEach(function (m, n) {
      var figure = el("figure", { "class": n ? "corrupted" : "clean" });
      if (m.src) {
        var frame = el("div", { "class": "frame" });
        frame.appendChild(el("img", { src: "../media/" + m.src, alt: m.path, title: m.path, loading: "lazy" }));
        figure.appendChild(frame);
      } else {
        figure.appendChild(el("div", { "class": "missing" }, m.missing + " (" + (m.refused ||
          "not in the site: render with lamm-bench leaderboard --data-root DIR") + ")"));
      }
      figure.appendChild(el("figcaption", {}, m.caption));
      box.appendChild(figure);
    });
    return box;
  }
  function textDiff(d) {
    // the clean and the corrupted question, the words that differ marked (del on the clean side, ins on the other)
    var box = el("div", { "class": "textdiff" });
    [["clean", d.clean, "del"], [d.caption, d.corrupted, "ins"]].forEach(function (side) {
      var figure = el("figure"), pre = el("pre", { "class": "question" });
      side[1].forEach(function (seg) {
        pre.appendChild(seg[1] ? el(side[2], {}, seg[0]) : document.createTextNode(seg[0]));
      });
      figure.appendChild(pre);
      figure.appendChild(el("figcaption", {}, side[0]));
      box.appendChild(figure);
    });
    return box;
  }
  function media(s) {
    if (s.robust && s.robust.pair) return pair(s.robust.pair);
    var box = el("div", { "class": "media" });
    s.media.forEach(function (m) {
      var frame = el("div", { "class": "frame" });
      frame.appendChild(el("img", { src: "../media/" + m.src, alt: m.path, title: m.path, loading: "lazy" }));
      if (s.overlay && m === s.media[0]) frame.appendChild(overlay(s.overlay));
      box.appendChild(frame);
    });
    s.missing.forEach(function (path) {
      box.appendChild(el("div", { "class": "missing" }, path + " (not in the site: render with lamm-bench leaderboard --data-root DIR)"));
    });
    if (s.overlay) {
      var key = el("div", { "class": "key" });
      key.innerHTML = '<span class="g">▭ ●</span> ground truth &nbsp; <span class="p">▭ ●</span> parsed from the answer';
      box.appendChild(key);
    }
    return box;
  }
  function boxes3d(b) {
    var table = el("table", { "class": "boxes3d" }), head = el("tr");
    head.appendChild(el("th", {}, "predicted [cx, cy, cz, l, w, h]"));
    head.appendChild(el("th", {}, "ground truth [cx, cy, cz, l, w, h]"));
    table.appendChild(head);
    var fmt = function (e) { return e ? (e[0] ? e[0] + " " : "") + "[" + e[1].map(function (v) { return v.toFixed(2); }).join(", ") + "]" : ""; };
    for (var i = 0; i < Math.max(b.pred.length, b.gt.length, 1); i++) {
      var tr = el("tr");
      tr.appendChild(el("td", { "class": "pred" }, fmt(b.pred[i]) || (i ? "" : "(no box parsed)")));
      tr.appendChild(el("td", { "class": "gt" }, fmt(b.gt[i])));
      table.appendChild(tr);
    }
    return table;
  }
  function options(r) {
    // a choice request: each option (in its answer template), its score, the chosen one (the first best) and the right one
    var list = el("ol", { "class": "options" }), scores = r.option_scores || [], best = -1;
    scores.forEach(function (v, i) { if (best < 0 || v > scores[best]) best = i; });
    r.options.forEach(function (o, i) {
      var li = el("li", { "class": "option" + (i === best ? " chosen" : "") + (i === r.correct ? " correct" : "") });
      li.appendChild(el("span", { "class": "opt" }, o));
      if (i < scores.length) li.appendChild(el("span", { "class": "score" }, Number(scores[i]).toFixed(3)));
      if (i === best) li.appendChild(el("span", { "class": "badge chosen" }, "chosen"));
      if (i === r.correct) li.appendChild(el("span", { "class": "badge right" }, "correct"));
      list.appendChild(li);
    });
    var box = el("div", { "class": "choice" });
    box.appendChild(el("p", { "class": "template" }, "options, scored in " + JSON.stringify(r.option_template || "{}") +
      (scores.length ? " (mean log-probability of the option's tokens)" : "")));
    box.appendChild(list);
    return box;
  }
  function reasoning(r) {
    // the reasoning block taken out of this request's answer, folded; the answer as the model gave it beside it
    var details = el("details", { "class": "reasoning" + (r.cut_off ? " cut-off" : "") });
    details.appendChild(el("summary", {}, r.cut_off ? "reasoning (cut off: never closed, so the sample is unanswered)" : "reasoning"));
    details.appendChild(el("pre", { "class": "reasoning" }, r.reasoning));
    details.appendChild(el("p", { "class": "template" }, "the answer as the model gave it:"));
    details.appendChild(el("pre", { "class": "raw" }, r.raw));
    return details;
  }
  function card(s) {
    var wrong = s.flags & 1, unparsed = s.flags & 2, failed = s.flags & 4;
    var art = el("article", { "class": "sample", "data-id": s.id, "data-wrong": wrong ? "1" : "0", "data-unparsed": unparsed ? "1" : "0" });
    art.appendChild(media(s));
    var text = el("div", { "class": "text" }), h = el("h3", {}, "sample " + s.id);
    if (P.wrongKnown) h.appendChild(el("span", { "class": "badge " + (wrong ? "wrong" : "right") }, wrong ? "wrong" : "right"));
    if (unparsed) h.appendChild(el("span", { "class": "badge unparsed" }, "unparsed"));
    if (failed) h.appendChild(el("span", { "class": "badge failed" }, "no answer (adapter failure)"));
    text.appendChild(h);
    if (s.robust && s.robust.diff) {
      text.appendChild(el("h4", {}, "question, clean and corrupted"));
      text.appendChild(textDiff(s.robust.diff));
    }
    s.requests.forEach(function (r, n) {
      text.appendChild(el("h4", {}, "request " + (n + 1) + (r.key ? " (" + r.key + ")" : "")));
      var details = el("details");
      details.appendChild(el("summary", {}, "system message"));
      details.appendChild(el("pre", { "class": "system" }, P.systems[r.s]));
      text.appendChild(details);
      text.appendChild(el("pre", { "class": "user" }, r.text));
      if (r.assistant_prefix) text.appendChild(el("pre", { "class": "prefix" }, "assistant starts with: " + r.assistant_prefix));
      if (r.options) text.appendChild(options(r));
      if (r.reasoning !== undefined) text.appendChild(reasoning(r));
    });
    if (!s.requests.length) text.appendChild(el("p", { "class": "empty" }, "(this result file predates recorded requests)"));
    text.appendChild(el("h4", {}, s.requests.some(function (r) { return r.reasoning !== undefined; }) ? "output (reasoning taken out)" : "raw output"));
    text.appendChild(el("pre", { "class": "output" }, pretty(s.output)));
    text.appendChild(el("h4", {}, "parsed"));
    text.appendChild(el("pre", { "class": "parsed" }, pretty(s.parsed)));
    if (s.boxes3d) text.appendChild(boxes3d(s.boxes3d));
    text.appendChild(el("h4", {}, "score"));
    var value = s.value === null ? "" : P.primary + " " + s.value.toFixed(2) + "  ";
    text.appendChild(el("pre", { "class": "score" }, value + JSON.stringify(s.scores)));
    text.appendChild(el("h4", {}, "ground truth"));
    text.appendChild(el("pre", { "class": "target" }, pretty(s.target)));
    art.appendChild(text);
    return art;
  }
  function render() {
    var mine = ++generation, list = $("samples");
    var ready = state.query ? loadAll(function (done, total) {
      if (mine === generation) $("count").textContent = "searching… " + done + "/" + total + " chunks";
    }) : Promise.resolve();
    return ready.then(function () {
      var found = matching(), pages = Math.max(1, Math.ceil(found.length / P.chunkSize));
      state.page = Math.min(state.page, pages - 1);
      var shown = found.slice(state.page * P.chunkSize, (state.page + 1) * P.chunkSize);
      var need = {};
      shown.forEach(function (i) { need[Math.floor(i / P.chunkSize)] = 1; });
      return Promise.all(Object.keys(need).map(function (c) { return load(+c); })).then(function () {
        if (mine !== generation) return;
        list.textContent = "";
        shown.forEach(function (i) { list.appendChild(card(sampleAt(i))); });
        if (!shown.length) list.appendChild(el("p", { "class": "empty" }, "No sample matches."));
        $("pager").textContent = "page " + (state.page + 1) + " of " + pages;
        $("count").textContent = found.length + " of " + P.n + " samples";
        $("prev").disabled = state.page === 0;
        $("next").disabled = state.page >= pages - 1;
        if (!document.body.hasAttribute("data-rendered")) performance.mark("lamm-first-render");
        document.body.setAttribute("data-rendered", String(generation));
      });
    }).catch(function (err) { list.textContent = String(err); });
  }
  $("wrong").disabled = !P.wrongKnown;
  if (!P.wrongKnown) $("wrong").parentNode.title = "these predictions carry no per-sample score terms";
  $("wrong").addEventListener("change", function (e) { state.wrong = e.target.checked; state.page = 0; render(); });
  $("unparsed").addEventListener("change", function (e) { state.unparsed = e.target.checked; state.page = 0; render(); });
  var timer = null;
  $("search").addEventListener("input", function (e) {
    clearTimeout(timer);
    timer = setTimeout(function () { state.query = e.target.value.trim(); state.page = 0; render(); }, 200);
  });
  $("prev").addEventListener("click", function () { state.page--; render(); window.scrollTo(0, 0); });
  $("next").addEventListener("click", function () { state.page++; render(); window.scrollTo(0, 0); });
  render();
})();
