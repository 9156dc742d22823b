// The query page: sends the editor's query to /sparql and shows the answer, IRIs by their labels.
// Plain JavaScript served by this application; it loads nothing from any other host.
"use strict";

(function () {
  const SOLUTIONS_JSON = "application/sparql-results+json";
  // SELECT and ASK answer JSON, CONSTRUCT and DESCRIBE Turtle: the endpoint picks by the result's kind.
  const ACCEPT = SOLUTIONS_JSON + ", text/turtle;q=0.9";
  const FORM_KEYWORDS = ["SELECT", "ASK", "CONSTRUCT", "DESCRIBE"];
  const MAX_ROWS_SHOWN = 2000;
  const MAX_TEXT_SHOWN = 500000;
  const MAX_LABELLED_IRIS = 2000;
  const LABEL_BATCH = 500;
  // Datatypes that a value's own form already shows; dates keep theirs, which tells their precision.
  const PLAIN_DATATYPES = ["string", "boolean", "integer", "decimal", "double"].map(
    (name) => "http://www.w3.org/2001/XMLSchema#" + name
  );

  const dataNode = document.getElementById("query-page-data");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const form = document.getElementById("query-form");
  const editor = document.getElementById("query");
  const runButton = document.getElementById("run");
  const permalink = document.getElementById("permalink");
  const statusBox = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const resultsBox = document.getElementById("results");
  const solutionDownloads = document.getElementById("solution-downloads");
  const graphDownloads = document.getElementById("graph-downloads");
  const declaredLanguage = document.documentElement.lang || "";
  const pageLanguage = /^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$/.test(declaredLanguage) ? declaredLanguage : "en";
  const namespaces = Object.entries(data.prefixes).sort((a, b) => b[1].length - a[1].length);

  /** SELECT, ASK, CONSTRUCT or DESCRIBE: the first keyword after the prologue; null if unclear. */
  function queryForm(text) {
    const prologue = [/^\s+/, /^#[^\n]*/, /^PREFIX\s+[^\s:]*:\s*<[^>]*>/i, /^BASE\s*<[^>]*>/i];
    let rest = text;
    for (;;) {
      const before = rest;
      for (const pattern of prologue) rest = rest.replace(pattern, "");
      if (rest === before) break;
    }
    const word = /^[A-Za-z]+/.exec(rest);
    const keyword = word ? word[0].toUpperCase() : "";
    return FORM_KEYWORDS.includes(keyword) ? keyword : null;
  }

  function endpointPath(params) {
    const url = new URL(data.endpoint, window.location.href);
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.pathname + url.search;
  }

  /** Permalink and downloads follow the editor; only the downloads that fit the query's form show. */
  function updateLinks() {
    const text = editor.value;
    permalink.href = endpointPath({ query: text });
    for (const link of document.querySelectorAll("a[data-format]")) {
      link.href = endpointPath({ query: text, format: link.dataset.format });
    }
    const kind = queryForm(text);
    solutionDownloads.hidden = kind === "CONSTRUCT" || kind === "DESCRIBE";
    graphDownloads.hidden = kind === "SELECT" || kind === "ASK";
  }

  function compact(iri) {
    for (const [prefix, namespace] of namespaces) {
      if (iri.startsWith(namespace)) {
        const local = iri.slice(namespace.length);
        if (/^([A-Za-z0-9_]([A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?)?$/.test(local)) return prefix + ":" + local;
      }
    }
    return iri;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function setStatus(text) {
    statusBox.textContent = text;
  }

  function showError(title, detail) {
    errorBox.replaceChildren(element("strong", "", title));
    if (detail) errorBox.append(element("pre", "", detail.trim()));
    errorBox.hidden = false;
  }

  /** An RDF term of SPARQL JSON results as a table cell's content. */
  function termNode(term) {
    if (term.type === "uri") {
      // Only web IRIs become links: an IRI can be `javascript:…`.
      const node = /^https?:\/\//i.test(term.value) ? element("a", "iri") : element("span", "iri");
      if (node.tagName === "A") node.href = term.value;
      node.textContent = compact(term.value);
      node.title = term.value;
      node.dataset.iri = term.value;
      return node;
    }
    if (term.type === "literal") {
      const node = element("span", "literal", term.value);
      if (term["xml:lang"]) node.append(element("small", "lang", "@" + term["xml:lang"]));
      else if (term.datatype && !PLAIN_DATATYPES.includes(term.datatype)) {
        node.append(element("small", "datatype", "^^" + compact(term.datatype)));
      }
      return node;
    }
    if (term.type === "bnode") return element("span", "bnode", "_:" + term.value);
    return element("span", "", JSON.stringify(term.value));
  }

  function renderSolutions(results) {
    const variables = results.head.vars || [];
    const rows = results.results.bindings;
    const table = element("table", "solutions");
    const header = table.createTHead().insertRow();
    for (const name of variables) header.append(element("th", "", "?" + name));
    const body = table.createTBody();
    for (const row of rows.slice(0, MAX_ROWS_SHOWN)) {
      const tr = body.insertRow();
      for (const name of variables) {
        const cell = tr.insertCell();
        if (row[name]) cell.append(termNode(row[name]));
      }
    }
    resultsBox.replaceChildren(table);
    return rows.length;
  }

  async function askEndpoint(query, accept) {
    return fetch(data.endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
      body: new URLSearchParams({ query: query }),
    });
  }

  /** One row per IRI: a label in the page's language, else English, else untagged, else any. */
  function labelQuery(iris) {
    const values = iris.map((iri) => "<" + iri + ">").join(" ");
    return (
      "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" +
      "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n" +
      "SELECT ?iri (SAMPLE(?inPageLanguage) AS ?page) (SAMPLE(?inEnglish) AS ?english)\n" +
      "       (SAMPLE(?untagged) AS ?plain) (SAMPLE(?label) AS ?other) WHERE {\n" +
      "  VALUES ?iri { " + values + " }\n" +
      "  { ?iri rdfs:label ?label } UNION { ?iri skos:prefLabel ?label }\n" +
      '  BIND(IF(LANGMATCHES(LANG(?label), "' + pageLanguage + '"), ?label, ?none) AS ?inPageLanguage)\n' +
      '  BIND(IF(LANGMATCHES(LANG(?label), "en"), ?label, ?none) AS ?inEnglish)\n' +
      '  BIND(IF(LANG(?label) = "", ?label, ?none) AS ?untagged)\n' +
      "} GROUP BY ?iri"
    );
  }

  /** Ask for rdfs:label / skos:prefLabel of the IRIs shown; show the best one, the IRI as tooltip. */
  async function labelIris() {
    const links = Array.from(resultsBox.querySelectorAll(".iri[data-iri]"));
    const iris = Array.from(new Set(links.map((link) => link.dataset.iri)))
      .filter((iri) => /^[^<>"{}|^`\\\s]*$/.test(iri))
      .slice(0, MAX_LABELLED_IRIS);
    const labels = new Map();
    for (let start = 0; start < iris.length; start += LABEL_BATCH) {
      const response = await askEndpoint(labelQuery(iris.slice(start, start + LABEL_BATCH)), SOLUTIONS_JSON);
      if (!response.ok) return "labels could not be looked up (" + response.status + ")";
      const answer = await response.json();
      for (const row of answer.results.bindings) {
        const label = row.page || row.english || row.plain || row.other;
        if (label) labels.set(row.iri.value, label.value);
      }
    }
    for (const link of links) {
      const label = labels.get(link.dataset.iri);
      if (label === undefined) continue;
      link.textContent = label;
      link.title = link.dataset.iri;
      link.classList.add("labelled");
    }
    return "";
  }

  /** What the endpoint said about a result it cut at its row cap, if it did. */
  function truncationNote(headers) {
    const explained = headers.get("CDKG-Results-Truncated");
    if (explained) return "cut by the endpoint: " + explained;
    const cut = headers.get("X-SPARQL-Truncated");
    if (cut && !/^(false|0|no)$/i.test(cut.trim())) return "cut by the endpoint (" + cut + ")";
    const maxRows = headers.get("X-SPARQL-MaxRows");
    if (maxRows) return "cut by the endpoint at " + maxRows + " rows";
    const warning = headers.get("Warning");
    return warning ? "endpoint warning: " + warning : "";
  }

  let running = false;

  async function run() {
    if (running) return;
    running = true;
    runButton.disabled = true;
    const text = editor.value;
    updateLinks();
    window.history.replaceState(null, "", window.location.pathname + "?" + new URLSearchParams({ query: text }));
    errorBox.hidden = true;
    resultsBox.classList.add("stale");
    setStatus("Running…");
    const started = performance.now();
    try {
      let response;
      try {
        response = await askEndpoint(text, ACCEPT);
      } catch (failure) {
        setStatus("");
        showError("The endpoint could not be reached.", String(failure));
        return;
      }
      const body = await response.text();
      const milliseconds = Math.round(performance.now() - started);
      if (!response.ok) {
        setStatus("Failed after " + milliseconds + " ms.");
        showError("The endpoint answered " + response.status + " " + response.statusText, body);
        resultsBox.replaceChildren();
        return;
      }
      const notes = [];
      const cut = truncationNote(response.headers);
      if (cut) notes.push(cut);
      const type = response.headers.get("Content-Type") || "";
      if (type.startsWith(SOLUTIONS_JSON)) {
        const results = JSON.parse(body);
        if (typeof results.boolean === "boolean") {
          resultsBox.replaceChildren(element("p", "boolean", results.boolean ? "true" : "false"));
          setStatus(["ASK answered " + results.boolean + " in " + milliseconds + " ms"].concat(notes).join("; "));
          return;
        }
        const count = renderSolutions(results);
        let summary = count.toLocaleString("en") + (count === 1 ? " row" : " rows") + " in " + milliseconds + " ms";
        if (count > MAX_ROWS_SHOWN) summary += " (the first " + MAX_ROWS_SHOWN + " shown; download for all)";
        setStatus([summary].concat(notes).join("; "));
        let labelProblem;
        try {
          labelProblem = await labelIris();
        } catch (failure) {
          labelProblem = "labels could not be looked up (" + failure + ")";
        }
        if (labelProblem) setStatus([summary, labelProblem].concat(notes).join("; "));
      } else {
        const pre = element("pre", "graph-result", body.slice(0, MAX_TEXT_SHOWN));
        resultsBox.replaceChildren(pre);
        const lines = body.split("\n").filter((line) => line.trim()).length;
        let summary = "Graph result (" + (type.split(";")[0] || "text") + "), " + lines + " lines in " + milliseconds + " ms";
        if (body.length > MAX_TEXT_SHOWN) summary += " (the beginning shown; download for all)";
        setStatus([summary].concat(notes).join("; "));
      }
    } catch (failure) {
      setStatus("");
      showError("The answer could not be shown.", String(failure));
    } finally {
      resultsBox.classList.remove("stale");
      runButton.disabled = false;
      running = false;
    }
  }

  // The editor's keys and highlighting, when sparql-editor.js is there; a bare textarea works too.
  const enhanced = window.SparqlEditor ? window.SparqlEditor.attach(editor, run) : null;
  editor.addEventListener("input", updateLinks);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });
  document.getElementById("examples").addEventListener("click", (event) => {
    const link = event.target.closest("a.example");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    const query = data.examples[link.dataset.example];
    if (query === undefined) return;
    event.preventDefault();
    editor.value = query;
    if (enhanced) enhanced.redraw();
    editor.focus();
    editor.setSelectionRange(0, 0);
    editor.scrollTop = 0;
    run();
  });

  updateLinks();
  if (data.autorun) run();
})();
