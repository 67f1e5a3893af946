"""LMS exports from a really graded class, read back by small readers written against each LMS's documented
import format (not against our writer), with every score checked.

The class (fixture assignment fx, 4 points): ana submits the solution, ben gets part 3 wrong, chloe gets parts 1
and 2 wrong, zed submits but is not in the roster, and
erin is in the roster with no submission.
"""

from __future__ import annotations

import csv
import subprocess
import unicodedata
import xml.etree.ElementTree as ET

import pytest
from course import BIN, ROOT
from term_class import FULL, grade_class, write_class

STUDENTS = {"ana": [], "ben": ["p3_answer"], "chloe": ["p1_answer", "p2_answer"], "zed": ["p3_answer"]}
ROSTER = [  # student_id, lms_id (Canvas user ID = Moodle ID number), name, section
    ("ana", "1001", "Ruiz, Ana", "A"),
    ("ben", "1002", "Okafor, Ben", "A"),
    ("chloe", "1003", "Dupont, Chloe", "B"),
    ("erin", "1004", "Lee, Erin", "B"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("lms")
    expected = write_class(base / "subs", STUDENTS)
    grade_class(base / "subs", base / "fx")
    roster = base / "roster.csv"
    with open(roster, "w", newline="", encoding="utf-8") as handle:
        w = csv.writer(handle)
        w.writerow(["student_id", "lms_id", "name", "section"])
        w.writerows(ROSTER)
    out = base / "export"
    run = subprocess.run([str(BIN / "python"), "-m", "l2course.grade", "export", "--roster", str(roster),
                          "--results", str(base / "fx"), "--out", str(out), "--item", "fx=Exercise set fx (77)"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    expected_by_lms = {lms: expected.get(sid, 0.0) for sid, lms, *_ in ROSTER}
    return {"base": base, "out": out, "run": run, "expected": expected, "by_lms": expected_by_lms,
            "roster": roster}


# --- readers, written from the LMS documentation ---------------------------------------------------------

def read_canvas(path):
    """Canvas gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then assignment columns;
    an optional 'Points Possible' row; students matched by ID."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    items = header[5:]
    body = rows[1:]
    points = {}
    if body and body[0][0] == "Points Possible":
        points = dict(zip(items, map(float, body[0][5:]), strict=True))
        body = body[1:]
    scores = {row[1]: dict(zip(items, map(float, row[5:]), strict=True)) for row in body}
    return items, points, scores, {row[1]: (row[0], row[4]) for row in body}


def read_moodle_csv(path):
    """Moodle CSV import: a header row, one row per user; the user column mapped to 'ID number', each grade
    column to a grade item, with its feedback column next to it."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return rows


def read_moodle_xml(path):
    """Moodle XML import: results/result with assignment (grade item ID number), student (user ID number),
    score and feedback."""
    root = ET.parse(path).getroot()
    assert root.tag == "results"
    out = {}
    for result in root.findall("result"):
        key = (result.findtext("assignment"), result.findtext("student"))
        assert key not in out, f"two results for {key}"
        out[key] = (float(result.findtext("score")), result.findtext("feedback") or "")
    return out


# --- the tests ---------------------------------------------------------------------------------------------

def test_canvas_export_reads_back(graded):
    items, points, scores, names = read_canvas(graded["out"] / "canvas.csv")
    assert items == ["Exercise set fx (77)"]
    assert points == {"Exercise set fx (77)": FULL}
    assert set(scores) == set(graded["by_lms"]), "exactly the roster, by Canvas user ID"
    for lms_id, expected in graded["by_lms"].items():
        assert scores[lms_id]["Exercise set fx (77)"] == pytest.approx(expected), lms_id
    assert names["1003"] == ("Dupont, Chloe", "B")


def test_moodle_csv_reads_back(graded):
    rows = read_moodle_csv(graded["out"] / "moodle.csv")
    assert sorted(r["ID number"] for r in rows) == sorted(graded["by_lms"])
    for row in rows:
        assert float(row["Exercise set fx (77)"]) == pytest.approx(graded["by_lms"][row["ID number"]])
    erin = next(r for r in rows if r["ID number"] == "1004")
    assert erin["Exercise set fx (77) (feedback)"] == "no submission"


def test_moodle_xml_reads_back(graded):
    results = read_moodle_xml(graded["out"] / "moodle.xml")
    assert set(results) == {("Exercise set fx (77)", lms) for lms in graded["by_lms"]}
    for (_, lms_id), (score, _feedback) in results.items():
        assert score == pytest.approx(graded["by_lms"][lms_id])
    assert results[("Exercise set fx (77)", "1004")][1] == "no submission"


def test_nothing_lost(graded):
    """erin (no submission) has a 0 row; zed (not in the roster) is reported loudly and kept."""
    err = graded["run"].stderr
    assert "NOT IN THE ROSTER: zed" in err and "no submission" in err
    with open(graded["out"] / "grades_roster.csv", newline="") as handle:
        plain = {r["student_id"]: r for r in csv.DictReader(handle)}
    assert set(plain) == {"ana", "ben", "chloe", "erin", "zed"}
    assert plain["erin"]["fx"] == "0" and plain["erin"]["fx reason"] == "no submission"
    assert plain["zed"]["section"] == "NOT IN ROSTER"
    assert float(plain["zed"]["fx"]) == pytest.approx(graded["expected"]["zed"])
    with open(graded["out"] / "not_in_roster.csv", newline="") as handle:
        assert [r["student_id"] for r in csv.DictReader(handle)] == ["zed"]
    for sid in ("ana", "ben", "chloe"):
        assert float(plain[sid]["fx"]) == pytest.approx(graded["expected"][sid])


def test_whole_gradebook_export(graded, tmp_path):
    """From the gradebook database instead of grades.csv: the same scores (nbgrader's API reads them)."""
    from l2course.grading import lms
    from l2course.grading.roster import join, read_gradebook, read_roster

    (assignment,) = read_gradebook(f"sqlite:///{graded['base'] / 'fx' / 'gradebook.db'}")
    assert assignment.name == "fx" and assignment.max_score == pytest.approx(FULL)
    joined = join(read_roster(graded["roster"]), [assignment])
    (tmp_path / "canvas.csv").write_bytes(lms.canvas_csv(joined))
    _, _, scores, _ = read_canvas(tmp_path / "canvas.csv")
    assert {k: v["fx"] for k, v in scores.items()} == pytest.approx(graded["by_lms"])


def test_ids_compared_after_nfc(tmp_path):
    """A roster typed with a decomposed accent matches the grader's composed id."""
    from l2course.grading.roster import AssignmentGrades, Score, join, read_roster

    decomposed = unicodedata.normalize("NFD", "chloé")
    (tmp_path / "r.csv").write_text(f"student_id,lms_id,name,section\n{decomposed},9,C,A\n", encoding="utf-8")
    joined = join(read_roster(tmp_path / "r.csv"),
                  [AssignmentGrades("fx", 4.0, {unicodedata.normalize("NFC", "chloé"): Score(3.0)})])
    assert joined.enrolled[0][1]["fx"].points == 3.0 and not joined.not_in_roster


@pytest.mark.parametrize("text, message", [
    ("student_id,name,section\nana,A,B\n", "missing column(s) lms_id"),
    ("student_id,lms_id,name,section\nana,1,A,B\nana,2,C,D\n", "'ana' already on line 2"),
    ("student_id,lms_id,name,section\nana,,A,B\n", "line 2: empty lms_id"),
])
def test_bad_roster_names_the_problem(tmp_path, text, message):
    from l2course.grading.term import export

    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        export(["--roster", str(tmp_path / "r.csv"), "--results", str(tmp_path), "--out", str(tmp_path / "o")])
    assert message in str(stop.value)
    assert not (tmp_path / "o").exists(), "nothing written on bad input"
