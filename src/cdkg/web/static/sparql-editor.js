// A SPARQL editor made of a plain textarea: Tab indents, Ctrl+Enter runs, and a highlighted copy of the
// text is drawn behind it. Without this script the textarea still works as a textarea.
"use strict";

window.SparqlEditor = (function () {
  const INDENT = "  ";
  const KEYWORDS = new Set(
    (
      "BASE PREFIX SELECT CONSTRUCT DESCRIBE ASK WHERE FROM NAMED GRAPH OPTIONAL UNION MINUS FILTER BIND " +
      "VALUES SERVICE SILENT GROUP BY HAVING ORDER ASC DESC LIMIT OFFSET DISTINCT REDUCED AS EXISTS NOT IN " +
      "UNDEF A TRUE FALSE COUNT SUM MIN MAX AVG SAMPLE GROUP_CONCAT SEPARATOR STR LANG LANGMATCHES " +
      "DATATYPE BOUND IRI URI BNODE RAND ABS CEIL FLOOR ROUND CONCAT STRLEN UCASE LCASE ENCODE_FOR_URI " +
      "CONTAINS STRSTARTS STRENDS STRBEFORE STRAFTER YEAR MONTH DAY HOURS MINUTES SECONDS TIMEZONE TZ NOW " +
      "UUID STRUUID MD5 SHA1 SHA256 SHA384 SHA512 COALESCE IF STRLANG STRDT SAMETERM ISIRI ISURI ISBLANK " +
      "ISLITERAL ISNUMERIC REGEX SUBSTR REPLACE"
    ).split(" ")
  );
  // One alternative per kind of token; whatever matches none of them is drawn as it is.
  const TOKEN = new RegExp(
    [
      "(#[^\\n]*)", // comment
      "(<[^<>\"{}|^`\\\\\\s]*>)", // IRI
      "(\"\"\"[\\s\\S]*?\"\"\"|'''[\\s\\S]*?'''|\"(?:[^\"\\\\\\n]|\\\\.)*\"|'(?:[^'\\\\\\n]|\\\\.)*')", // string
      "([?$][A-Za-z0-9_\\u00C0-\\uFFFF]+)", // variable
      "([A-Za-z][\\w.-]*)?:([\\w\\u00C0-\\uFFFF][\\w.\\-\\u00C0-\\uFFFF]*)?", // prefixed name
      "(@[A-Za-z]+(?:-[A-Za-z0-9]+)*)", // language tag
      "([A-Za-z_][A-Za-z_0-9]*)", // keyword or other word
      "([+-]?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)", // number
    ].join("|"),
    "g"
  );

  function escape(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function span(kind, text) {
    return '<span class="tok-' + kind + '">' + escape(text) + "</span>";
  }

  /** The query as HTML with one span per token; its text is exactly the query's. */
  function highlight(text) {
    let html = "";
    let last = 0;
    for (const match of text.matchAll(TOKEN)) {
      html += escape(text.slice(last, match.index));
      const [token, comment, iri, string, variable, , , language, word, number] = match;
      if (comment) html += span("comment", token);
      else if (iri) html += span("iri", token);
      else if (string) html += span("string", token);
      else if (variable) html += span("variable", token);
      else if (language) html += span("lang", token);
      else if (word) html += KEYWORDS.has(word.toUpperCase()) ? span("keyword", token) : escape(token);
      else if (number) html += span("number", token);
      else if (token.includes(":")) html += span("pname", token);
      else html += escape(token);
      last = match.index + token.length;
    }
    // A final newline needs a character after it, or the copy ends one line short.
    return html + escape(text.slice(last)) + "\n ";
  }

  function replaceSelection(editor, text) {
    // insertText keeps the browser's undo history; setRangeText is the fallback.
    if (!document.execCommand || !document.execCommand("insertText", false, text)) {
      editor.setRangeText(text, editor.selectionStart, editor.selectionEnd, "end");
      editor.dispatchEvent(new Event("input"));
    }
  }

  /** Tab indents the cursor or the selected lines, Shift+Tab takes an indent off them. */
  function indent(editor, outdent) {
    const start = editor.selectionStart;
    const end = editor.selectionEnd;
    const value = editor.value;
    if (!outdent && start === end) {
      replaceSelection(editor, INDENT);
      return;
    }
    const lineStart = value.lastIndexOf("\n", start - 1) + 1;
    const block = value.slice(lineStart, end);
    const changed = block
      .split("\n")
      .map((line) => (outdent ? line.replace(/^ {1,2}|^\t/, "") : INDENT + line))
      .join("\n");
    if (changed === block) return;
    editor.setSelectionRange(lineStart, end);
    replaceSelection(editor, changed);
    editor.setSelectionRange(lineStart, lineStart + changed.length);
  }

  /** Make `editor` (a textarea) a SPARQL editor; `onRun` is called on Ctrl+Enter (Cmd+Enter on a Mac). */
  function attach(editor, onRun) {
    const backdrop = document.createElement("pre");
    backdrop.className = "sparql-highlight";
    backdrop.setAttribute("aria-hidden", "true");
    const frame = document.createElement("div");
    frame.className = "sparql-editor";
    editor.parentNode.insertBefore(frame, editor);
    frame.append(backdrop, editor);

    function redraw() {
      backdrop.innerHTML = highlight(editor.value);
      backdrop.scrollTop = editor.scrollTop;
      backdrop.scrollLeft = editor.scrollLeft;
    }
    function follow() {
      backdrop.scrollTop = editor.scrollTop;
      backdrop.scrollLeft = editor.scrollLeft;
    }

    // After Escape, Tab leaves the editor as usual, so keyboard users are never trapped in it.
    let tabMovesFocus = false;
    editor.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        onRun();
      } else if (event.key === "Escape") {
        tabMovesFocus = true;
      } else if (event.key === "Tab" && !tabMovesFocus && !event.ctrlKey && !event.altKey && !event.metaKey) {
        event.preventDefault();
        indent(editor, event.shiftKey);
      } else {
        tabMovesFocus = false;
      }
    });
    editor.addEventListener("input", redraw);
    editor.addEventListener("scroll", follow);
    new ResizeObserver(follow).observe(editor);
    frame.classList.add("highlighting");
    redraw();
    return { redraw: redraw };
  }

  return { attach: attach, highlight: highlight };
})();
