"""Full-page screenshots of the built book as a reader sees it, at a desktop and a phone width (`make screenshots`).

Every page of `_toc.yml` (or those named) is served from the HTML build on a local port, settled as for the PDF
(images loaded, MathJax typeset) and saved as _build/screenshots/<page>-<width>.png, to compare builds by eye.

    python -m scripts.book_screenshots [--html _build/html] [--widths 1400,400] [page ...]
"""

import argparse
import http.server
import sys
import threading
from functools import partial
from pathlib import Path

from lib.paths import REPO_ROOT
from scripts.book_pdf import SETTLE, QuietHandler, chromium_path, page_order


def shot_name(page: str, width: int) -> str:
    """book/jump_detection.html at 400 px → book-jump_detection-400.png."""
    return f"{page.removesuffix('.html').replace('/', '-')}-{width}.png"


def screenshots(html: Path, pages: list[str], widths: list[int], out: Path) -> list[Path]:
    """Each page at each width, full height, into `out`; the files written."""
    from playwright.sync_api import sync_playwright

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site, written = f"http://127.0.0.1:{server.server_address[1]}", []
    out.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=["--headless", "--no-sandbox",
                                                                                "--disable-gpu"])
            for name in pages:
                for width in widths:
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    page.goto(f"{site}/{name}", wait_until="networkidle")
                    page.evaluate(SETTLE)
                    written.append(out / shot_name(name, width))
                    page.screenshot(path=str(written[-1]), full_page=True)
                    page.close()
            browser.close()
    finally:
        server.shutdown()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=REPO_ROOT / "_build" / "html", help="the HTML build")
    parser.add_argument("--toc", type=Path, default=REPO_ROOT / "_toc.yml", help="the book's table of contents")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "_build" / "screenshots", help="the folder")
    parser.add_argument("--widths", default="1400,400", help="viewport widths in px, comma-separated")
    parser.add_argument("pages", nargs="*", help="pages such as book/jump_detection.html (default: every page)")
    args = parser.parse_args(argv)
    pages = args.pages or page_order(args.toc)
    missing = [p for p in pages if not (args.html / p).is_file()]
    if missing:
        print(f"not in the HTML build {args.html}: {', '.join(missing)}; run make book first", file=sys.stderr)
        return 2
    written = screenshots(args.html, pages, [int(w) for w in args.widths.split(",")], args.output)
    print(f"{len(written)} screenshots in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
