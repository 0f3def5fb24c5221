"""The whole book as one PDF, printed from the built HTML by headless Chromium (`make pdf`).

Every page of `_toc.yml`, in its order, is served from the HTML build on a local port, printed with the browser's
print style (the theme hides its navigation bars there) once MathJax has typeset and every image has loaded, and
the pages are joined into one file. Nothing leaves the machine: the build vendors MathJax and the widget scripts.

    python -m scripts.book_pdf [--html _build/html] [--output _build/nodewise.pdf]
"""

import argparse
import http.server
import io
import re
import shutil
import sys
import threading
from functools import partial
from pathlib import Path

from lib.paths import REPO_ROOT

# In the browser: lazy images loaded and awaited, MathJax finished (the page as a reader sees it).
SETTLE = """async () => {
  document.querySelectorAll('img[loading="lazy"]').forEach(i => { i.loading = "eager"; });
  await Promise.all([...document.images].map(i => i.complete ? null
                     : new Promise(done => { i.addEventListener("load", done); i.addEventListener("error", done); })));
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
}"""
# Before printing, as the browser's own print does (beforeprint, _static/nodewise.js): the claim tables' notes and
# the solutions opened; closed "show code" boxes left closed.
PRINT_SETTLE = SETTLE.removesuffix("}") + """  if (window.nodewiseOpenForPrint) { window.nodewiseOpenForPrint(); }
}"""


def page_order(toc: Path) -> list[str]:
    """The HTML pages of the book in reading order: the root, then every `file:` of _toc.yml."""
    text = toc.read_text()
    root = re.search(r"^root:\s*(\S+)", text, re.M).group(1)
    files = re.findall(r"^\s*-\s*file:\s*(\S+)", text, re.M)
    return [f"{name}.html" for name in [root, *files]]


def chromium_path() -> str:
    """Debian's Chromium (apt-get install chromium), which Playwright drives."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise SystemExit("make pdf needs Chromium: apt-get install chromium")
    return found


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server that does not log every request."""

    def log_message(self, format, *args):
        pass


def print_pages(html: Path, pages: list[str]) -> list[bytes]:
    """Each page printed to PDF (A4) by headless Chromium from a local server of the HTML build."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site = f"http://127.0.0.1:{server.server_address[1]}"
    printed = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=["--headless", "--no-sandbox",
                                                                                "--disable-gpu"])
            for name in pages:
                page = browser.new_page()
                page.goto(f"{site}/{name}", wait_until="networkidle")
                page.evaluate(PRINT_SETTLE)
                page.emulate_media(media="print")
                printed.append(page.pdf(format="A4", print_background=True,
                                        margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"}))
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return printed


def join(documents: list[bytes], output: Path) -> int:
    """Concatenate PDFs into `output`; the number of pages written."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for blob in documents:
        writer.append(PdfReader(io.BytesIO(blob)))
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("wb") as handle:
        writer.write(handle)
    return len(writer.pages)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=REPO_ROOT / "_build" / "html", help="the HTML build")
    parser.add_argument("--toc", type=Path, default=REPO_ROOT / "_toc.yml", help="the book's table of contents")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "_build" / "nodewise.pdf", help="the PDF")
    args = parser.parse_args(argv)
    pages = page_order(args.toc)
    missing = [p for p in pages if not (args.html / p).is_file()]
    if missing:
        print(f"not in the HTML build {args.html}: {', '.join(missing)}; run make book first", file=sys.stderr)
        return 2
    count = join(print_pages(args.html, pages), args.output)
    shutil.copyfile(args.output, args.html / "nodewise.pdf")  # the book's download menu links it from the next build
    print(f"{args.output}: {count} pages from {len(pages)} book pages (also {args.html / 'nodewise.pdf'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
