// Nodewise: the book's own behaviour in the browser (loaded on every page).
// - Print: every <details> (the claim tables' criteria and notes, the parameters) and every collapsed solution
//   (sphinx-togglebutton) opens before printing and closes again afterwards; code cells behind "Show code" stay
//   closed. scripts/book_pdf.py calls nodewiseOpenForPrint() itself: a headless PDF fires no beforeprint.
// - Search: Sphinx builds its result snippets from a page's HTML text, where formulas are still TeX
//   ("\(\mathbf{t}\)"); they are read as plain text instead ("t").
(function () {
  "use strict";

  function openForPrint() {
    document.querySelectorAll("details:not([open]):not(.hide)").forEach(function (d) {
      d.setAttribute("open", "");
      d.setAttribute("data-nw-print-opened", "");
    });
    document.querySelectorAll(".toggle-hidden").forEach(function (e) {
      e.classList.remove("toggle-hidden");
      e.setAttribute("data-nw-print-shown", "");
    });
  }

  function closeAfterPrint() {
    document.querySelectorAll("details[data-nw-print-opened]").forEach(function (d) {
      d.removeAttribute("open");
      d.removeAttribute("data-nw-print-opened");
    });
    document.querySelectorAll("[data-nw-print-shown]").forEach(function (e) {
      e.classList.add("toggle-hidden");
      e.removeAttribute("data-nw-print-shown");
    });
  }

  // TeX as a reader would type it: delimiters, \commands and grouping braces dropped, sub/superscripts kept.
  function plainTex(tex) {
    return tex
      .replace(/\\[()[\]]/g, "")
      .replace(/\$/g, "")
      .replace(/\\(?:mathbf|mathrm|mathit|mathcal|boldsymbol|text|operatorname|hat|bar|tilde|vec)\s*/g, "")
      .replace(/\\(left|right|,|;|!|quad|qquad)/g, " ")
      .replace(/\\([A-Za-z]+)/g, "$1")
      .replace(/_\{?([0-9])\}?/g, function (m, d) { return "₀₁₂₃₄₅₆₇₈₉"[+d]; })
      .replace(/\^\{?([0-9])\}?/g, function (m, d) { return "⁰¹²³⁴⁵⁶⁷⁸⁹"[+d]; })
      .replace(/[{}]/g, "")
      .replace(/\s+/g, " ")
      .trim();
  }

  function plainSearchSnippets() {
    if (typeof Search === "undefined" || typeof Search.htmlToText !== "function" || Search.nodewisePlain) {
      return;
    }
    var original = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math, mjx-container").forEach(function (m) {
        m.textContent = " " + plainTex(m.textContent) + " ";
      });
      return original(doc.documentElement.outerHTML, anchor);
    };
    Search.nodewisePlain = true;
  }

  window.nodewiseOpenForPrint = openForPrint;
  window.nodewisePlainTex = plainTex;
  window.addEventListener("beforeprint", openForPrint);
  window.addEventListener("afterprint", closeAfterPrint);
  plainSearchSnippets();
  document.addEventListener("DOMContentLoaded", plainSearchSnippets);
})();
