"""Run the whole test suite in stages, time each stage, and stop at the first failing one.

``make test`` calls this after creating the virtual environment. Each notebook is executed exactly once:
by nbval, which checks that the stored outputs are what the code produces; the book build then renders those
stored outputs (math served from the site, no network), ``make pdf`` prints the single-page build of the same
outputs, and the browser tests read that site and check the PDF (``tests/site/test_pdf.py``, which must find
it). Stage timings go to ``_build/test-timings.json`` (read by ``benchmarks/bench.py``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
MAKE = os.environ.get("MAKE", "make")

STAGES = [
    ("lint", [str(BIN / "ruff"), "check", "."]),
    (
        "pytest: package, properties, doctests, nbval, exercise sync, grading",
        [
            str(BIN / "pytest"), "l2course", "tests", "chapters", "solutions", "--ignore=tests/site",
            "--nbval", "--nbval-current-env", "--sanitize-with", "tests/sanitize.cfg",
            "-n", str(min(2, os.cpu_count() or 1)), "--dist", "loadfile", "--durations=15",
        ],
    ),
    ("book build (stored outputs)", [MAKE, "--no-print-directory", "book-render"]),
    ("PDF edition (single-page build printed by Chromium)", [MAKE, "--no-print-directory", "pdf"]),
    ("browser tests of every page, accessibility, the PDF", [MAKE, "--no-print-directory", "site-test"]),
]


def main() -> int:
    timings: dict[str, float] = {}
    status = 0
    start = time.perf_counter()
    for name, command in STAGES:
        print(f"\n=== {name}", flush=True)
        began = time.perf_counter()
        status = subprocess.call(command, cwd=ROOT, env={**os.environ, "L2COURSE_REQUIRE_PDF": "1"})
        timings[name] = round(time.perf_counter() - began, 1)
        if status != 0:
            print(f"\n=== FAILED: {name} (exit {status})", flush=True)
            break
    total = time.perf_counter() - start
    out = ROOT / "_build" / "test-timings.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"stages": timings, "total": round(total, 1), "passed": status == 0}, indent=2))
    print("\n=== make test stage timings")
    for name, seconds in timings.items():
        print(f"{seconds:8.1f} s  {name}")
    print(f"{total:8.1f} s  total ({'passed' if status == 0 else 'FAILED'})")
    return status


if __name__ == "__main__":
    sys.exit(main())
