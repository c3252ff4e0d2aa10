// Renders every math block given on stdin with KaTeX, strictly; prints the failures.
// Input: JSON [{"id": "...", "tex": "...", "display": true}]; output: JSON [{"id", "error"}].
const katex = require("katex");
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", () => {
  const failures = [];
  for (const block of JSON.parse(input)) {
    try {
      katex.renderToString(block.tex, { displayMode: block.display, throwOnError: true, strict: "error" });
    } catch (err) {
      failures.push({ id: block.id, error: String(err.message || err) });
    }
  }
  process.stdout.write(JSON.stringify(failures));
});
