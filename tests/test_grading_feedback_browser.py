"""A feedback page cannot attack the instructor who opens it: in Debian's Chromium (driven by Playwright, as
``tests/site`` does), the page of a notebook that printed and displayed ``<script>`` and an ``onerror``
image runs nothing. Two control pages show that the test can fail and that each defence holds alone: the
same outputs exported without sanitizing and without the Content-Security-Policy do run, and with the policy
alone they do not.
"""

from __future__ import annotations

import json
import re

import pytest
from course import ROOT
from test_grading_hostile import FIXTURE, LIMITS, solution, with_cell

MALLORY = "mallory<img src=x onerror=\"document.title='pwned-name'\">"  # a folder name is the student id too
ATTACK = ("<script>document.title = 'pwned-script'</script>"
          "<img src=x onerror=\"document.title = 'pwned-onerror'\">")


@pytest.fixture(scope="module")
def browser():
    import importlib.util
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "site"))  # the site tests' conftest: the same Chromium, same flags
    spec = importlib.util.spec_from_file_location("site_conftest", ROOT / "tests" / "site" / "conftest.py")
    site = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(site)
    chromium_path, CHROMIUM_FLAGS = site.chromium_path, site.CHROMIUM_FLAGS

    executable = chromium_path()
    if executable is None:
        pytest.fail("no Chromium: apt-get install chromium (or set L2COURSE_CHROMIUM)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def ran(browser, path) -> str:
    """The page's title after it has loaded and its broken image has failed (an attack sets the title)."""
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        page.wait_for_timeout(300)
        return page.title()
    finally:
        page.close()


@pytest.fixture(scope="module")
def feedback_page(tmp_path_factory):
    from l2course.grading.core import grade
    from l2course.grading.sandbox import Limits

    base = tmp_path_factory.mktemp("xss")
    (base / "subs" / MALLORY).mkdir(parents=True)
    cell = ("from IPython.display import HTML, display\n"
            f"display(HTML({ATTACK!r}))\n"
            f"display({{'text/markdown': {ATTACK!r}, 'image/svg+xml': '<svg><script>document.title=1</script></svg>'}},"
            " raw=True)\n"
            f"print({ATTACK!r})\nanswer_q3 = 'b'\n")
    (base / "subs" / MALLORY / "fx.ipynb").write_text(json.dumps(with_cell(solution(), "p3_answer", cell)))
    rows = grade(str(FIXTURE), base / "subs", base / "out", jobs=1, limits=Limits(**LIMITS), course_root=ROOT,
                 quiet=True)
    assert rows[0].status == "ok", rows[0].reason
    from l2course.grading.report import feedback_names

    return base / "out" / "feedback" / feedback_names(rows)[MALLORY]


def raw_page(path, csp: bool) -> None:
    """The attack's outputs exported the way nbconvert does by default (no sanitizing)."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbformat.v4 import new_code_cell, new_notebook

    from l2course.grading.report import with_csp

    cell = new_code_cell("x")
    cell.outputs = [nbformat.from_dict({"output_type": "display_data", "metadata": {},
                                        "data": {"text/html": ATTACK}})]
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(new_notebook(cells=[cell]))
    path.write_text(with_csp(body) if csp else body, encoding="utf-8")


def test_feedback_page_runs_nothing_the_student_printed(browser, feedback_page, tmp_path):
    text = feedback_page.read_text(encoding="utf-8")
    assert "Content-Security-Policy" in text and "script-src 'none'" in text
    assert "<script>document.title" not in text, "no script the student wrote is a tag"
    assert not re.search(r"<img[^>]*onerror", text), "no image tag with a handler"
    assert "&lt;script&gt;document.title" in text, "what the student printed is shown, as text"
    assert not ran(browser, feedback_page).startswith("pwned")

    unsafe, policy_only = tmp_path / "unsafe.html", tmp_path / "policy_only.html"
    raw_page(unsafe, csp=False)
    raw_page(policy_only, csp=True)
    assert ran(browser, unsafe).startswith("pwned"), "control: an unsanitized page without the policy runs it"
    assert not ran(browser, policy_only).startswith("pwned"), "the policy alone stops it"


def test_summary_page_carries_the_policy(feedback_page):
    summary = (feedback_page.parent.parent / "summary.html").read_text(encoding="utf-8")
    assert summary.index("Content-Security-Policy") < summary.index("<title>")
