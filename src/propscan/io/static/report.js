// propscan's interactive view of analysed documents, shared by the HTML report and the web page.
// Article text is untrusted, and so are speaker names (they come from the article): they only ever
// reach the DOM through textContent, never innerHTML, and bidi control characters are shown as
// visible markers so they cannot reorder what follows.
(function () {
  "use strict";

  var BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;

  function visible(text) {
    return text.replace(BIDI, function (ch) {
      return "[U+" + ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") + "]";
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) { if (child) node.appendChild(child); });
    return node;
  }

  function pct(x) { return (100 * x).toFixed(1) + "%"; }

  // "2021-03-05" or "2021-03-05T10:00:00Z" as "5 Mar 2021", as the corpus browser lists it
  function readableDate(value) {
    var m = typeof value === "string" && /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
    if (!m) return value;
    var day = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if (isNaN(day.getTime())) return value;
    return day.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  }

  function plural(n, noun) { return n.toLocaleString("en") + " " + noun + (n === 1 ? "" : "s"); }

  function byStart(a, b) { return a.start - b.start; }

  // The text cut at every boundary of the shown spans and of the quotations: [start, end, covering
  // spans, the innermost covering quotation or null]. One sweep over each list sorted by start, so
  // thousands of spans in a long article stay fast.
  function segments(text, spans, quotes) {
    var sorted = spans.slice().sort(byStart), said = (quotes || []).slice().sort(byStart);
    var cuts = [0, text.length];
    sorted.concat(said).forEach(function (s) { cuts.push(s.start, s.end); });
    cuts = Array.from(new Set(cuts)).sort(function (a, b) { return a - b; });
    var out = [], active = [], next = 0, open = [], nextQ = 0;
    for (var i = 0; i + 1 < cuts.length; i++) {
      var a = cuts[i];
      while (next < sorted.length && sorted[next].start <= a) active.push(sorted[next++]);
      while (nextQ < said.length && said[nextQ].start <= a) open.push(said[nextQ++]);
      active = active.filter(function (s) { return s.end > a; });
      open = open.filter(function (q) { return q.end > a; });
      var inner = open.reduce(function (best, q) {
        return best && best.end - best.start <= q.end - q.start ? best : q; }, null);
      out.push([a, cuts[i + 1], active.slice(), inner]);
    }
    return out;
  }

  // whose words a span or a quotation is, in words: "quoted: Ann Lee", "quoted", "author's voice"
  function whose(item) {
    if (item.voice === "author") return "author's voice";
    return item.speaker ? "quoted: " + item.speaker : "quoted";
  }

  function quoteNote(q) {
    var kind = q.kind === "indirect" ? "Reported speech" : "Quotation";
    return kind + (q.speaker ? " \u00b7 " + q.speaker : " \u00b7 speaker not named");
  }

  function density(text, spans) {
    var covered = new Uint8Array(text.length);
    spans.forEach(function (s) { covered.fill(1, s.start, s.end); });
    var inside = 0, total = 0;
    for (var i = 0; i < text.length; i++) {
      if (!/\s/.test(text[i])) { total++; inside += covered[i]; }
    }
    return total ? inside / total : 0;
  }

  function render(root, data, options) {
    options = options || {};
    var techniques = {};
    data.techniques.forEach(function (t) { techniques[t.label] = t; });
    var docs = data.documents;
    var state = { minScore: 0, hidden: new Set(), authorOnly: false };
    var uid = "ps" + Math.random().toString(36).slice(2, 8);
    root.textContent = "";

    var tooltip = el("div", { "class": "ps-tooltip", role: "tooltip", id: uid + "-tip", hidden: "" });

    // Controls: the minimum-score slider (what --min-score and min_score do) and the legend,
    // whose buttons toggle techniques.
    var slider = el("input", { type: "range", min: "0", max: "1", step: "0.01", value: "0",
      id: uid + "-min-score", "class": "ps-min-score" });
    var sliderOut = el("output", { "for": uid + "-min-score", text: "0.00" });
    var legend = el("ul", { "class": "ps-legend", "aria-label": "Techniques (press to show or hide)" });
    var present = data.techniques.filter(function (t) {
      return docs.some(function (d) { return d.spans.some(function (s) { return s.technique === t.label; }); });
    });
    var legendButtons = {};
    present.forEach(function (t) {
      var count = el("span", { "class": "ps-count" });
      var button = el("button", { type: "button", "class": "ps-toggle", "aria-pressed": "true",
        "data-technique": t.label, title: t.definition }, [
        el("span", { "class": "ps-swatch", "aria-hidden": "true", style: "background:" + t.color }),
        el("span", { text: t.name }), count]);
      button.addEventListener("click", function () {
        if (state.hidden.has(t.label)) state.hidden.delete(t.label); else state.hidden.add(t.label);
        button.setAttribute("aria-pressed", String(!state.hidden.has(t.label)));
        update();
      });
      legendButtons[t.label] = count;
      legend.appendChild(el("li", {}, [button]));
    });
    slider.addEventListener("input", function () {
      state.minScore = parseFloat(slider.value);
      sliderOut.textContent = state.minScore.toFixed(2);
      update();
    });
    // "author's voice only": where quotations were looked for, hide the spans in quoted speech
    var voiced = docs.some(function (d) {
      return d.spans.some(function (s) { return s.voice === "author" || s.voice === "quoted"; }); });
    var authorBox = el("input", { type: "checkbox", "class": "ps-author-only" });
    authorBox.addEventListener("change", function () { state.authorOnly = authorBox.checked; update(); });
    var authorToggle = voiced ? el("label", { "class": "ps-voice-toggle" }, [authorBox,
      el("span", { text: " Author's voice only" }),
      el("span", { "class": "ps-muted" }, [document.createTextNode(" (hide the spans in "),
        el("span", { "class": "ps-quote-key", text: "quoted or reported speech" }),
        document.createTextNode("; hover over it for the speaker)")])]) : null;
    var controls = el("section", { "class": "ps-controls", "aria-label": "Filters" }, [
      el("div", { "class": "ps-control-row" }, [
        el("label", { "class": "ps-slider" }, [el("span", { text: "Minimum score " }), slider, sliderOut]),
        authorToggle]),
      present.length ? legend : el("p", { text: "No propaganda techniques found." })]);
    root.appendChild(controls);

    if (docs.length > 1) {
      var toc = el("ol");
      docs.forEach(function (d, i) {
        toc.appendChild(el("li", {}, [el("a", { href: "#" + uid + "-doc-" + i, text: visible(title(d, i)) }),
          el("span", { "class": "ps-muted", text: " (" + plural(d.spans.length, "span") + ")" })]));
      });
      root.appendChild(el("nav", { "class": "ps-toc", "aria-label": "Contents" }, [
        el("h2", { text: "Contents" }), toc]));
    }

    var views = docs.map(function (d, i) {
      var heading = el("h2", { id: uid + "-doc-" + i + "-title", text: visible(title(d, i)) });
      var meta = el("p", { "class": "ps-muted" });
      var url = d.meta && d.meta.url;
      if (typeof url === "string" && /^https?:\/\//i.test(url)) {
        var link = el("a", { rel: "noopener noreferrer", text: visible(url) });
        link.href = url;
        meta.appendChild(link);
      } else if (d.meta && (d.meta.source || d.meta.id)) {
        meta.textContent = visible(String(d.meta.source || d.meta.id));
      }
      // a corpus article says where and when it was published
      var where = [d.meta && d.meta.outlet, d.meta && readableDate(d.meta.published)].filter(function (v) {
        return typeof v === "string" && v; });
      if (where.length) meta.insertBefore(document.createTextNode(visible(where.join(" \u00b7 ")) +
        (meta.textContent ? " \u00b7 " : "")), meta.firstChild);
      // what the model cannot promise about this text (propscan.checks): not English, or short
      var warnings = (d.meta && Array.isArray(d.meta.warnings) ? d.meta.warnings : []).map(function (w) {
        return el("li", { "data-code": String(w && w.code || ""), text: visible(String(w && w.message || w)) });
      });
      var banner = warnings.length ? el("div", { "class": "ps-warning", role: "note" }, [
        el("strong", { text: "Read these results with care" }), el("ul", {}, warnings)]) : null;
      var stats = el("p", { "class": "ps-stats" });
      var chart = el("div", { "class": "ps-chart", role: "list", "aria-label": "Spans per technique" });
      var text = el("div", { "class": "ps-text" });
      // the spans as a table too: technique names in words, for print and for screen readers
      var rows = el("tbody");
      var listSummary = el("summary", { text: "List of spans" });
      var list = el("details", { "class": "ps-list" }, [listSummary,
        el("table", {}, [el("thead", {}, [el("tr", {}, [el("th", { text: "Technique" }),
          el("th", { text: "Score" }), voiced ? el("th", { text: "Voice" }) : null,
          el("th", { text: "Passage" })])]), rows])]);
      root.appendChild(el("article", { "class": "ps-doc", id: uid + "-doc-" + i,
        "aria-labelledby": uid + "-doc-" + i + "-title" }, [
        heading, meta, banner, el("section", { "class": "ps-summary", "aria-label": "Summary" }, [stats, chart]), text,
        list]));
      return { doc: d, stats: stats, chart: chart, text: text, rows: rows, listSummary: listSummary };
    });
    root.appendChild(tooltip);

    // the spans the score slider and the voice toggle keep (the legend's toggles aside)
    function kept(s) { return s.score >= state.minScore && !(state.authorOnly && s.voice === "quoted"); }

    function shown(d) {
      return d.spans.filter(function (s) { return kept(s) && !state.hidden.has(s.technique); });
    }

    function drawText(view, spans) {
      var d = view.doc, frag = document.createDocumentFragment();
      segments(d.text, spans, d.quotes).forEach(function (seg) {
        var piece = visible(d.text.slice(seg[0], seg[1]));
        var covering = seg[2], quote = seg[3];
        if (!covering.length && !quote) { frag.appendChild(document.createTextNode(piece)); return; }
        if (!covering.length) {  // quoted words without a shown span: set apart, speaker on hover
          var said = el("span", { "class": "ps-quote", "data-kind": quote.kind, text: piece });
          said._quote = quote;
          frag.appendChild(said);
          return;
        }
        // innermost span colours the background; every covering span adds one stacked underline
        var inner = covering.slice().sort(function (a, b) { return (a.end - a.start) - (b.end - b.start); })[0];
        var shadows = covering.map(function (s, k) {
          return "inset 0 -" + (3 * (k + 1)) + "px 0 " + techniques[s.technique].color;
        }).join(", ");
        var node = el("mark", { "class": "ps-span" + (quote ? " ps-in-quote" : ""), tabindex: "0",
          "aria-describedby": uid + "-tip",
          "data-techniques": covering.map(function (s) { return s.technique; }).join(" "),
          style: "background-color:" + techniques[inner.technique].color + "2e;box-shadow:" + shadows +
            ";padding-bottom:" + (3 * covering.length) + "px", text: piece });
        node._covering = covering;
        node._quote = quote;
        frag.appendChild(node);
      });
      view.text.textContent = "";
      view.text.appendChild(frag);
    }

    function drawSummary(view, spans) {
      var counts = {};
      spans.forEach(function (s) { counts[s.technique] = (counts[s.technique] || 0) + 1; });
      var quoted = spans.filter(function (s) { return s.voice === "quoted"; }).length;
      // a document whose quotations were not looked for (older JSON) says nothing of voices
      var known = view.doc.spans.some(function (s) { return s.voice === "author" || s.voice === "quoted"; });
      var voice = !known ? "" : state.authorOnly ? " in the author's voice" : " (" + quoted + " in quoted speech)";
      view.stats.textContent = plural(spans.length, "span") + " shown" + voice + " \u00b7 propaganda density " +
        pct(density(view.doc.text, spans)) + " of non-space characters";
      var labels = Object.keys(counts).sort(function (a, b) { return counts[b] - counts[a]; });
      var max = labels.length ? counts[labels[0]] : 1;
      view.chart.textContent = "";
      labels.forEach(function (label) {
        var t = techniques[label];
        view.chart.appendChild(el("div", { "class": "ps-bar-row", role: "listitem" }, [
          el("span", { "class": "ps-bar-name", text: t.name }),
          el("span", { "class": "ps-bar-track" }, [el("span", { "class": "ps-bar",
            style: "width:" + (100 * counts[label] / max) + "%;background:" + t.color })]),
          el("span", { "class": "ps-bar-count", text: String(counts[label]) })]));
      });
    }

    function drawList(view, spans) {
      view.listSummary.textContent = "List of spans shown (" + spans.length + ")";
      view.rows.textContent = "";
      spans.forEach(function (s) {
        var t = techniques[s.technique];
        view.rows.appendChild(el("tr", {}, [
          el("td", {}, [el("span", { "class": "ps-swatch", "aria-hidden": "true", style: "background:" + t.color }),
            document.createTextNode(" " + t.name)]),
          el("td", { text: s.score.toFixed(2) }),
          voiced ? el("td", { text: s.voice ? visible(whose(s)) : "" }) : null,
          el("td", { text: visible(view.doc.text.slice(s.start, s.end)) })]));
      });
    }

    function update() {
      var totals = {};
      views.forEach(function (view) {
        var spans = shown(view.doc);
        drawText(view, spans);
        drawSummary(view, spans);
        drawList(view, spans);
        view.doc.spans.forEach(function (s) {
          if (kept(s)) totals[s.technique] = (totals[s.technique] || 0) + 1;
        });
      });
      Object.keys(legendButtons).forEach(function (label) {
        legendButtons[label].textContent = String(totals[label] || 0);
      });
      hideTip();
    }

    function showTip(node) {
      tooltip.textContent = "";
      (node._covering || []).forEach(function (s) {
        var t = techniques[s.technique];
        tooltip.appendChild(el("div", { "class": "ps-tip-item" }, [
          el("strong", { text: t.name }),
          el("span", { "class": "ps-muted", text: " \u00b7 score " + s.score.toFixed(2) +
            (s.voice ? " \u00b7 " + visible(whose(s)) : "") }),
          el("div", { text: t.definition })]));
      });
      if (node._quote) {
        tooltip.appendChild(el("div", { "class": "ps-tip-item ps-tip-quote", text: visible(quoteNote(node._quote)) }));
      }
      tooltip.hidden = false;
      var box = node.getBoundingClientRect();
      tooltip.style.left = Math.max(4, Math.min(window.scrollX + box.left,
        window.scrollX + document.documentElement.clientWidth - tooltip.offsetWidth - 4)) + "px";
      tooltip.style.top = (window.scrollY + box.bottom + 6) + "px";
    }

    function hideTip() { tooltip.hidden = true; }

    root.addEventListener("mouseover", function (e) {
      var node = e.target.closest && e.target.closest(".ps-span, .ps-quote");
      if (node) showTip(node);
    });
    root.addEventListener("mouseout", function (e) {
      if (e.target.closest && e.target.closest(".ps-span, .ps-quote")) hideTip();
    });
    root.addEventListener("focusin", function (e) {
      if (e.target.classList && e.target.classList.contains("ps-span")) showTip(e.target);
    });
    root.addEventListener("focusout", hideTip);
    root.addEventListener("keydown", function (e) { if (e.key === "Escape") hideTip(); });

    update();
    return { update: update, state: state };
  }

  // A page's title, else the text's first line (the headline in news text and in the PTC), else
  // its id; the id and source are shown under the heading anyway.
  function title(d, i) {
    var m = d.meta || {};
    if (m.title) return String(m.title);
    var first = d.text.trim().split("\n")[0].trim();
    if (first.length > 90) first = first.slice(0, first.lastIndexOf(" ", 90) > 40 ? first.lastIndexOf(" ", 90) : 90) + "\u2026";
    return first || String(m.id || m.source || "Document " + (i + 1));
  }

  // closed <details> do not print: open them for printing, then restore
  var closedForPrint = [];
  window.addEventListener("beforeprint", function () {
    closedForPrint = Array.from(document.querySelectorAll(".ps-list:not([open])"));
    closedForPrint.forEach(function (d) { d.open = true; });
  });
  window.addEventListener("afterprint", function () {
    closedForPrint.forEach(function (d) { d.open = false; });
  });

  window.Propscan = { render: render, segments: segments, visible: visible, plural: plural };

  var embedded = document.getElementById("propscan-data");
  if (embedded) {
    render(document.getElementById("propscan-report"), JSON.parse(embedded.textContent));
  }
})();
