"""How the built book's tables read, measured in headless Chromium as a reader sees them (issue #29).

For each chapter page: at desktop widths, where each claim row's verdict badge sits against the article column,
how tall the claim table is, and which tables need sideways scrolling; on a 400 px phone, the page width and how
far each claim card's badge sits from the card's top; in print, whether every column and note of the claim
table shows. Writes the numbers as JSON and screenshots of the jump-detection claims table (1400 px, 400 px and a
printed page) under _build/screenshots/.

    python -m scripts.book_reading [--html _build/html] [--label after] [--widths 1400,1920,2560] [section ...]

The browser test (tests/notebooks/test_book.py) uses the same measuring scripts.
"""

import argparse
import http.server
import json
import re
import sys
import threading
from functools import partial
from pathlib import Path

from lib.paths import REPO_ROOT
from scripts.book_pdf import SETTLE, QuietHandler, chromium_path

SCREENSHOTS = REPO_ROOT / "_build" / "screenshots"

# Per claim row of the page's claim tables: how far its verdict badge's right edge lies beyond the article
# column's right edge (px; > 0 is out of view), and the table's height; the old tables (class claims-table) are
# read the same way: the first badge of a row is its verdict.
CLAIM_BADGES = """() => {
  const article = document.querySelector("article").getBoundingClientRect();
  const tables = [...document.querySelectorAll("article table.claims-table")];
  return tables.map(t => ({
    height: Math.round(t.getBoundingClientRect().height),
    rows: [...t.querySelectorAll("tbody tr")].map(r => r.querySelector(".verdict")).filter(b => b)
      .map(b => Math.round(b.getBoundingClientRect().right - article.right)),
  }));
}"""
# Boxes in the article that a reader must scroll sideways to read: a scrolling container whose content is wider
# than the box, or a table wider than the article with nothing around it that scrolls.
SIDEWAYS = """() => {
  const article = document.querySelector("article");
  const right = article.getBoundingClientRect().right;
  const label = e => ((e.closest(".nodewise-table, figure")?.querySelector(".table-caption, figcaption, caption")
    || e.querySelector("caption, th") || e).textContent || "").trim().slice(0, 60);
  const boxes = [...article.querySelectorAll("*")].filter(e => e.querySelector("table") || e.tagName === "TABLE")
    .filter(e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1);
  const wide = [...article.querySelectorAll("table")].filter(t => t.getBoundingClientRect().right > right + 1);
  return [...new Set([...boxes, ...wide].map(label))];
}"""
# On a phone: for each claim card (a claim row), how far its verdict badge's top lies below the card's top (px),
# and whether the badge lies inside the screen's width (not behind a sideways scroll).
CARD_BADGES = """() => [...document.querySelectorAll("article table.claims-table tbody tr")]
  .filter(r => r.querySelector(".verdict") && !r.classList.contains("nw-more-row"))
  .map(r => { const b = r.querySelector(".verdict").getBoundingClientRect();
              return [Math.round(b.top - r.getBoundingClientRect().top), b.right <= window.innerWidth + 1]; })"""
# In print: the claim tables' header cells that do not show (no width, or beyond the page), and the notes that
# do not show (a claim's facts with no height).
PRINT_HIDDEN = """() => {
  const width = document.documentElement.clientWidth;
  const heads = [...document.querySelectorAll("article table.claims-table thead th")]
    .filter(th => th.getBoundingClientRect().width < 1 || th.getBoundingClientRect().right > width + 1)
    .map(th => th.textContent.trim());
  const notes = [...document.querySelectorAll("article table.claims-table dl.nw-facts")]
    .filter(d => d.getBoundingClientRect().height < 1).length;
  const columns = [...document.querySelectorAll("article table.claims-table thead th")]
    .map(th => th.textContent.trim());
  return {hidden_columns: heads, hidden_notes: notes, columns: columns};
}"""


