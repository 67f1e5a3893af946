"""Print the single-page build of the course to one PDF with the system Chromium (``make pdf``).

The page is served on loopback and opened in Debian's Chromium through Playwright (the same browser the site
tests drive; nothing is downloaded, and any request leaving the machine is refused). The PDF is printed only
once MathJax has typeset every formula and every image has loaded; the collapsed code checks are opened so
the printed page shows them. Page layout (A4, page breaks before each chapter, no navigation) is in the print
rules of ``_static/course.css``.

Usage: ``python tools/print_pdf.py _build/singlehtml/intro.html _build/pdf/l2-loss.pdf``
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import shutil
import sys
import threading
import time
from pathlib import Path

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
FOOTER = (
    '<div style="font-size: 8px; width: 100%; text-align: center; color: #555;">'
    '<span class="title"></span> · <span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def chromium() -> str:
    for candidate in (os.environ.get("L2COURSE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    sys.exit("make pdf needs Chromium: install Debian's `chromium` package (as .ci/run does)")


def print_pdf(page_file: Path, out: Path) -> dict:
    """Print ``page_file`` (an HTML file of a build folder) to ``out``; returns what it waited for."""
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(page_file.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    refused: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1000, "height": 1400})

            def route(request_route):
                if request_route.request.url.startswith((base, "data:")):
                    request_route.continue_()
                else:
                    refused.append(request_route.request.url)
                    request_route.abort()

            page.route("**/*", route)
            page.goto(f"{base}/{page_file.name}", wait_until="load", timeout=120_000)
            began = time.perf_counter()
            page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise",
                                   timeout=60_000)
            page.evaluate("() => MathJax.startup.promise")
            formulas = page.evaluate("() => document.querySelectorAll('mjx-container').length")
            untypeset = page.evaluate(
                "() => [...document.querySelectorAll('.math')].filter(e => !e.querySelector('mjx-container')).length"
            )
            if untypeset:
                raise RuntimeError(f"{untypeset} formulas were not typeset by MathJax")
            page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
            page.wait_for_function("() => [...document.images].every(img => img.complete)", timeout=60_000)
            page.emulate_media(media="print")
            out.parent.mkdir(parents=True, exist_ok=True)
            page.pdf(
                path=str(out),
                format="A4",
                print_background=True,
                margin={"top": "18mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
                display_header_footer=True,
                header_template="<span></span>",
                footer_template=FOOTER,
            )
            browser.close()
    finally:
        server.shutdown()
    if refused:
        raise RuntimeError(f"the page tried to reach the network: {sorted(set(refused))[:3]}")
    return {"formulas": formulas, "typeset_seconds": round(time.perf_counter() - began, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="the single-page HTML build (e.g. _build/singlehtml/intro.html)")
    parser.add_argument("out", type=Path, help="the PDF to write")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        parser.error(f"{args.page} does not exist: build it first (make pdf does)")
    facts = print_pdf(args.page.resolve(), args.out)
    size = args.out.stat().st_size / 1e6
    print(f"wrote {args.out} ({size:.1f} MB; {facts['formulas']} formulas typeset in {facts['typeset_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
