"""The built website as a reader meets it, checked in a real browser with no network.

Every page of the table of contents: no console errors (each a first load, with no saved theme mode),
every formula typeset by MathJax (no raw TeX left), every image loaded and described, headings in order,
no request leaving the machine, and a full-page screenshot saved for people to look at. Plus: internal
links and anchors resolve, search works, the exercise/solution toggles open, the dark-mode switch works,
and no page is heavier than 3 MB.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
import yaml
from browsing import block_external, wait_for_math  # noqa: F401 (used by other test files too)
from sitepaths import ROOT

MAX_PAGE_BYTES = 3 * 1024 * 1024


def toc_pages() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    pages = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            pages.append(chapter["file"])
            pages += [section["file"] for section in chapter.get("sections", [])]
    return [re.sub(r"\.(md|ipynb)$", "", p) for p in pages]


PAGES = toc_pages()


class _Collector(HTMLParser):
    """Ids, links and image sources of one HTML page."""

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.images = set(), [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])


def parse(path: Path) -> _Collector:
    collector = _Collector()
    collector.feed(path.read_text(encoding="utf-8"))
    return collector


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_offline(name, page_facts):
    # A first load in a fresh browser context (no saved theme mode, no cache); see browsing.visit.
    facts = page_facts(name)
    assert facts["math_loaded"], f"{name} has formulas but does not load MathJax"
    assert not facts["raw_math"], f"formulas left untypeset on {name}: {facts['raw_math'][:3]}"
    assert facts["leftover_tex"] == 0, f"raw TeX delimiters visible on {name}"

    images = facts["images"]
    broken = [img["src"][:80] for img in images if not img["loaded"]]
    assert not broken, f"images that did not load on {name}: {broken}"
    undescribed = [img["src"][:80] for img in images if not img["alt"]]
    assert not undescribed, f"images without alt text on {name}: {undescribed}"
    assert facts["uncaptioned"] == 0, f"{facts['uncaptioned']} figure(s) without a caption on {name}"

    levels = facts["headings"]
    assert levels and levels[0] == 1 and levels.count(1) == 1, f"{name} needs exactly one h1 first: {levels}"
    jumps = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert not jumps, f"heading levels skip on {name}: {jumps}"

    assert not facts["console_errors"], f"console errors on {name}: {facts['console_errors'][:3]}"
    assert not facts["network_attempts"], f"{name} tried to reach the network: {facts['network_attempts'][:3]}"


@pytest.mark.parametrize("name", PAGES)
def test_page_weight(name, site):
    html = site / f"{name}.html"
    parsed = parse(html)
    total = html.stat().st_size
    for src in parsed.images:
        if not src.startswith(("http:", "https:", "data:")):
            total += (html.parent / unquote(urlparse(src).path)).stat().st_size
    assert total < MAX_PAGE_BYTES, f"{name} weighs {total / 1e6:.2f} MB with its images (limit 3 MB)"


def test_internal_links_and_anchors_resolve(site):
    pages = {p: parse(p) for p in site.rglob("*.html") if "_static" not in p.parts}
    broken = []
    for path, parsed in pages.items():
        for href in parsed.links:
            if re.match(r"^(https?:|mailto:|javascript:|data:)", href):
                continue
            target, fragment = urldefrag(href)
            target_path = (path.parent / unquote(target)).resolve() if target else path
            if target_path.is_dir():
                target_path = target_path / "index.html"
            if not target_path.exists():
                broken.append(f"{path.relative_to(site)} -> {href}")
            elif fragment and target_path.suffix == ".html":
                ids = pages[target_path].ids if target_path in pages else parse(target_path).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{path.relative_to(site)} -> {href} (no such anchor)")
    assert not broken, f"{len(broken)} broken internal links, e.g. {broken[:5]}"


def search_results(page, base_url, query):
    page.goto(f"{base_url}/search.html?q={query}", wait_until="load")
    page.wait_for_selector("#search-results ul.search li, #search-results p", timeout=20_000)
    page.wait_for_function(
        "() => !document.querySelector('#search-progress') "
        "|| document.querySelector('#search-progress').textContent.trim() !== ''",
        timeout=20_000,
    )
    return page.evaluate(
        "() => [...document.querySelectorAll('#search-results ul.search li a')].map(a => a.getAttribute('href'))"
    )


def test_search_finds_the_chapters(page, base_url):
    assert any("01_what_is_l2_loss" in href for href in search_results(page, base_url, "residual"))
    if any(p.startswith("chapters/05") for p in PAGES):
        hits = search_results(page, base_url, "ridge")
        assert any("chapters/05" in href for href in hits), f"'ridge' does not lead to chapter 5: {hits[:5]}"


def test_solution_toggles_open_on_click(page, base_url):
    page.goto(f"{base_url}/chapters/01_what_is_l2_loss.html", wait_until="load")
    solution = page.locator("div.solution.dropdown").first
    assert solution.count() == 1, "chapter 1 has no solution dropdown"
    content = solution.locator(":scope > section, :scope > :not(.admonition-title)").first
    page.wait_for_function("() => document.querySelector('div.solution.dropdown button.toggle-button')")
    assert not content.is_visible(), "solutions start hidden"
    solution.locator("button.toggle-button").click()
    content.wait_for(state="visible", timeout=5_000)
    assert content.is_visible() and content.inner_text().strip(), "clicking the toggle reveals the solution"


def test_dark_mode_switch(page, base_url):
    page.goto(f"{base_url}/intro.html", wait_until="load")
    before = page.evaluate("() => document.documentElement.dataset.theme")
    switch = page.locator("button.theme-switch-button").first
    seen = {before}
    for _ in range(3):
        switch.click()
        seen.add(page.evaluate("() => document.documentElement.dataset.theme"))
    assert "dark" in seen and "light" in seen, f"theme switch cycled through {seen}"
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background, "the page has a background colour in every mode"