# Text in the article's tables and captions whose contrast with the background behind it is below WCAG AA (4.5:1):
# [ratio, element, its text]; text that is not shown (visibility hidden, opacity 0) is not read.
LOW_CONTRAST = r"""() => {
  const rgba = c => c.match(/[\d.]+/g).map(Number);
  const lum = c => { const [r, g, b] = rgba(c).map(v => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const behind = e => { for (let a = e; a; a = a.parentElement) { const c = rgba(getComputedStyle(a).backgroundColor);
    if (c.length < 4 || c[3] > 0.5) return getComputedStyle(a).backgroundColor; }
    return "rgb(255, 255, 255)"; };  // the browser's canvas
  const shown = e => getComputedStyle(e).visibility === "visible" && getComputedStyle(e).opacity !== "0"
    && e.getClientRects().length > 0;
  const text = "article table, article caption, article figcaption, article p.table-caption";
  return [...document.querySelectorAll(text)].flatMap(t => [t, ...t.querySelectorAll("*")])
    .map(e => [e, [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join(" ").trim()])
    .filter(([e, own]) => own && shown(e))
    .map(([e, own]) => { const a = lum(getComputedStyle(e).color), b = lum(behind(e));
      return [(Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), e.tagName.toLowerCase() + "." + e.className,
              own.slice(0, 40)]; })
    .filter(([ratio]) => ratio < 4.5).map(([r, e, t]) => [Math.round(r * 100) / 100, e, t]);
}"""
# Every image of the article as shown: src, shown width, natural width (for its smallest text on the screen).
IMAGES_SHOWN = """() => [...document.querySelectorAll("article img")]
  .map(i => [i.getAttribute("src"), i.getBoundingClientRect().width, i.naturalWidth])"""


def open_settled(browser, url: str, width: int, height: int = 900):
    """A page at a viewport width, images loaded and MathJax done."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url, wait_until="networkidle")
    page.evaluate(SETTLE)
    return page


def measure_desktop(page) -> dict:
    """The claim badges against the column, the claim tables' heights and the tables that scroll sideways."""
    tables = page.evaluate(CLAIM_BADGES)
    offsets = [x for t in tables for x in t["rows"]]
    return {"claim_rows": len(offsets), "badges_outside_column": sum(x > 0 for x in offsets),
            "worst_badge_overflow_px": max(offsets, default=0), "claim_table_heights_px": [t["height"] for t in tables],
            "sideways_tables": page.evaluate(SIDEWAYS)}


def measure_phone(page) -> dict:
    """The page's width and each claim card's badge offset from the card's top."""
    cards = page.evaluate(CARD_BADGES)
    return {"page_width_px": page.evaluate("() => document.documentElement.scrollWidth"),
            "cards": len(cards), "worst_badge_offset_px": max((o for o, _ in cards), default=0),
            "cards_badge_below_100px": sum(o > 100 for o, _ in cards),
            "cards_badge_off_screen": sum(not seen for _, seen in cards)}


def measure_print(page) -> dict:
    """Print media, details opened as for the PDF: the claim table's columns and notes that do not show."""
    page.emulate_media(media="print")
    page.evaluate("() => window.nodewiseOpenForPrint && window.nodewiseOpenForPrint()")
    return page.evaluate(PRINT_HIDDEN)


def clip_to_claims(page, width: int) -> dict | None:
    """The screenshot region of the page's first claim table (its top 1600 px), or None without one."""
    box = page.evaluate("""() => { const t = document.querySelector("article table.claims-table");
      if (!t) return null; t.scrollIntoView(); const r = t.getBoundingClientRect();
      return {x: 0, y: r.top + window.scrollY - 60, height: Math.min(r.height + 80, 1600)}; }""")
    return None if box is None else {"x": 0, "y": max(box["y"], 0), "width": width, "height": box["height"]}


