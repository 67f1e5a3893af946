"""Grade files an LMS imports: Canvas's gradebook CSV, Moodle's grade-import CSV and XML, and a plain CSV.

Formats, as the LMSs document them (see the instructor guide, "A term with the grader", for the pages):

- **Canvas** (Grades > Import): a CSV whose first columns are ``Student``, ``ID``, ``SIS User ID``,
  ``SIS Login ID`` and ``Section``, then one column per assignment; Canvas matches a student by ``ID`` (its
  numeric user id; the roster's ``lms_id``) and an assignment by the column header (``Name (assignment id)``
  as Canvas exports it, or a new name, which creates an assignment). An optional second row whose first cell
  is ``Points Possible`` gives each assignment's maximum.
- **Moodle** CSV (Grade administration > Import > CSV file): any header; on import the teacher maps the user
  column ("ID number" onto ``useridnumber``) and each grade column onto a grade item. A feedback column goes
  with each grade column, because Moodle warns that importing only one of the two loses the other.
- **Moodle** XML (Import > XML file): ``<results>`` holding one ``<result>`` per grade, with
  ``<assignment>`` (the grade item's ID number), ``<student>`` (the user's ID number), ``<score>`` and
  ``<feedback>``.

Students not in the roster have no LMS id, so they cannot be in the LMS files: they stay in the plain CSV
(``lms_id`` empty, status ``not-in-roster``) and in ``not_in_roster.csv``, and :func:`write_all` says so.

>>> from l2course.grading.roster import AssignmentGrades, Score, Student, join
>>> a = AssignmentGrades("01_definition", 10.0, {"ana": Score(7.5)})
>>> joined = join([Student("ana", "101", "Ruiz, Ana", "A"), Student("ben", "102", "Bo, Ben", "B")], [a])
>>> print(canvas_csv(joined).decode().strip())
Student,ID,SIS User ID,SIS Login ID,Section,01_definition
Points Possible,,,,,10
"Ruiz, Ana",101,,,A,7.5
"Bo, Ben",102,,,B,0
"""

from __future__ import annotations

import csv
import io
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from .roster import Joined

CANVAS_FIXED = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


def fmt(points: float) -> str:
    """A score as the LMS reads it: no trailing zeros, no exponent (``7.5``, ``10``)."""
    text = f"{points:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _writer(buffer):
    return csv.writer(buffer, lineterminator="\r\n")


def _label(labels: dict[str, str] | None, name: str) -> str:
    return (labels or {}).get(name, name)


def canvas_csv(joined: Joined, labels: dict[str, str] | None = None) -> bytes:
    """Canvas's gradebook-import CSV (UTF-8 with CRLF line ends, as Canvas exports it).

    ``labels`` maps an assignment name to its Canvas column header, e.g. ``{"01_definition": "Set 1 (4821)"}``.
    """
    buffer = io.StringIO()
    w = _writer(buffer)
    w.writerow(CANVAS_FIXED + [_label(labels, a.name) for a in joined.assignments])
    w.writerow(["Points Possible", "", "", "", ""] + [fmt(a.max_score) for a in joined.assignments])
    for student, scores in joined.enrolled:
        w.writerow([student.name, student.lms_id, student.sis_user_id, student.sis_login_id, student.section]
                   + [fmt(scores[a.name].points) for a in joined.assignments])
    return buffer.getvalue().encode("utf-8")


def feedback_text(score) -> str:
    """What the student reads in the LMS: the reason's parts about their work (failed parts with their hints,
    "no submission", the late penalty), empty parts dropped.

    >>> from l2course.grading.roster import Score
    >>> feedback_text(Score(1, "ok", "q2_tests: wrong value;  ; late by 2 h: -10%"))
    'q2_tests: wrong value; late by 2 h: -10%'
    """
    parts = [p.strip() for p in (score.reason or "").split("; ")]
    return "; ".join(p for p in parts if p)


