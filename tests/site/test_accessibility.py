"""Accessibility of every page, measured by axe-core: no WCAG 2.0/2.1/2.2 level A or AA violation.

axe-core comes from npm, pinned in ``tests/site/package-lock.json`` (``make site-test`` runs ``npm ci`` here);
it is injected into each page by Playwright after MathJax has typeset the formulas (``browsing.visit``), so
the typeset math is what gets checked. Each page's violations are written to ``_build/axe/<page>.json``.
"""

from __future__ import annotations

import json

import pytest
from browsing import AXE
from sitepaths import SCREENSHOTS
from test_site import PAGES

REPORTS = SCREENSHOTS.parent / "axe"


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_a_or_aa_violation(name, page_facts):
    violations = page_facts(name)["axe"]
    if violations is None:
        pytest.fail(f"{AXE} is missing: run `make site-test` (it runs `npm ci` in tests/site)")
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name.replace('/', '__')}.json").write_text(json.dumps(violations, indent=1))
    summary = [f"{v['rule']} ({len(v['nodes'])}: {v['nodes'][0]['target']})" for v in violations]
    assert not violations, f"{sum(len(v['nodes']) for v in violations)} WCAG A/AA violations on {name}: {summary}"
