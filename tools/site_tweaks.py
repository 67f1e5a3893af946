"""Sphinx extension: page fixes the theme stack does not offer as settings.

- Thebe (live code cells) is not used by this course: no page has a Thebe button and the launch buttons
  go to Binder and Colab. Jupyter Book still loads sphinx-thebe 0.3.1, which writes its configuration script
  twice into every page, so every page load logged "Identifier 'THEBE_JS_URL' has already been declared"
  (and that script names a CDN). Its scripts and stylesheet are dropped from every page.
- Accessibility (axe-core, WCAG 2 A/AA; ``tests/site/test_accessibility.py``), in the page body:

  - myst-nb names every "Show code cell source" toggle "Toggle hidden content" (``aria-label``), so the
    label a reader sees is not its accessible name (WCAG 2.5.3): the ``aria-label`` is dropped and the
    visible label names it;
  - docutils marks bibliography entries ``role="doc-biblioentry"``, a role ARIA 1.3 deprecates, inside a
    ``role="list"`` that then has no list items (WCAG 1.3.1): they become ``role="listitem"``;
  - matplotlib's HTML animation has a frame slider with no label (WCAG 4.1.2): it gets one.

  The theme's own buttons are named by ``_static/course.js``; link contrast is fixed in ``_static/course.css``.
- The single-page build (``make pdf``): sphinx-exercise registers HTML writers for the ``singlehtml``
  builder, so Sphinx looks up every node's writer there and finds none for sphinx-proof's theorems and
  definitions ("unknown node type: definition_node"). The ``html`` writers are used for nodes that have no
  ``singlehtml`` one.
"""

from __future__ import annotations

import re

BODY_FIXES = [
    (re.compile(r'<summary aria-label="Toggle hidden content">'), "<summary>"),
    (re.compile(r'(<div class="citation"[^>]*?) role="doc-biblioentry"'), r'\1 role="listitem"'),
    (
        re.compile(r'(<input id="_anim_slider\w+" type="range")(?![^>]*aria-label)'),
        r'\1 aria-label="Animation frame"',
    ),
]


def fix_body(body: str) -> str:
    """Apply the accessibility fixes to a page body.

    Examples
    --------
    >>> fix_body('<summary aria-label="Toggle hidden content"><p>Show code</p></summary>')
    '<summary><p>Show code</p></summary>'
    >>> fix_body('<div class="citation" id="id2" role="doc-biblioentry">')
    '<div class="citation" id="id2" role="listitem">'
    >>> fix_body('<input id="_anim_slider1a" type="range" class="anim-slider">')
    '<input id="_anim_slider1a" type="range" aria-label="Animation frame" class="anim-slider">'
    """
    for pattern, replacement in BODY_FIXES:
        body = pattern.sub(replacement, body)
    return body


def _is_thebe(asset) -> bool:
    filename = str(getattr(asset, "filename", asset) or "")
    body = str(getattr(asset, "attributes", {}).get("body", "") or "")
    return "sphinx-thebe" in filename or "THEBE_JS_URL" in body


def _fix_page(app, pagename, templatename, context, doctree) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [asset for asset in context[key] if not _is_thebe(asset)]
    if isinstance(context.get("body"), str):
        context["body"] = fix_body(context["body"])


def _singlehtml_uses_html_writers(app) -> None:
    handlers = app.registry.translation_handlers
    if app.builder.name == "singlehtml" and "singlehtml" in handlers:
        for node, writers in handlers.get("html", {}).items():
            handlers["singlehtml"].setdefault(node, writers)


def setup(app) -> dict:
    app.connect("builder-inited", _singlehtml_uses_html_writers)
    app.connect("html-page-context", _fix_page, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
