"""The answer corpus graded by the real command path: every plausible wrong answer loses points, every other
correct answer gets full marks, and no variant changes another part's score.

The corpus is data (``tests/corpus/NN_x.yaml``, one file per exercise set, built into a few notebooks per set
by ``tests/corpus_lib.py``); the grader is :func:`l2course.grading.core.grade`, the function behind
``python -m l2course.grade``, with the sandbox on. The corpus rules themselves are checked first (at least 3
wrong and 2 right answers per graded part), so that a set cannot pass by having no corpus.
"""

from __future__ import annotations

import pytest
from corpus_lib import corpus_sets, load, misgrades, points, submissions, write
from course import ASSIGNMENTS, ROOT


def test_every_set_has_a_corpus():
    assert corpus_sets() == ASSIGNMENTS


@pytest.mark.parametrize("assignment", corpus_sets())
def test_corpus_covers_every_part(assignment):
    corpus = load(assignment)
    assert set(corpus["parts"]) == set(points(assignment)), "one corpus entry per graded part"
    for part, body in corpus["parts"].items():
        assert len(body.get("wrong", [])) >= 3, f"{part}: at least 3 plausible wrong answers"
        assert len(body.get("right", [])) >= 2, f"{part}: at least 2 alternative correct answers"


@pytest.mark.parametrize("assignment", corpus_sets())
def test_corpus_is_graded_as_classified(assignment, tmp_path):
    from l2course.grading.core import grade
    from l2course.grading.sandbox import Limits

    subs = submissions(assignment)
    write(tmp_path / "subs", assignment, subs)
    rows = grade(assignment, tmp_path / "subs", tmp_path / "out", jobs=2, limits=Limits(cell_timeout=30, wall=120),
                 course_root=ROOT, quiet=True, feedback=False)
    assert len(rows) == len(subs), "one row per submission"
    problems = misgrades(assignment, subs, {r.student: r.scores for r in rows})
    reasons = {r.student: r.reason for r in rows}
    assert not problems, "\n".join(f"{p}\n    reason: {reasons.get(p.split()[0], '')[:400]}" for p in problems)
