"""Text <-> spec audit: each requirement a part's text states is named in its spec next to the checks that
enforce it, and a part whose text states a requirement with no such entry fails here.

The spec's ``requires`` list is validated by :func:`l2course.grading.spec.validate` (a requirement with no
check, or naming a check that does not exist, is an error when the assignment is prepared). This test adds
the other direction: it reads the part's markdown and, for each kind of requirement the text states (errors
to raise, "do not modify", any shape, lists, integers, tuples, ...), demands a requirement of that kind in the
spec, and it demands that every check of the part serves some requirement.
"""

from __future__ import annotations

import json
import re

import pytest
from course import ASSIGNMENTS, SOLUTIONS, nbgrader_meta, read_notebook, source

from l2course.grading.spec import load_spec, validate

# what the text says (regular expression) -> a word the spec's requirement text must contain
KINDS = {
    r"\braise[sd]?\b": "raise",
    r"\bdo not modify\b|\bnot modify\b": "modif",
    r"\bany shape\b": "shape",
    r"\bshape\b": "shape",
    r"\blists?\b": "list",
    r"\bintegers?\b": "integer",
    r"\btuple\b": "tuple",
    r"\bany sample\b": "any sample",
    r"\bPython `float`|\bas a float\b|\ba float\b": "float",
    r"\bNumPy array\b": "array",
}


def part_texts(assignment: str) -> dict[str, str]:
    """The markdown of each graded part: every cell from the previous test cell up to its own test cell."""
    nb = read_notebook(next((SOLUTIONS / assignment).glob("*.ipynb")))
    texts, current = {}, []
    for cell in nb["cells"]:
        meta = nbgrader_meta(cell)
        if cell["cell_type"] == "markdown":
            current.append(source(cell))
        if meta.get("grade") and not meta.get("solution"):
            texts[meta["grade_id"]] = "\n".join(current)
            current = []
    return texts


def spec_of(assignment: str) -> dict:
    return load_spec(SOLUTIONS / assignment / "grading.json")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_part_has_a_spec_with_requirements(assignment):
    spec = spec_of(assignment)
    texts = part_texts(assignment)
    assert set(spec["parts"]) == set(texts), "one spec entry per graded part, no more"
    for part, body in spec["parts"].items():
        assert body.get("requires"), f"{part}: list the requirements its text states under 'requires'"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_stated_requirements_have_checks(assignment):
    spec = spec_of(assignment)
    missing = []
    for part, text in part_texts(assignment).items():
        # inline code and formulas are not requirements; what a student is told to do is in the words
        words = re.sub(r"\$[^$]*\$|`[^`]*`", " ", text)
        reqs = " | ".join(r["text"].lower() for r in spec["parts"][part]["requires"])
        for pattern, needed in KINDS.items():
            if re.search(pattern, words, flags=re.IGNORECASE) and needed not in reqs:
                missing.append(f"{part}: the text says /{pattern}/ but no requirement mentions {needed!r}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_check_serves_a_requirement(assignment):
    spec = spec_of(assignment)
    for part, body in spec["parts"].items():
        named = {c for r in body["requires"] for c in r["checks"]}
        for i, check in enumerate(body["checks"]):
            assert check.get("id") in named, f"{part}.checks[{i}] has no id named by a requirement"


def test_a_requirement_without_a_check_is_refused():
    spec = {"parts": {"p": {"checks": [{"id": "a", "call": "f"}],
                            "requires": [{"text": "raises ValueError", "checks": []}]}}}
    with pytest.raises(ValueError, match="has no check"):
        validate(spec)
    spec["parts"]["p"]["requires"][0]["checks"] = ["b"]
    with pytest.raises(ValueError, match="unknown checks"):
        validate(json.loads(json.dumps(spec)))
