"""A small class on the fixture assignment ``tests/grading_fixtures/fx`` for the term tests (exports, late
policy, regrades): each student's notebook is the solution with some answers changed, and the expected score is
the full mark minus the points of the parts changed, read from the cell metadata, never from the grader."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from course import ROOT, read_notebook

FIXTURE = Path(__file__).parent / "grading_fixtures" / "fx"
POINTS = {"p1_tests": 2.0, "p2_tests": 1.0, "p3_tests": 1.0}
FULL = sum(POINTS.values())
LIMITS = dict(cell_timeout=4.0, wall=8.0, memory_mb=512, max_output=200_000)

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)
WRONG = {  # answer cell -> (wrong answer, the test cell it fails)
    "p1_answer": ("def sq(y, y_hat):\n    return abs(y - y_hat)\n", "p1_tests"),
    "p2_answer": ("total = 29.0\n", "p2_tests"),
    "p3_answer": ('answer_q3 = "a"\n', "p3_tests"),
}


def solution() -> dict:
    return read_notebook(FIXTURE / "fx.ipynb")


def with_answers(changed: list[str]) -> tuple[dict, float]:
    """The solution with the listed answer cells wrong and, as in the release students get, the hidden tests
    taken out of the test cells; (notebook, expected score)."""
    nb = copy.deepcopy(solution())
    lost = 0.0
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if HIDDEN.search(text):
            cell["source"] = HIDDEN.sub("", text)
        if gid in changed:
            cell["source"] = WRONG[gid][0]
            lost += POINTS[WRONG[gid][1]]
    return nb, FULL - lost


def write_class(folder: Path, students: dict[str, list[str]]) -> dict[str, float]:
    """``folder/<student>/fx.ipynb`` for each student; returns the expected scores."""
    expected = {}
    for student, changed in students.items():
        nb, score = with_answers(changed)
        (folder / student).mkdir(parents=True, exist_ok=True)
        (folder / student / "fx.ipynb").write_text(json.dumps(nb), encoding="utf-8")
        expected[student] = score
    return expected


def grade_class(submissions: Path, out: Path, course_root: Path = ROOT, assignment=FIXTURE, **extra):
    from l2course.grading.core import grade
    from l2course.grading.sandbox import Limits

    return grade(str(assignment), submissions, out, jobs=2, limits=Limits(**LIMITS), course_root=course_root,
                 quiet=True, **extra)
