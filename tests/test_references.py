"""references.bib parses, holds each key once, and every {cite} key the pages use is in it (no book build).

A merge once dropped an entry's closing brace: the book build failed minutes into make test. This fails in a
second and names the line.
"""

from __future__ import annotations

import re

import pytest
from course import ROOT, read_notebook, source

BIB = ROOT / "references.bib"
CITE = re.compile(r"\{cite(?::\w+)?\}`([^`]+)`")
PAGES = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "guide").glob("*.md")) + [
    ROOT / "intro.md", ROOT / "notation.md"]


def keys_cited(path) -> set[str]:
    if path.suffix == ".ipynb":
        text = "\n".join(source(c) for c in read_notebook(path)["cells"] if c["cell_type"] == "markdown")
    else:
        text = path.read_text(encoding="utf-8")
    return {k.strip() for group in CITE.findall(text) for k in group.split(",")}


def test_the_bibliography_parses_with_each_key_once():
    from pybtex.database import parse_string

    text = BIB.read_text(encoding="utf-8")
    written = re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.M)
    twice = sorted({k for k in written if written.count(k) > 1})
    assert not twice, f"keys written twice: {twice}"
    entries = parse_string(text, "bibtex").entries  # raises with the line of a missing brace
    assert set(entries) == set(written)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_cited_key_is_in_the_bibliography(page):
    written = set(re.findall(r"^@\w+\{([^,\s]+),", BIB.read_text(encoding="utf-8"), flags=re.M))
    missing = keys_cited(page) - written
    assert not missing, f"{page.name} cites keys that references.bib lacks: {sorted(missing)}"


def test_the_key_finder_sees_citations():
    assert {"hastie2009", "bishop2006"} <= set().union(*(keys_cited(p) for p in PAGES))


def test_a_dropped_closing_brace_is_caught():
    from pybtex.database import parse_string
    from pybtex.scanner import PybtexSyntaxError

    text = BIB.read_text(encoding="utf-8")
    first_end = text.index("\n}\n")
    with pytest.raises(PybtexSyntaxError):
        parse_string(text[:first_end] + "\n" + text[first_end + 2:], "bibtex")
