"""One visit of a page, as a reader's first load, and everything the browser tests check on it.

Each page is loaded once per test session (``page_facts`` in ``conftest.py``) in a fresh browser context
(no saved theme mode, no cache, network blocked), and the facts are shared by the render, accessibility and
layout tests: three page loads per page cost minutes on a 2-core machine.
"""

from __future__ import annotations

from pathlib import Path

from sitepaths import SCREENSHOTS

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]

RAW_MATH = """() => [...document.querySelectorAll('.math')]
    .filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 60))"""
LEFTOVER_TEX = """() => { const main = document.querySelector('article.bd-article').cloneNode(true);
    main.querySelectorAll('pre, code, script, mjx-container, .MathJax').forEach(e => e.remove());
    return (main.innerText.match(/\\\\\\(|\\\\\\)|\\$\\$|\\\\begin\\{/g) || []).length; }"""
IMAGES = """() => [...document.querySelectorAll('article.bd-article img')].map(img => ({
    src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
    alt: (img.getAttribute('alt') || '').trim()}))"""
UNCAPTIONED = """() => [...document.querySelectorAll('article.bd-article figure')]
    .filter(f => !f.querySelector('figcaption')).length"""
HEADINGS = """() => [...document.querySelectorAll('article.bd-article :is(h1, h2, h3, h4, h5, h6)')]
    .map(h => Number(h.tagName[1]))"""
SCROLLING_CODE = """() => [...document.querySelectorAll('article.bd-article div.cell_input pre')]
    .filter(pre => pre.offsetParent !== null && pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => pre.textContent.split('\\n').find(l => l.length > 79) || pre.textContent.slice(0, 60))"""
VISIBLE_CODE = """() => [...document.querySelectorAll('article.bd-article div.cell_input pre')]
    .filter(pre => pre.offsetParent !== null).length"""
CLIPPED_MATH = """() => [...document.querySelectorAll('article.bd-article div.math')]
    .filter(box => {
        const formula = box.querySelector('mjx-container');
        if (!formula) return false;
        const wide = formula.scrollWidth > box.clientWidth + 1 || box.scrollWidth > box.clientWidth + 1;
        const scrolls = [box, formula].some(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX));
        return wide && !scrolls;
    })
    .map(box => box.textContent.slice(0, 60))"""
RUN_AXE = """(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"""


def block_external(page, base_url, attempts):
    """Refuse every request that leaves the local server, recording it in ``attempts``."""

    def route(route):
        if route.request.url.startswith(base_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            attempts.append(route.request.url)
            route.abort()

    page.route("**/*", route)


def wait_for_math(page) -> bool:
    """Wait until MathJax has typeset the page; False when the page has formulas but no MathJax."""
    if page.locator("script[src*='mathjax']").count():
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
        page.evaluate("() => MathJax.startup.promise")
        return True
    return page.locator(".math").count() == 0


def axe_violations(page) -> list[dict] | None:
    """axe-core's WCAG 2 A/AA violations on the page (None when axe-core is not installed)."""
    if not AXE.is_file():
        return None
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    result = page.evaluate(RUN_AXE, WCAG_A_AA)
    return [
        {
            "rule": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [{"target": n["target"], "html": n["html"][:200]} for n in v["nodes"]],
        }
        for v in result["violations"]
    ]


def visit(browser, base_url: str, name: str) -> dict:
    """Load ``name`` once as a first visit at 1280 x 900 and collect every fact the tests check."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
    page = context.new_page()
    console_errors: list[str] = []
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(msg.text))
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    attempts: list[str] = []
    block_external(page, base_url, attempts)
    try:
        page.goto(f"{base_url}/{name}.html", wait_until="load")
        facts = {"math_loaded": wait_for_math(page)}
        for key, script in [
            ("raw_math", RAW_MATH), ("leftover_tex", LEFTOVER_TEX), ("images", IMAGES),
            ("uncaptioned", UNCAPTIONED), ("headings", HEADINGS), ("scrolling_code", SCROLLING_CODE),
            ("visible_code", VISIBLE_CODE), ("clipped_math", CLIPPED_MATH),
        ]:
            facts[key] = page.evaluate(script)
        page.wait_for_timeout(200)  # late scripts (search index, theme) log their errors after "load"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name.replace('/', '__')}.png"), full_page=True)
        facts["console_errors"] = list(console_errors)
        facts["axe"] = axe_violations(page)
        facts["network_attempts"] = sorted(set(attempts))
        return facts
    finally:
        context.close()
