// The lesson page: every math block of the page rendered with KaTeX.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const el of document.querySelectorAll("#lesson .math")) {
    const display = el.classList.contains("block");
    katex.render(el.textContent.trim(), el, {displayMode: display, throwOnError: false});
  }
});
