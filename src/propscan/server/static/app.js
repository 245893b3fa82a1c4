// The web page: sends the article to /v1/analyze and draws the answer with report.js (the same
// renderer as the HTML report). Server text only ever reaches the DOM through textContent.
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("propscan-config").textContent);
  var form = document.getElementById("analyze-form");
  var tabs = Array.from(document.querySelectorAll('[role="tab"]'));
  var statusEl = document.getElementById("status");
  var errorEl = document.getElementById("error");
  var results = document.getElementById("results");
  var analyzeButton = document.getElementById("analyze");
  var jsonButton = document.getElementById("download-json");
  var htmlButton = document.getElementById("download-html");
  var current = null;  // the last Document shown
  var exampleButton = document.getElementById("example");
  if (config.corpus) document.getElementById("corpus-link").hidden = false;

  function select(tab) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
  }
  tabs.forEach(function (tab, i) {
    tab.addEventListener("click", function () { select(tab); });
    tab.addEventListener("keydown", function (e) {  // arrow keys move between tabs (WAI-ARIA tabs)
      var step = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!step) return;
      var next = tabs[(i + step + tabs.length) % tabs.length];
      select(next);
      next.focus();
    });
  });

  function mode() {
    return tabs.filter(function (t) { return t.getAttribute("aria-selected") === "true"; })[0].id.slice(4);
  }

  function showError(message) {
    errorEl.textContent = message;
    errorEl.hidden = !message;
  }

  // what the result is called when the page names no title: the file name or the link (pasted
  // text gets its first line, as in the report)
  var label = null;

  function body() {
    var m = mode();
    label = m === "url" ? document.getElementById("url").value.trim() : null;
    if (m === "url") {
      var url = document.getElementById("url").value.trim();
      if (!url) return Promise.reject(new Error("Enter the link of an article."));
      return Promise.resolve({ url: url });
    }
    if (m === "file") {
      var file = document.getElementById("file").files[0];
      if (!file) return Promise.reject(new Error("Choose a .txt or .html file."));
      if (file.size > config.limits.max_body_bytes) {
        return Promise.reject(new Error("The file is larger than the server accepts (" +
          config.limits.max_body_bytes.toLocaleString() + " bytes)."));
      }
      label = file.name;
      return file.arrayBuffer().then(function (bytes) {
        var isHtml = /\.x?html?$/i.test(file.name) || file.type === "text/html";
        return isHtml ? { html: decodeHtml(bytes) } : { text: new TextDecoder("utf-8").decode(bytes) };
      });
    }
    var text = document.getElementById("text").value;
    if (!text.trim()) return Promise.reject(new Error("Paste the text of an article first."));
    return Promise.resolve({ text: text });
  }

  // Saved pages are often not UTF-8: decode by the charset the page declares, as a browser would.
  function decodeHtml(bytes) {
    var head = new TextDecoder("windows-1252").decode(bytes.slice(0, 4096));  // ASCII-safe peek
    var declared = /<meta[^>]+charset\s*=\s*["']?([\w:.-]+)/i.exec(head);
    try {
      return new TextDecoder(declared ? declared[1] : "utf-8").decode(bytes);
    } catch (e) {  // an unknown charset name
      return new TextDecoder("utf-8").decode(bytes);
    }
  }

  function post(path, payload) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload)
    }).then(function (response) {
      if (response.ok) return response;
      return response.json().catch(function () { return {}; }).then(function (data) {
        var message = data && data.error ? data.error.message : "The server answered " + response.status + ".";
        throw new Error(message);
      });
    });
  }

  function download(name, blob) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    showError("");
    analyzeButton.disabled = true;
    statusEl.textContent = "Analyzing\u2026";
    body().then(function (payload) {
      return post("/v1/analyze", payload).then(function (r) { return r.json(); });
    }).then(function (doc) {
      current = doc;
      var shown = Object.assign({}, doc, { meta: Object.assign(label ? { title: label } : {}, doc.meta) });
      window.Propscan.render(results, { documents: [shown], techniques: config.techniques });
      jsonButton.disabled = htmlButton.disabled = false;
      var quoted = doc.spans.filter(function (s) { return s.voice === "quoted"; }).length;
      statusEl.textContent = window.Propscan.plural(doc.spans.length, "span") + " found" +
        (doc.quotes && doc.spans.length ? ", " + quoted + " in quoted speech." : ".");
    }).catch(function (err) {
      // a failed request must not leave the previous article's result on screen as if it were this one's
      current = null;
      results.textContent = "";
      jsonButton.disabled = htmlButton.disabled = true;
      statusEl.textContent = "";
      showError(err.message);
    }).then(function () { analyzeButton.disabled = false; });
  });

  // the bundled sample article, analysed: what the page does, in one click
  exampleButton.addEventListener("click", function () {
    select(document.getElementById("tab-text"));
    document.getElementById("text").value = config.example;
    form.requestSubmit();
  });

  jsonButton.addEventListener("click", function () {
    if (!current) return;
    download("propscan.json", new Blob([JSON.stringify(current, null, 2)], { type: "application/json" }));
  });

  htmlButton.addEventListener("click", function () {
    if (!current) return;
    post("/v1/report", { documents: [current] }).then(function (r) { return r.blob(); })
      .then(function (blob) { download("propscan-report.html", blob); })
      .catch(function (err) { showError(err.message); });
  });
})();