def moodle_csv(joined: Joined, labels: dict[str, str] | None = None) -> bytes:
    """Moodle's CSV import: ``ID number``, ``Full name``, ``Section``, then a grade and a feedback column per
    assignment (map ``ID number`` onto ``useridnumber`` when importing)."""
    buffer = io.StringIO()
    w = _writer(buffer)
    header = ["ID number", "Full name", "Section"]
    for a in joined.assignments:
        header += [_label(labels, a.name), f"{_label(labels, a.name)} (feedback)"]
    w.writerow(header)
    for student, scores in joined.enrolled:
        cells = [student.lms_id, student.name, student.section]
        for a in joined.assignments:
            cells += [fmt(scores[a.name].points), feedback_text(scores[a.name])]
        w.writerow(cells)
    return buffer.getvalue().encode("utf-8")


def moodle_xml(joined: Joined, labels: dict[str, str] | None = None) -> bytes:
    """Moodle's XML import: one ``<result>`` per student and assignment (``labels``: the grade items' ID
    numbers). ElementTree escapes every text, so a reason holding ``<`` or ``&`` stays data."""
    root = ET.Element("results")
    for student, scores in joined.enrolled:
        for a in joined.assignments:
            result = ET.SubElement(root, "result")
            ET.SubElement(result, "assignment").text = _label(labels, a.name)
            ET.SubElement(result, "student").text = student.lms_id
            ET.SubElement(result, "score").text = fmt(scores[a.name].points)
            ET.SubElement(result, "feedback").text = feedback_text(scores[a.name])
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def plain_csv(joined: Joined) -> bytes:
    """Everything, for the instructor: every enrolled student and every submission not in the roster."""
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    header = ["student_id", "lms_id", "name", "section"]
    for a in joined.assignments:
        header += [a.name, f"{a.name} max", f"{a.name} status", f"{a.name} reason"]
    w.writerow(header)

    def cells(scores):
        out = []
        for a in joined.assignments:
            s = scores.get(a.name)
            out += ([fmt(s.points), fmt(a.max_score), s.status, s.reason] if s else
                    ["", fmt(a.max_score), "", ""])
        return out

    for student, scores in joined.enrolled:
        w.writerow([student.student_id, student.lms_id, student.name, student.section] + cells(scores))
    for sid, scores in joined.not_in_roster:
        w.writerow([sid, "", "", "NOT IN ROSTER"] + cells(scores))
    return buffer.getvalue().encode("utf-8")


def not_in_roster_csv(joined: Joined) -> bytes:
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(["student_id", "assignment", "score", "status", "reason"])
    for sid, scores in joined.not_in_roster:
        for name, s in scores.items():
            w.writerow([sid, name, fmt(s.points), s.status, s.reason])
    return buffer.getvalue().encode("utf-8")


def write_all(joined: Joined, out: Path, labels: dict[str, str] | None = None, stream=None) -> dict[str, Path]:
    """Write ``canvas.csv``, ``moodle.csv``, ``moodle.xml``, ``grades_roster.csv`` (and
    ``not_in_roster.csv`` when needed) into ``out``; warn on ``stream`` about students not in the roster."""
    from .report import atomic_write

    stream = stream or sys.stderr
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = {"canvas": (out / "canvas.csv", canvas_csv(joined, labels)),
             "moodle_csv": (out / "moodle.csv", moodle_csv(joined, labels)),
             "moodle_xml": (out / "moodle.xml", moodle_xml(joined, labels)),
             "plain": (out / "grades_roster.csv", plain_csv(joined))}
    if joined.not_in_roster:
        files["not_in_roster"] = (out / "not_in_roster.csv", not_in_roster_csv(joined))
    for path, data in files.values():
        atomic_write(path, data)
    missing = sum(1 for _, scores in joined.enrolled for s in scores.values() if s.status == "no-submission")
    if missing:
        print(f"note: {missing} roster entr{'y' if missing == 1 else 'ies'} without a submission: 0 points, "
              "reason 'no submission'", file=stream)
    if joined.not_in_roster:
        ids = ", ".join(sid for sid, _ in joined.not_in_roster)
        print(f"WARNING: {len(joined.not_in_roster)} graded submission(s) NOT IN THE ROSTER: {ids}. They are "
              f"not in the LMS files (no LMS id); their scores are in {files['not_in_roster'][0]} and "
              f"{files['plain'][0]}. Add them to the roster (or fix the id) and export again.", file=stream)
    return {key: path for key, (path, _) in files.items()}
