"""Every section notebook run with the smoke profile, re-run by nbval, built into a strict book, read in Chromium.

One module on purpose: with `pytest -n 2 --dist loadscope` it stays on one worker, so the notebooks are executed
once (two at a time, through `python -m lib.runner`) and the same executed copies feed nbval, the strict book build
and the browser.
"""

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from lib import runner
from lib.paths import REPO_ROOT

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
    for name in ("_config.yml", "_toc.yml"):
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
    assert {"section", "profile", "parameters", "paper", "measured", "environment", "elapsed_s"} <= set(record)
    assert record["section"] == section and record["profile"] == "smoke"
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


@pytest.fixture(scope="module")
def served_book(built_book):
    """The built book on a local http.server (browsers treat file:// pages differently)."""
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(built_book))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
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


@pytest.mark.browser
@pytest.mark.parametrize("page_path", ["index.html", *[f"book/{s}.html" for s in SECTIONS]])
def test_pages_load_offline_without_errors(served_book, browser, page_path, tmp_path):
    page, errors, outside = open_page(browser, f"{served_book}/{page_path}")
    page.screenshot(path=str(tmp_path / "page.png"), full_page=False)
    assert not errors, errors
    assert not outside, f"requests left the machine: {outside}"
    assert page.locator("article").count() >= 1
    broken = [img.get_attribute("src") for img in page.locator("article img").all()
              if not img.evaluate("i => i.complete && i.naturalWidth > 0")]
    assert not broken, f"images that did not load: {broken}"
    if page.locator('script[type="application/vnd.jupyter.widget-state+json"]').count():
        page.wait_for_selector(".jupyter-widgets", timeout=15000)  # saved widget state is rendered offline


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
