"""Layout as a reader sees it at the default viewport (1280 x 900): nothing to scroll sideways, nothing clipped.

- no visible code cell of a chapter page scrolls horizontally;
- a display formula wider than the column is never clipped: its box scrolls (``overflow-x: auto``).
"""

from __future__ import annotations

import pytest
from browsing import CLIPPED_MATH, block_external, wait_for_math
from test_site import PAGES

CHAPTER_PAGES = [name for name in PAGES if name.startswith("chapters/")]

@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_no_visible_code_cell_scrolls_sideways(name, page_facts):
    facts = page_facts(name)
    assert facts["visible_code"] > 0, f"{name} shows no code cell"
    scrolling = facts["scrolling_code"]
    assert not scrolling, f"{len(scrolling)} code cells scroll sideways on {name}, e.g. {scrolling[:2]}"


@pytest.mark.parametrize("name", PAGES)
def test_wide_display_math_scrolls_instead_of_being_clipped(name, page_facts):
    clipped = page_facts(name)["clipped_math"]
    assert not clipped, f"display formulas clipped on {name}: {clipped[:2]}"


def test_the_clipping_check_sees_a_clipped_formula(page, base_url):
    """The math check on chapter 4 with the course's CSS undone: the Huber derivative is clipped again."""
    block_external(page, base_url, [])
    page.set_viewport_size({"width": 700, "height": 900})  # narrow enough that a display overflows
    page.goto(f"{base_url}/chapters/04_l2_vs_l1.html", wait_until="load")
    wait_for_math(page)
    assert page.evaluate(CLIPPED_MATH) == [], "with the course CSS nothing is clipped"
    page.add_style_tag(
        content="div.math, div.math mjx-container[display='true'] { overflow-x: hidden !important; }"
    )
    assert page.evaluate(CLIPPED_MATH), "with overflow hidden, the check reports the clipped formula"
