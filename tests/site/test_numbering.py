"""Per-chapter numbering on the built site: "Theorem 5.3", "Fig. 4.2", "(4.1)", counted within each chapter.

Read from the HTML (no browser). A chapter page's number is its title's section number ("4." or, for a page
listed as a section of a chapter such as 05b, "5.10."); every figure, definition, theorem, exercise and
equation number on it must start with that chapter's number, and over all pages of one chapter (05a and 05b
are chapter 5) each kind is numbered 1, 2, 3, … with no gap and no repeat.
"""

from __future__ import annotations

import re
from collections import defaultdict

from sitepaths import SITE
from test_site import PAGES

TITLE_NUMBER = re.compile(r'<h1>\s*<span class="section-number">(\d+)\.(?:[\d.]*)\s*</span>')
CAPTION = re.compile(r'<span class="caption-number">([A-Z][A-Za-z.]*(?: [A-Za-z]+)*) (\d+(?:\.\d+)*) </span>')
EQUATION = re.compile(r'<span class="eqno">\((\d+(?:\.\d+)*)\)')


def numbered(html: str) -> list[tuple[str, str]]:
    """(kind, number) of every numbered caption and equation of a page, in page order."""
    found = [(m.start(), m.group(1), m.group(2)) for m in CAPTION.finditer(html)]
    found += [(m.start(), "equation", m.group(1)) for m in EQUATION.finditer(html)]
    return [(kind, number) for _, kind, number in sorted(found)]


def test_the_parser_reads_the_sites_markup():
    html = (
        '<h1><span class="section-number">5.10. </span>Prior</h1>'
        '<span class="caption-number">Theorem 5.7 </span><span class="eqno">(5.12)<a></a></span>'
        '<span class="caption-number">Fig. 5.4 </span>'
    )
    assert TITLE_NUMBER.search(html).group(1) == "5"
    assert numbered(html) == [("Theorem", "5.7"), ("equation", "5.12"), ("Fig.", "5.4")]


def test_numbers_are_per_chapter_and_consecutive():
    per_chapter: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    chapter_pages = [name for name in PAGES if name.startswith("chapters/")]
    assert chapter_pages, "no chapter pages in the table of contents"
    for name in chapter_pages:
        html = (SITE / f"{name}.html").read_text(encoding="utf-8")
        title = TITLE_NUMBER.search(html)
        assert title, f"{name}: the title has no chapter number (is the Chapters part numbered in _toc.yml?)"
        chapter = title.group(1)
        for kind, number in numbered(html):
            parts = number.split(".")
            assert len(parts) == 2 and parts[0] == chapter, f"{name}: {kind} {number} is not numbered {chapter}.k"
            per_chapter[chapter][kind].append(int(parts[1]))
    for chapter, kinds in per_chapter.items():
        for kind, counts in kinds.items():
            assert counts == list(range(1, len(counts) + 1)), f"chapter {chapter}: {kind} numbers run {counts}"
    assert len(per_chapter) >= 6, f"numbered chapters found: {sorted(per_chapter)}"
    assert any("Theorem" in kinds for kinds in per_chapter.values())
    assert any("Fig." in kinds for kinds in per_chapter.values())
