"""Every section notebook run with the smoke profile, re-run by nbval, built into a strict book, read in Chromium.

One module on purpose: with `pytest -n 2 --dist loadscope` it stays on one worker, so the notebooks are executed
once (two at a time, through `python -m lib.runner`) and the same executed copies feed nbval, the strict book build
and the browser.
"""

import base64
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from lib import runner
from lib.claims import VERDICTS
from lib.paths import REPO_ROOT
from lib.plots import VIEWPORT_PX
from lib.studies import study

pytestmark = pytest.mark.notebooks
SECTIONS = runner.sections()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run_smoke(section: str, root: Path) -> subprocess.CompletedProcess:
    """Execute one section with profile=smoke through the command line, as a user would."""
    env = dict(os.environ, NODEWISE_RESULTS=str(root / "results"))
    return subprocess.run([sys.executable, "-m", "lib.runner", section, "profile=smoke", "--cell-timeout", "300",
                           "--output", str(root / "book" / f"{section}.ipynb")],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def smoke_dir(tmp_path_factory):
    """A scratch book tree: the book's sources plus every notebook executed with profile=smoke (2 at a time)."""
    root = tmp_path_factory.mktemp("smoke_book")
    for name in ("_config.yml", "_toc.yml", "references.bib"):
        shutil.copy(REPO_ROOT / name, root / name)
    for folder in ("_static", "_vendor", "_extra"):
        shutil.copytree(REPO_ROOT / folder, root / folder)
    shutil.copytree(REPO_ROOT / "book", root / "book", ignore=shutil.ignore_patterns("*.ipynb"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(SECTIONS, pool.map(lambda s: run_smoke(s, root), SECTIONS)))
    return root, runs


@pytest.mark.parametrize("section", SECTIONS)
def test_section_runs_with_the_smoke_profile(smoke_dir, section):
    root, runs = smoke_dir
    assert runs[section].returncode == 0, runs[section].stdout[-3000:] + runs[section].stderr[-6000:]
    assert (root / "book" / f"{section}.ipynb").exists()


@pytest.mark.parametrize("section", SECTIONS)
def test_section_writes_its_results_contract(smoke_dir, section):
    root, runs = smoke_dir
    assert runs[section].returncode == 0
    record = json.loads((root / "results" / f"{section}.json").read_text())
    assert {"section", "profile", "parameters", "measured", "environment", "elapsed_s"} <= set(record)
    assert record["section"] == section and record["profile"] == "smoke"
    if study(section).in_ledger:
        assert [c["id"] for c in record["claims"]] == [c.id for c in study(section).claims]
        assert all(c["verdict"] in VERDICTS and c["note"] for c in record["claims"])
    else:  # not yet migrated: its old table of raw keys, until its own issue moves it into the ledger
        assert set(record["paper"]) <= set(record["measured"]), "every paper value needs a measured counterpart"


def test_results_cells_reproduce_exactly_under_nbval(smoke_dir):
    """nbval (lax) re-executes every executed notebook and compares the cells marked NBVAL_CHECK_OUTPUT."""
    root, runs = smoke_dir
    assert all(run.returncode == 0 for run in runs.values())
    env = dict(os.environ, NODEWISE_RESULTS=str(root / "nbval_results"))
    notebooks = [str(root / "book" / f"{s}.ipynb") for s in SECTIONS]
    proc = subprocess.run([sys.executable, "-m", "pytest", "--nbval-lax", "-n", "2", "--dist", "loadscope",
                           "-p", "no:cacheprovider", "-q", *notebooks],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]


@pytest.fixture(scope="module")
def built_book(smoke_dir):
    """The smoke book built strictly (-n -W --keep-going): any warning fails the build."""
    root, runs = smoke_dir
    assert all(run.returncode == 0 for run in runs.values()), "a section failed to execute"
    jb = Path(sys.executable).with_name("jupyter-book")
    proc = subprocess.run([str(jb), "build", str(root), "-n", "-W", "--keep-going"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    return root / "_build" / "html"


def test_book_builds_without_warnings(built_book):
    assert (built_book / "index.html").exists()
    for section in SECTIONS:
        assert (built_book / "book" / f"{section}.html").exists()


def numbering_problems(page: Path) -> list[str]:
    """Figures and tables of a built page that are not numbered ("Fig. N", "Table N") or that no link in the text
    points to (the caption's own permalink does not count).

    A table is numbered either as a docutils table (its own <caption>) or as a notebook output inside a
    div.nodewise-table (book/_ext/nodewise_book.py) whose caption comes first.
    """
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(page.read_text(errors="replace"), "html.parser")
    article = soup.find("article") or soup
    targets = {a["href"].split("#")[-1] for a in article.find_all("a", href=True)
               if "#" in a["href"] and "headerlink" not in a.get("class", [])}
    problems = []
    for table in article.find_all("table"):
        holder = table.find_parent("div", class_="nodewise-table") or table
        caption = holder.find("caption") if holder is table else holder.find("p", class_="table-caption",
                                                                              recursive=False)
        if caption is None or caption.find(class_="caption-number") is None:
            problems.append(f"table without a number: {' '.join(table.get_text(' ').split())[:60]!r}")
        elif holder.get("id") not in targets:
            problems.append(f"table {holder.get('id')!r} is not referenced from the text")
    for figure in article.find_all("figure"):
        if figure.find(class_="caption-number") is None:
            problems.append(f"figure without a number: {figure.get('id')!r}")
        elif figure.get("id") not in targets:
            problems.append(f"figure {figure.get('id')!r} is not referenced from the text")
    return problems


def test_every_figure_and_table_is_numbered_and_referenced_from_the_text(built_book):
    pages = [built_book / "index.html", *sorted((built_book / "book").glob("*.html"))]
    problems = [f"{page.relative_to(built_book)}: {p}" for page in pages for p in numbering_problems(page)]
    assert not problems, "\n".join(problems)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that does not log every request to stderr."""

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def served_book(built_book):
    """The built book on a local http.server (browsers treat file:// pages differently)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(built_book)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright, with no network beyond this machine."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def open_page(browser, url):
    """Load a page; return it with its console errors and every request that left localhost."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors, outside = [], []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda req: outside.append(req.url)
            if not req.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    page.goto(url, wait_until="networkidle")
    return page, errors, outside


SCREENSHOTS = REPO_ROOT / "_build" / "screenshots"  # a test artifact, one PNG per page (gitignored)
RAW_MATH = ("$$", "\\frac", "\\(", "\\)", "\\[", "\\begin{")
INLINE_TEX = re.compile(r"\$[^$\s][^$]{0,80}?\$")  # $a_A = a_B = 0$ left as text (MathJax typesets real math)

# In the browser: MathJax finished, lazy images forced to load and awaited.
SETTLE = """async () => {
  document.querySelectorAll('img[loading="lazy"]').forEach(i => { i.loading = "eager"; });
  await Promise.all([...document.images].map(i => i.complete ? null
                     : new Promise(done => { i.addEventListener("load", done); i.addEventListener("error", done); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
}"""
# Text a reader sees in the article, without code, scripts and typeset math.
VISIBLE_TEXT = """() => {
  const copy = document.querySelector("article").cloneNode(true);
  copy.querySelectorAll("pre, code, script, style, mjx-container, .MathJax").forEach(e => e.remove());
  return copy.textContent;
}"""
# Math elements Sphinx wrote (span.math / div.math) that MathJax did not replace with an mjx-container.
UNTYPESET = """() => [...document.querySelectorAll("article .math")]
  .filter(e => !e.querySelector("mjx-container")).map(e => e.textContent.slice(0, 60))"""
# Rows of the tables under the "Paper vs this run" heading of a section page.
COMPARISON_ROWS = r"""() => [...document.querySelectorAll("article section")]
  .filter(s => /^(\d+(\.\d+)*\.?\s*)?paper vs this run/i
    .test((s.querySelector("h1, h2, h3")?.textContent || "").trim()))
  .flatMap(s => [...s.querySelectorAll("table tbody tr")]).length"""


# Tables of the article wider than the article with no scrolling box around them (a reader cannot reach their
# right-hand columns), and cells that show a missing value.
OVERFLOWING_TABLES = """() => {
  const article = document.querySelector("article");
  const scrolls = e => { for (let a = e.parentElement; a && a !== article.parentElement; a = a.parentElement) {
    if (["auto", "scroll"].includes(getComputedStyle(a).overflowX)) return true; } return false; };
  return [...article.querySelectorAll("table")]
    .filter(t => t.getBoundingClientRect().right > article.getBoundingClientRect().right + 1 && !scrolls(t))
    .map(t => (t.querySelector("caption, th")?.textContent || t.textContent).trim().slice(0, 50));
}"""
# Every kernel-free explorer (lib.explorer): move its slider to another position; did its picture change?
EXPLORERS_RESPOND = """() => [...document.querySelectorAll(".nw-explorer")].map(e => {
  const r = e.querySelector("input[type=range]"), i = e.querySelector("img"), before = i.src;
  r.value = r.value === r.max ? r.min : r.max;
  r.dispatchEvent(new Event("input"));
  return [e.id, i.src !== before];
})"""
MISSING_CELLS = """() => [...document.querySelectorAll("article td")].map(td => td.textContent.trim())
  .filter(t => ["nan", "NaN", "None", "<NA>", "NaT"].includes(t))"""


def page_ids(path: Path, cache: dict) -> set[str]:
    """The id attributes of a built HTML file."""
    if path not in cache:
        cache[path] = set(re.findall(r'\bid="([^"]+)"', path.read_text(errors="replace")))
    return cache[path]


def broken_link(href: str, page_url: str, site: str, root: Path, cache: dict) -> str | None:
    """Why a link inside the site does not resolve (missing file or missing #anchor), else None."""
    url = urllib.parse.urlsplit(urllib.parse.urljoin(page_url, href))
    path = root / urllib.parse.unquote(url.path).lstrip("/")
    if url.path.endswith("/"):
        path = path / "index.html"
    if not path.is_file():
        return f"{href}: no file {path.relative_to(root)}"
    if url.fragment and path.suffix == ".html" and urllib.parse.unquote(url.fragment) not in page_ids(path, cache):
        return f"{href}: no id {url.fragment!r} in {path.relative_to(root)}"
    return None


def low_resolution(page_url: str, src: str, site: str, root: Path) -> str | None:
    """Why a PNG of the site is below the book's resolution (lib.plots.FIGURE_DPI), else None."""
    from PIL import Image

    from lib.plots import FIGURE_DPI

    url = urllib.parse.urlsplit(urllib.parse.urljoin(page_url, src))
    path = root / urllib.parse.unquote(url.path).lstrip("/")
    if not url.geturl().startswith(site) or path.suffix.lower() != ".png" or not path.is_file():
        return None
    with Image.open(path) as image:
        dpi = image.info.get("dpi", (72, 72))[0]
    return f"{src} at {dpi:.0f} dpi (below {FIGURE_DPI})" if dpi < FIGURE_DPI - 0.5 else None


# Every image of the article at lib.plots.VIEWPORT_PX: src, width shown, natural width, and the type size of its
# figure's caption (an image outside a figure, such as an explorer's, is held to the article's first caption).
FIGURE_TEXT = """() => {
  const article = document.querySelector("article");
  const caption = i => i.closest("figure")?.querySelector("figcaption") || article.querySelector("figcaption, p");
  return [...article.querySelectorAll("img")].map(i => [i.getAttribute("src"), i.clientWidth, i.naturalWidth,
                                                        parseFloat(getComputedStyle(caption(i) || article).fontSize)]);
}"""


def image_bytes(page_url: str, src: str, root: Path) -> bytes:
    """The bytes of an image of the site: a data URL's payload or the file it names."""
    if src.startswith("data:"):
        return base64.b64decode(src.split(",", 1)[1])
    url = urllib.parse.urlsplit(urllib.parse.urljoin(page_url, src))
    return (root / urllib.parse.unquote(url.path).lstrip("/")).read_bytes()


def small_text(page_url: str, image: list, root: Path) -> str | None:
    """Why an image of the article shows text below lib.plots.READABLE x its caption's size, else None: the PNG's
    smallest text (lib.plots.MIN_FONT_KEY, image pixels) scaled by its shown over its natural width. An image
    without that key (not drawn by lib.plots.figure_png) fails; one not shown (width 0) is not measured."""
    from PIL import UnidentifiedImageError

    from lib import plots

    src, shown, natural, caption = image
    name = src[:40] + "..." if src.startswith("data:") else src
    if not shown or not natural:
        return None
    try:
        size = plots.min_font_px(image_bytes(page_url, src, root))
    except (OSError, UnidentifiedImageError):
        size = None
    if size is None:
        return f"{name}: no {plots.MIN_FONT_KEY} text in the image (not drawn by lib.plots.figure_png)"
    text = size * shown / natural
    if text < plots.READABLE * caption:
        return (f"{name}: smallest text {text:.1f} px at {plots.VIEWPORT_PX} px wide, below {plots.READABLE} x the "
                f"caption's {caption:.0f} px (image shown at {shown / natural:.2f} of its {natural} px)")
    return None


def test_small_text_fails_a_figure_shown_too_small_or_without_its_text_size(tmp_path):
    """The figure-text check itself (no browser): a book PNG passes at its natural width, fails scaled to half, and
    a PNG saved without lib.plots.figure_png fails whatever its size."""
    import matplotlib.pyplot as plt

    from lib import plots

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1])
    ax.tick_params(labelsize=10)  # 20.8 px at 150 dpi
    (tmp_path / "book.png").write_bytes(plots.figure_png(fig))
    fig.savefig(tmp_path / "plain.png", dpi=plots.FIGURE_DPI)
    plt.close(fig)
    page = "http://127.0.0.1/page.html"
    assert small_text(page, ["book.png", 600, 600, 16.0], tmp_path) is None
    assert "below 0.9 x the caption's 16 px" in small_text(page, ["book.png", 300, 600, 16.0], tmp_path)
    assert "no nodewise:min-font-px" in small_text(page, ["plain.png", 600, 600, 16.0], tmp_path)


def check_page(browser, site: str, root: Path, page_path: str, ids: dict, counts: dict) -> list[str]:
    """Every check on one page; the problems found, each prefixed with the page."""
    page, errors, outside = open_page(browser, f"{site}/{page_path}")
    page.evaluate(SETTLE)
    if page.locator('script[type="application/vnd.jupyter.widget-state+json"]').count():
        page.wait_for_selector(".jupyter-widgets", timeout=15000)  # saved widget state is rendered offline
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the first screen of the page (a full page costs seconds)
    page.screenshot(path=str(SCREENSHOTS / (page_path.replace("/", "_").removesuffix(".html") + ".png")))
    problems = [f"console error: {e}" for e in errors] + [f"request left the machine: {u}" for u in outside]
    images = page.eval_on_selector_all("article img", "is => is.map(i => [i.getAttribute('src'), "
                                                      "i.complete && i.naturalWidth > 0])")
    problems += [f"image not loaded: {src}" for src, loaded in images if not loaded]
    problems += [f"figure {why}" for src, _ in images if (why := low_resolution(page.url, src, site, root))]
    problems += [f"image without alt text: {src}" for src, alt in page.eval_on_selector_all(
        "article figure img", "is => is.map(i => [i.getAttribute('src'), i.getAttribute('alt') || ''])")
        if not alt.strip() or Path(src).stem in alt]
    text = page.evaluate(VISIBLE_TEXT)
    problems += [f"raw TeX {token!r} in the text" for token in RAW_MATH if token in text]
    problems += [f"raw TeX {m!r} in the text" for m in INLINE_TEX.findall(text)]
    problems += [f"math not typeset: {m!r}" for m in page.evaluate(UNTYPESET)]
    problems += [f"a table cell shows {t!r}" for t in page.evaluate(MISSING_CELLS)]
    explorers = page.evaluate(EXPLORERS_RESPOND)
    problems += [f"explorer {name} did not change its picture when its slider moved"
                 for name, changed in explorers if not changed]
    counts["explorers"] += len(explorers)
    if page_path.removeprefix("book/").removesuffix(".html") in SECTIONS and not page.evaluate(COMPARISON_ROWS):
        problems.append("no table under a 'Paper vs this run' heading")
    hrefs = set(page.eval_on_selector_all("a[href]", "as => as.map(a => a.getAttribute('href'))"))
    internal = {h for h in hrefs if h and not h.startswith(("mailto:", "javascript:", "data:"))
                and (urllib.parse.urljoin(page.url, h).startswith(site))}
    problems += [why for h in sorted(internal) if (why := broken_link(h, page.url, site, root, ids))]
    page.set_viewport_size({"width": VIEWPORT_PX, "height": 900})
    problems += [f"figure text too small: {why}" for image in page.evaluate(FIGURE_TEXT)
                 if (why := small_text(page.url, image, root))]
    counts["images"] += len(images)
    counts["links"] += len(internal)
    counts["math"] += page.locator("article mjx-container").count()
    page.close()
    return [f"{page_path}: {p}" for p in problems]


@pytest.mark.browser
def test_every_page_reads_offline_with_images_math_tables_and_working_links(served_book, built_book, browser):
    """Each page of the book: no console error, no request off the machine, every image loaded, every figure's
    text readable at 1400 px (at least 0.9 x its caption's size, lib.plots.READABLE), math typeset,
    the "paper vs this run" table on every section page, every internal link (and #anchor) resolving; one
    screenshot per page under _build/screenshots/."""
    started = time.perf_counter()
    pages = ["index.html", *sorted(str(p.relative_to(built_book)) for p in (built_book / "book").glob("*.html"))]
    assert {f"book/{s}.html" for s in SECTIONS} <= set(pages)
    counts, ids, problems = {"pages": len(pages), "images": 0, "links": 0, "math": 0, "explorers": 0}, {}, []
    for page_path in pages:
        problems += check_page(browser, served_book, built_book, page_path, ids, counts)
    counts["seconds"] = round(time.perf_counter() - started, 1)
    (SCREENSHOTS / "counts.json").write_text(json.dumps(counts, indent=2) + "\n")
    print(f"browser: {counts['pages']} pages, {counts['images']} images, {counts['math']} typeset formulas, "
          f"{counts['links']} internal links checked in {counts['seconds']} s; screenshots in {SCREENSHOTS}")
    assert not problems, "\n".join(problems)
    assert counts["explorers"] >= 1, "the book has no kernel-free explorer left to check"


@pytest.mark.browser
def test_data_chapter_shows_its_figures_with_captions_and_rendered_math(served_book, browser):
    page, errors, _ = open_page(browser, f"{served_book}/book/data.html")
    page.wait_for_selector("mjx-container", timeout=15000)
    figures = page.locator("figure")
    captions = " ".join(figures.locator("figcaption").all_inner_texts())
    assert figures.count() >= 4
    assert "thesis Fig. 3.1" in captions and "thesis Fig. 3.2" in captions
    assert all(img.evaluate("i => i.naturalWidth > 0") for img in page.locator("figure img").all())
    assert "Paper vs this run" in page.inner_text("article")


@pytest.mark.browser
def test_make_pdf_prints_every_page_with_its_figures(built_book, tmp_path):
    """The PDF of the smoke book (scripts/book_pdf.py, `make pdf`): at least a page per book page, and at least as
    many embedded images as the HTML pages show figures. Run as its own process, as `make pdf` runs it (the
    browser fixture's Playwright loop would refuse a second one in this process)."""
    from bs4 import BeautifulSoup
    from pypdf import PdfReader

    from scripts import book_pdf

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    root = built_book.parent.parent
    out = tmp_path / "book.pdf"
    made = subprocess.run([sys.executable, "-m", "scripts.book_pdf", "--html", str(built_book),
                           "--toc", str(root / "_toc.yml"), "--output", str(out)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=900)
    assert made.returncode == 0, made.stderr[-3000:]
    pages = book_pdf.page_order(root / "_toc.yml")
    figures = sum(len(BeautifulSoup((built_book / p).read_text(errors="replace"), "html.parser")
                      .select("article figure img")) for p in pages)
    reader = PdfReader(out)
    images = sum(len(page.images) for page in reader.pages)
    assert len(reader.pages) >= len(pages) and figures > 0
    assert images >= figures, f"{images} images in the PDF, {figures} figures in the HTML"


@pytest.mark.browser
def test_make_screenshots_saves_a_page_at_the_phone_width(built_book, tmp_path):
    """scripts/book_screenshots.py (`make screenshots`): a full-page PNG of the page at the asked width."""
    from PIL import Image

    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    made = subprocess.run([sys.executable, "-m", "scripts.book_screenshots", "--html", str(built_book),
                           "--output", str(tmp_path), "--widths", "400", "book/data.html"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-3000:]
    with Image.open(tmp_path / "book-data-400.png") as shot:
        assert shot.width == 400 and shot.height > 900  # the whole page, longer than one screen


@pytest.mark.browser
def test_tables_scroll_rather_than_overflow_on_a_phone(served_book, browser):
    """At 400 px every table fits the article or sits in a box that scrolls sideways (none is clipped), and no
    page is wider than the phone (nothing to scroll sideways but those boxes)."""
    problems = []
    for section in SECTIONS:
        page = browser.new_page(viewport={"width": 400, "height": 800})
        page.goto(f"{served_book}/book/{section}.html", wait_until="networkidle")
        problems += [f"{section}: table {t!r} overflows the page" for t in page.evaluate(OVERFLOWING_TABLES)]
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        problems += [f"{section}: the page is {wide} px wide at 400 px"] if wide > 400 else []
        page.close()
    assert not problems, "\n".join(problems)


def test_every_rendered_table_is_in_the_book_style_and_the_search_index_has_no_tex(built_book):
    """Issue #29's one table style, read from the built pages: no six-decimal float, inf, None, nan or "..."
    truncation in any table; and no TeX (commands as words, formulas in titles) in the search index."""
    from scripts.book_reading import search_index_problems, table_problems

    pages = [built_book / "index.html", *sorted((built_book / "book").glob("*.html"))]
    problems = [f"{page.relative_to(built_book)}: {why}" for page in pages
                for why in table_problems(page.read_text(errors="replace"))]
    problems += search_index_problems((built_book / "searchindex.js").read_text())
    assert not problems, "\n".join(problems)


def claim_table_problems(browser, url: str, name: str) -> list[str]:
    """Issue #29's claim table read as a reader would: at 1400 px every verdict badge inside the article column
    and no table that needs sideways scrolling; in print (A4) every column and note showing; on a 400 px phone no
    page wider than the screen and each claim card's badge within its first 100 px."""
    from scripts.book_reading import CARD_BADGES, CLAIM_BADGES, PRINT_HIDDEN, SIDEWAYS

    problems = []
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(url, wait_until="networkidle")
    outside = [x for table in page.evaluate(CLAIM_BADGES) for x in table["rows"] if x > 0]
    if outside:
        problems.append(f"{len(outside)} verdict badges outside the column at 1400 px (by up to {max(outside)} px)")
    problems += [f"table {t!r} needs sideways scrolling at 1400 px" for t in page.evaluate(SIDEWAYS)]
    page.set_viewport_size({"width": 794, "height": 1123})
    page.emulate_media(media="print")
    page.evaluate("() => window.nodewiseOpenForPrint && window.nodewiseOpenForPrint()")
    printed = page.evaluate(PRINT_HIDDEN)
    problems += [f"in print the column {c!r} does not show" for c in printed["hidden_columns"]]
    problems += [f"in print {printed['hidden_notes']} claims' notes do not show"] if printed["hidden_notes"] else []
    page.close()
    phone = browser.new_page(viewport={"width": 400, "height": 800})
    phone.goto(url, wait_until="networkidle")
    wide = phone.evaluate("() => document.documentElement.scrollWidth")
    problems += [f"the page is {wide} px wide on a 400 px phone"] if wide > 400 else []
    cards = phone.evaluate(CARD_BADGES)
    late = [offset for offset, seen in cards if offset > 100 or not seen]
    problems += [f"{len(late)} of {len(cards)} claim cards show their badge below 100 px or off screen"] if late else []
    phone.close()
    return [f"{name}: {p}" for p in problems]


@pytest.mark.browser
def test_claim_tables_read_at_a_glance_on_a_desktop_in_print_and_on_a_phone(served_book, browser):
    problems, rows = [], 0
    for name in [*SECTIONS, "scorecard"]:
        problems += claim_table_problems(browser, f"{served_book}/book/{name}.html", name)
    page = browser.new_page()
    page.goto(f"{served_book}/book/jump_detection.html", wait_until="networkidle")
    rows = page.locator("article table.nw-claims tr.nw-claim-row").count()
    page.close()
    assert rows > 0, "the jump-detection chapter has no claim table"
    assert not problems, "\n".join(problems)


def book_pages(built_book: Path) -> list[str]:
    """Every page of the built book, the root first, as paths under the site."""
    return ["index.html", *sorted(str(p.relative_to(built_book)) for p in (built_book / "book").glob("*.html"))]


def phone_small_figures(page, root: Path) -> list[str]:
    """Images of a page open at 400 px whose smallest text shows below lib.plots.PHONE_TEXT_PX (half a pixel of
    rounding allowed): the PNG's recorded text size scaled by the width it is shown at."""
    from lib import plots
    from scripts.book_reading import IMAGES_SHOWN

    small = []
    for src, shown, natural in page.evaluate(IMAGES_SHOWN):
        size = plots.min_font_px(image_bytes(page.url, src, root)) if shown and natural else None
        if size is not None and size * shown / natural < plots.PHONE_TEXT_PX - 0.5:
            name = src[:40] + "..." if src.startswith("data:") else src
            small.append(f"{name}: smallest text {size * shown / natural:.1f} px on a 400 px phone")
    return small


def page_reading_problems(browser, site: str, root: Path, page_path: str) -> list[str]:
    """Issue #29 on one page, any page: at 1400 and 1920 px no table needing sideways scrolling; in dark mode no
    table or caption text below WCAG AA contrast (4.5:1); on a 400 px phone no page wider than the screen and no
    figure whose smallest text shows below lib.plots.PHONE_TEXT_PX."""
    from scripts.book_pdf import SETTLE
    from scripts.book_reading import LOW_CONTRAST, SIDEWAYS

    problems = []
    for width in (1400, 1920):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(f"{site}/{page_path}", wait_until="networkidle")
        problems += [f"table {t!r} needs sideways scrolling at {width} px" for t in page.evaluate(SIDEWAYS)]
        if width == 1400:
            page.evaluate("() => { document.documentElement.dataset.theme = 'dark'; }")
            problems += [f"dark mode: contrast {r} in {e} {t!r}" for r, e, t in page.evaluate(LOW_CONTRAST)[:5]]
        page.close()
    phone = browser.new_page(viewport={"width": 400, "height": 800})
    phone.goto(f"{site}/{page_path}", wait_until="networkidle")
    phone.evaluate(SETTLE)
    wide = phone.evaluate("() => document.documentElement.scrollWidth")
    problems += [f"the page is {wide} px wide on a 400 px phone"] if wide > 400 else []
    problems += phone_small_figures(phone, root)
    phone.close()
    return [f"{page_path}: {p}" for p in problems]


@pytest.mark.browser
def test_every_page_reads_on_a_desktop_in_dark_mode_and_on_a_phone(served_book, built_book, browser):
    problems = []
    for page_path in book_pages(built_book):
        problems += page_reading_problems(browser, served_book, built_book, page_path)
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_the_page_reading_checks_fail_a_wide_page_a_light_panel_in_dark_mode_and_a_shrunk_figure(browser,
                                                                                               tmp_path):
    """page_reading_problems itself, on a page made to fail each check: a table wider than the article with no
    scrolling box, a caption in light text on a light panel in dark mode, a column-wide book PNG shown 100 px
    wide on a phone, and a block wider than the phone; a page without them passes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from lib import plots

    for name, size in (("figure.png", (6.4, 3.0)), ("small.png", (2.0, 1.5))):
        fig, ax = plt.subplots(figsize=size)
        ax.plot([0, 1], [0, 1])
        (tmp_path / name).write_bytes(plots.figure_png(fig))
        plt.close(fig)
    cells = "".join(f"<td>{'wide cell ' * 3}{k}</td>" for k in range(30))
    (tmp_path / "bad.html").write_text(
        '<html><body style="margin:0"><article style="width:300px">'
        f'<table><caption>Book Table 1 too wide</caption><tr>{cells}</tr></table>'
        '<p class="table-caption" style="background:#eee;color:#ddd">Book Table 2 a light panel</p>'
        '<figure><img src="figure.png" style="width:100px"><figcaption>Book Fig. 1</figcaption></figure>'
        '<div style="width:900px">a block wider than a phone</div></article></body></html>')
    (tmp_path / "good.html").write_text('<html><body><article><table><caption>Book Table 1</caption><tr><td>1'
                                        '</td></tr></table><figure><img src="small.png">'
                                        '</figure></article></body></html>')
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        bad = page_reading_problems(browser, site, tmp_path, "bad.html")
        good = page_reading_problems(browser, site, tmp_path, "good.html")
    finally:
        server.shutdown()
    assert good == []
    assert any("needs sideways scrolling at 1400 px" in p for p in bad)
    assert any("dark mode: contrast" in p and "a light panel" in p for p in bad)
    assert any("px wide on a 400 px phone" in p for p in bad)
    assert any("figure.png: smallest text" in p for p in bad)


@pytest.mark.browser
def test_search_snippets_read_formulas_as_text(served_book, browser):
    """Sphinx builds a search result's snippet from the page's HTML, where a formula is TeX; _static/nodewise.js
    makes it plain text."""
    page = browser.new_page()
    page.goto(f"{served_book}/search.html?q=jump", wait_until="networkidle")
    snippet = page.evaluate("h => Search.htmlToText(h)",
                            '<div role="main"><p>The jump at <span class="math notranslate">\\(\\mathbf{t}_0\\)'
                            '</span> moves.</p></div>')
    page.close()
    assert "\\" not in snippet and "mathbf" not in snippet and "t₀" in snippet
