"""Accessibility of every page, measured by axe-core: no WCAG 2.0/2.1/2.2 level A or AA violation.

axe-core comes from npm, pinned in ``tests/site/package-lock.json`` (``make site-test`` runs ``npm ci`` here);
it is injected into each page by Playwright after MathJax has typeset the formulas, so the typeset math is
what gets checked. Each page's violations are written to ``_build/axe/<page>.json`` for people to read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sitepaths import SCREENSHOTS
from test_site import PAGES, block_external, wait_for_math

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
REPORTS = SCREENSHOTS.parent / "axe"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `make site-test` (it runs `npm ci` in tests/site)")
    return AXE.read_text(encoding="utf-8")


def axe_violations(page, axe_source: str) -> list[dict]:
    page.add_script_tag(content=axe_source)
    result = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""",
        WCAG_A_AA,
    )
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [{"target": n["target"], "html": n["html"][:200]} for n in v["nodes"]],
        }
        for v in result["violations"]
    ]


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_a_or_aa_violation(name, page, base_url, axe_source):
    block_external(page, base_url, [])
    page.goto(f"{base_url}/{name}.html", wait_until="load")
    wait_for_math(page)
    violations = axe_violations(page, axe_source)
    REPORTS.mkdir(parents=True, exist_ok=True)
    (REPORTS / f"{name.replace('/', '__')}.json").write_text(json.dumps(violations, indent=1))
    summary = [f"{v['rule']} ({len(v['nodes'])}: {v['nodes'][0]['target']})" for v in violations]
    assert not violations, f"{sum(len(v['nodes']) for v in violations)} WCAG A/AA violations on {name}: {summary}"
