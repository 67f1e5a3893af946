"""Chapter notebooks read like a textbook: short visible code, labelled collapsed checks (no execution).

- every line of a *visible* code cell (not tagged ``hide-input``, ``hide-cell``, ``remove-input`` or
  ``remove-cell``) is at most 79 characters, so no teaching cell scrolls sideways on the site;
- every ``hide-input`` cell has a ``code_prompt_show`` label in its myst-nb metadata
  (``"mystnb": {"code_prompt_show": "Check: ...", ...}``) saying what the collapsed code checks.

The browser counterpart (no code cell scrolls horizontally at the default viewport) is
``tests/site/test_layout.py``.
"""

from __future__ import annotations

import json

import pytest
from course import CHAPTER_NOTEBOOKS

MAX_LINE = 79
HIDING_TAGS = {"hide-input", "hide-cell", "remove-input", "remove-cell"}


CHAPTERS = [pytest.param(path, id=path.stem) for path in CHAPTER_NOTEBOOKS]


def code_cells(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        (index, cell)
        for index, cell in enumerate(notebook["cells"])
        if cell["cell_type"] == "code" and "".join(cell["source"]).strip()
    ]


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def long_visible_lines(path) -> list[str]:
    found = []
    for index, cell in code_cells(path):
        if tags(cell) & HIDING_TAGS:
            continue
        for number, line in enumerate("".join(cell["source"]).splitlines(), start=1):
            if len(line) > MAX_LINE:
                found.append(f"cell {index} line {number} ({len(line)} chars): {line[:60]}…")
    return found


def unlabelled_hidden_cells(path) -> list[str]:
    found = []
    for index, cell in code_cells(path):
        if "hide-input" not in tags(cell):
            continue
        label = cell.get("metadata", {}).get("mystnb", {}).get("code_prompt_show", "")
        if not (isinstance(label, str) and label.strip()):
            found.append(f"cell {index}: {''.join(cell['source'])[:60]!r}")
    return found


@pytest.mark.parametrize("path", CHAPTERS)
def test_visible_code_lines_fit_the_column(path):
    found = long_visible_lines(path)
    assert not found, f"{len(found)} visible code lines over {MAX_LINE} characters, e.g. {found[:3]}"


@pytest.mark.parametrize("path", CHAPTERS)
def test_every_collapsed_check_says_what_it_checks(path):
    found = unlabelled_hidden_cells(path)
    assert not found, f"hide-input cells without a code_prompt_show label: {found[:3]}"


def test_the_checks_catch_what_they_claim_to(tmp_path):
    """The two checkers on a made-up notebook: one long visible line, one unlabelled and one labelled check."""
    cells = [
        {"cell_type": "code", "metadata": {}, "source": ["x = 1\n", "y = " + "1 + " * 30 + "1\n"]},
        {"cell_type": "code", "metadata": {"tags": ["hide-input"]}, "source": ["assert " + "x " * 50]},
        {
            "cell_type": "code",
            "metadata": {"tags": ["hide-input"], "mystnb": {"code_prompt_show": "Check: x is one"}},
            "source": ["assert x == 1"],
        },
        {"cell_type": "code", "metadata": {"tags": ["remove-cell"]}, "source": ["z = " + "2 + " * 30 + "2"]},
        {"cell_type": "markdown", "metadata": {}, "source": ["a" * 200]},
    ]
    path = tmp_path / "made_up.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    long_lines = long_visible_lines(path)
    assert len(long_lines) == 1 and long_lines[0].startswith("cell 0 line 2 (125 chars)")
    unlabelled = unlabelled_hidden_cells(path)
    assert len(unlabelled) == 1 and unlabelled[0].startswith("cell 1:")
