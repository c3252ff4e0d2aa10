// The check page: sends the derivation to /api/check and shows each equation, rendered
// with KaTeX, beside its verdict. Text from the server is set with textContent only.
"use strict";

const WORDS = {correct: "correct", wrong: "wrong", imprecise: "imprecise", not_checked: "not checked",
               error: "error"};
const FORMATS = {md: "md", markdown: "md", tex: "tex", latex: "tex", txt: "txt"};

function math(tex, display) {
  const el = document.createElement(display ? "div" : "span");
  el.className = "tex";
  try {
    katex.render(tex, el, {displayMode: display, throwOnError: false, strict: "ignore"});
  } catch (e) {
    el.textContent = tex;  // KaTeX refused it (too large): show the source
  }
  return el;
}

function add(parent, tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  parent.appendChild(el);
  return el;
}

function counterexample(r) {
  // the checker's own line when it wrote one, else the point and both values
  const line = (r.message || "").split("\n").find((m) => m.startsWith("counterexample"));
  if (line) return line;
  const ce = r.counterexample;
  const parts = Object.entries(ce.point || {}).map(([k, v]) => `${k} = ${JSON.stringify(v)}`);
  return `counterexample at ${parts.join(", ")}: claimed ${ce.claimed}, correct ${ce.expected}`;
}

function showResults(results) {
  const list = document.getElementById("results");
  list.replaceChildren();
  const counts = {correct: 0, wrong: 0, not_checked: 0, error: 0};
  for (const r of results) {
    counts[r.verdict] = (counts[r.verdict] || 0) + 1;
    const li = add(list, "li", `result verdict-${r.verdict}`);
    const head = add(li, "div", "head");
    add(head, "span", "line", `line ${r.line}`);
    add(head, "span", "verdict", WORDS[r.verdict] || r.verdict);
    if (r.diagnosis) add(head, "span", "diagnosis", r.diagnosis.replace(/_/g, " "));
    li.appendChild(math(r.latex, true));
    if (r.message) add(li, "p", "message", r.message.split("\n")[0]);
    if (r.counterexample) add(li, "p", "counterexample", counterexample(r));
    if (r.expected) {
      const ex = add(li, "div", "expected");
      add(ex, "span", "label", "correct:");
      ex.appendChild(math(r.expected, true));
    }
  }
  document.getElementById("summary").textContent =
    `${results.length} equations: ${counts.correct} correct, ${counts.wrong} wrong, ` +
    `${counts.error} errors, ${counts.not_checked} not checked`;
  const md = ["# Check report", "", document.getElementById("summary").textContent, ""];
  for (const r of results) {
    md.push(`## Line ${r.line}: ${WORDS[r.verdict] || r.verdict}`, "", "$$", r.latex, "$$", "");
    if (r.message) md.push(...r.message.split("\n").map((m) => `    ${m}`), "");
    if (r.expected) md.push("Correct:", "", "$$", r.expected, "$$", "");
  }
  setDownload("download-md", md.join("\n"), "text/markdown");
  setDownload("download-json", JSON.stringify(results, null, 2) + "\n", "application/json");
  document.getElementById("report").hidden = false;
}

function setDownload(id, text, type) {
  const a = document.getElementById(id);
  if (a.href.startsWith("blob:")) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(new Blob([text], {type}));
}

async function check(event) {
  event.preventDefault();
  const status = document.getElementById("status");
  const body = {
    text: document.getElementById("text").value,
    format: document.getElementById("format").value,
    notation: document.getElementById("notation").value,
  };
  const name = document.getElementById("text").dataset.file;
  if (name) body.file = name;  // the report names the uploaded file, as check does
  const preset = document.getElementById("preset");
  if (preset) body.spec = preset.value || document.getElementById("spec").value;
  status.textContent = "checking…";
  status.className = "";
  try {
    const response = await fetch("/api/check", {
      method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) {
      status.textContent = data.error || `error ${response.status}`;
      status.className = "error";
      return;
    }
    status.textContent = "";
    showResults(data);
  } catch (e) {
    status.textContent = "the server could not be reached";
    status.className = "error";
  }
}

function upload() {
  const file = this.files[0];
  if (!file) return;
  const ext = file.name.split(".").pop().toLowerCase();
  document.getElementById("format").value = FORMATS[ext] || "txt";
  file.text().then((text) => {
    const area = document.getElementById("text");
    area.value = text;
    area.dataset.file = file.name;
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("check-form").addEventListener("submit", check);
  document.getElementById("file").addEventListener("change", upload);
  const preset = document.getElementById("preset");
  if (preset) {
    preset.addEventListener("change", () => {
      document.getElementById("spec").hidden = preset.value !== "";
    });
  }
});
