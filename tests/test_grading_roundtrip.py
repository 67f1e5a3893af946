"""The honest grading path: generate, submit three students, autograde, export, and check every score.

alice submits the solution notebook (full marks), bob the untouched release (0, and the batch goes on),
carol the solution with one multiple-choice answer changed to a wrong letter (full marks minus exactly that
part's points). Expected scores come from the cell metadata, not from nbgrader's own output.
"""

from __future__ import annotations

import csv
import json
import re

import pytest
from course import ASSIGNMENTS, make_course, max_points, nbgrader, nbgrader_meta, read_notebook, source

ANSWER = re.compile(r'^(\s*answer_\w+\s*=\s*)["\']([a-z])["\']', re.MULTILINE)


def wrong_choice_submission(nb: dict) -> tuple[dict, float]:
    """Change the first multiple-choice answer to another letter; return (notebook, points it costs)."""
    cells = nb["cells"]
    for index, cell in enumerate(cells):
        match = ANSWER.search(source(cell)) if nbgrader_meta(cell).get("solution") else None
        if not match:
            continue
        wrong = "a" if match.group(2) != "a" else "b"
        cell["source"] = ANSWER.sub(rf'\g<1>"{wrong}"', source(cell), count=1)
        test = next(c for c in cells[index + 1 :] if nbgrader_meta(c).get("grade"))
        return nb, float(nbgrader_meta(test)["points"])
    raise AssertionError("every exercise set needs a pick-an-answer part (answer_qN = 'x')")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_grading_round_trip(assignment, tmp_path):
    course = make_course(tmp_path, assignment)
    nbgrader("generate_assignment", assignment, "--force", cwd=course)
    (notebook,) = sorted((course / "source" / assignment).glob("*.ipynb"))
    solution = read_notebook(notebook)
    total = max_points(solution)
    wrong, lost = wrong_choice_submission(read_notebook(notebook))

    submissions = {
        "alice": json.dumps(solution),
        "bob": (course / "release" / assignment / notebook.name).read_text(),
        "carol": json.dumps(wrong),
    }
    for student, text in submissions.items():
        folder = course / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / notebook.name).write_text(text)

    nbgrader("autograde", assignment, "--create", "--force", cwd=course)
    nbgrader("export", "--to", str(tmp_path / "grades.csv"), cwd=course)

    with open(tmp_path / "grades.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(row["student_id"] for row in rows) == ["alice", "bob", "carol"], "one row per student"
    scores = {row["student_id"]: float(row["score"]) for row in rows}
    for row in rows:
        assert float(row["max_score"]) == pytest.approx(total)
    assert scores["alice"] == pytest.approx(total), "the solution notebook must get full marks"
    assert scores["bob"] == pytest.approx(0.0), "the blank release must score 0"
    assert scores["carol"] == pytest.approx(total - lost), "one wrong answer loses exactly its part"