def run(html: Path, sections: list[str], widths: list[int], label: str, out: Path) -> dict:
    """Every measurement for the sections; screenshots of the first section's claim table."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site, results = f"http://127.0.0.1:{server.server_address[1]}", {}
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=["--headless", "--no-sandbox",
                                                                                "--disable-gpu"])
            for n, section in enumerate(sections):
                url, found = f"{site}/book/{section}.html", {}
                for width in widths:
                    page = open_settled(browser, url, width)
                    found[f"desktop_{width}"] = measure_desktop(page)
                    if n == 0 and width == widths[0] and (clip := clip_to_claims(page, width)):
                        page.screenshot(path=str(out / f"claims-{label}-{section}-{width}.png"), clip=clip,
                                        full_page=True)
                    page.close()
                page = open_settled(browser, url, 400, 800)
                found["phone_400"] = measure_phone(page)
                if n == 0 and (clip := clip_to_claims(page, 400)):
                    page.screenshot(path=str(out / f"claims-{label}-{section}-400.png"), clip=clip, full_page=True)
                page.close()
                page = open_settled(browser, url, 794, 1123)  # A4 at 96 dpi
                found["print"] = measure_print(page)
                if n == 0 and (clip := clip_to_claims(page, 794)):
                    page.screenshot(path=str(out / f"claims-{label}-{section}-print.png"), clip=clip, full_page=True)
                page.close()
                results[section] = found
            browser.close()
    finally:
        server.shutdown()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=REPO_ROOT / "_build" / "html", help="the HTML build")
    parser.add_argument("--label", default="now", help="a word in the screenshots' names (before, after)")
    parser.add_argument("--widths", default="1400,1920,2560", help="desktop widths, px")
    parser.add_argument("--output", type=Path, default=SCREENSHOTS, help="where the screenshots and JSON go")
    parser.add_argument("sections", nargs="*", default=["jump_detection"])
    args = parser.parse_args(argv)
    results = run(args.html, args.sections, [int(w) for w in args.widths.split(",")], args.label, args.output)
    path = args.output / f"reading-{args.label}.json"
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
    print(json.dumps(results, indent=1, ensure_ascii=False))
    print(f"{path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())


SIX_DECIMALS = re.compile(r"(?<![\d.])(\d+)\.(\d{6,})(?!\d)")
RAW_VALUES = {"inf", "-inf", "None", "nan", "NaN", "<NA>", "NaT"}
TEX_TERMS = ("mathbf", "mathbb", "mathcal", "mathrm", "frac", "boldsymbol", "operatorname", "textbf")


def padded(found: re.Match) -> bool:
    """A float printed with six or more decimals that its value does not need: trailing zeros ("1.000000") or
    more than 4 significant digits ("0.312345"), as pandas prints them; 0.008166 (4 digits) is fine."""
    whole, decimals = found.group(1), found.group(2)
    digits = (whole.lstrip("0") + decimals).lstrip("0") if whole.strip("0") == "" else whole + decimals
    return decimals.endswith("0") or len(digits) > 4


def table_problems(page_html: str) -> list[str]:
    """What a rendered page's tables show that the book's one table style forbids: six-decimal floats, inf,
    None or nan cells, and text cut short with "..." (pandas' truncation)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page_html, "html.parser")
    article = soup.find("article") or soup
    problems = []
    for cell in article.select("table td, table th"):
        text = cell.get_text(" ", strip=True)
        for found in SIX_DECIMALS.finditer(text):
            if padded(found):
                problems.append(f"six-decimal float {found.group(0)!r} in {text[:50]!r}")
        if text in RAW_VALUES or any(word in RAW_VALUES for word in text.split()):
            problems.append(f"raw value in a cell: {text[:50]!r}")
        if text == "..." or text.endswith("...") or text == "…":
            problems.append(f"truncated cell: {text[-50:]!r}")
    return problems


def search_index_problems(index_js: str) -> list[str]:
    """TeX in Sphinx's searchindex.js: TeX commands among the indexed words, or TeX in the indexed titles."""
    data = json.loads(index_js[index_js.index("(") + 1:index_js.rindex(")")])
    problems = [f"TeX command {term!r} indexed as a word" for term in TEX_TERMS if term in data.get("terms", {})]
    titles = [*data.get("titles", []), *data.get("alltitles", {})]
    problems += [f"TeX in the title {t!r}" for t in titles if "\\(" in t or "\\[" in t or re.search(r"\$[^$]+\$", t)]
    return problems
