"""The class roster and the grades to export: who is enrolled, and what each of them scored.

A roster is a CSV with one row per enrolled student and (at least) the columns ``student_id`` (the id the
grader uses: the submission's folder or LMS file name), ``lms_id`` (the LMS's own id: Canvas's numeric user
ID, Moodle's user "ID number"), ``name`` and ``section``; ``sis_user_id``, ``sis_login_id`` and ``email`` are
optional. :func:`join` merges it with graded assignments so that nothing is lost: an enrolled student with no
submission gets 0 and the reason "no submission", and a submission whose student is not in the roster is kept
and reported (:attr:`Joined.not_in_roster`), never dropped.

Ids are compared after Unicode NFC normalization (the same name typed on two systems may be composed
differently).

>>> import io
>>> roster = read_roster(io.StringIO("student_id,lms_id,name,section\\nana,101,\\"Ruiz, Ana\\",A\\n"))
>>> roster[0].lms_id, roster[0].section
('101', 'A')
>>> read_roster(io.StringIO("student_id,name\\nana,Ana\\n"))
Traceback (most recent call last):
...
ValueError: roster <stream>: missing column(s) lms_id, section (the header has student_id, name; \
expected student_id, lms_id, name, section)
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

REQUIRED = ("student_id", "lms_id", "name", "section")
OPTIONAL = ("sis_user_id", "sis_login_id", "email")
NO_SUBMISSION = "no submission"


def norm(student_id: str) -> str:
    """The id as compared: NFC-normalized, surrounding spaces removed."""
    return unicodedata.normalize("NFC", str(student_id)).strip()


@dataclass(frozen=True)
class Student:
    student_id: str
    lms_id: str
    name: str
    section: str
    sis_user_id: str = ""
    sis_login_id: str = ""
    email: str = ""


@dataclass
class Score:
    """One student's result on one assignment."""

    points: float
    status: str = "ok"
    reason: str = ""


@dataclass
class AssignmentGrades:
    """One graded assignment: its name, its maximum, and a score per student id."""

    name: str
    max_score: float
    scores: dict[str, Score] = field(default_factory=dict)


def _open_text(source) -> tuple[io.TextIOBase, str]:
    if hasattr(source, "read"):
        return source, "<stream>"
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"roster {path}: no such file")
    return open(path, newline="", encoding="utf-8-sig"), str(path)


def read_roster(source) -> list[Student]:
    """Read a roster CSV (a path or a text stream); errors name the file, the row and the column.

    Raises
    ------
    ValueError
        A required column is missing, a required cell is empty, or a student id appears twice.
    """
    handle, label = _open_text(source)
    with handle:
        reader = csv.DictReader(handle)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise ValueError(f"roster {label}: missing column(s) {', '.join(missing)} (the header has "
                             f"{', '.join(header) or 'nothing'}; expected {', '.join(REQUIRED)})")
        students: list[Student] = []
        seen: dict[str, int] = {}
        for line, raw in enumerate(reader, start=2):
            row = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            if not any(row.values()):
                continue
            empty = [c for c in REQUIRED if not row.get(c) and c != "section"]
            if empty:
                raise ValueError(f"roster {label}, line {line}: empty {', '.join(empty)}")
            sid = norm(row["student_id"])
            if sid in seen:
                raise ValueError(f"roster {label}, line {line}: student_id {sid!r} already on line {seen[sid]}")
            seen[sid] = line
            students.append(Student(sid, row["lms_id"], row["name"], row.get("section", ""),
                                    *(row.get(c, "") for c in OPTIONAL)))
    return students


def read_grades_csv(path: Path, assignment: str | None = None) -> AssignmentGrades:
    """An assignment's results from the grader's ``grades.csv`` (or the late policy's ``grades_late.csv``).

    The score is the ``final`` column when there is one (after the late penalty), else ``total``.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"grades file {path}: no such file (grade the assignment first)")
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        need = ["student", "max", "status", "reason"]
        missing = [c for c in need if c not in header] + ([] if {"total", "final"} & set(header) else ["total"])
        if missing:
            raise ValueError(f"grades file {path}: missing column(s) {', '.join(missing)}; is it the grader's "
                             "grades.csv?")
        column = "final" if "final" in header else "total"
        name = assignment or path.parent.name
        grades = AssignmentGrades(name, 0.0)
        for row in reader:
            grades.max_score = max(grades.max_score, float(row["max"]))
            reason = row["reason"]
            if row.get("late_note") and float(row.get("penalty") or 0) > 0:
                reason = "; ".join(filter(None, [reason, f"late: {row['late_note']}"]))
            grades.scores[norm(row["student"])] = Score(float(row[column]), row["status"], reason)
    return grades


def read_gradebook(db_url: str) -> list[AssignmentGrades]:
    """Every assignment in an nbgrader gradebook (``sqlite:///…/gradebook.db`` or a PostgreSQL URL), read
    through nbgrader's API the way ``nbgrader export`` reads it."""
    from nbgrader.api import Gradebook

    from .gradebook import COURSE_ID

    result = []
    with Gradebook(db_url, course_id=COURSE_ID) as gb:
        for assignment in sorted(gb.assignments, key=lambda a: a.name):
            grades = AssignmentGrades(assignment.name, float(assignment.max_score))
            for sub in assignment.submissions:
                grades.scores[norm(sub.student.id)] = Score(float(sub.score))
            result.append(grades)
    return result


@dataclass
class Joined:
    """The roster joined with assignments: rows in roster order, then the students not in the roster."""

    assignments: list[AssignmentGrades]
    enrolled: list[tuple[Student, dict[str, Score]]]
    not_in_roster: list[tuple[str, dict[str, Score]]]


def join(roster: list[Student], assignments: list[AssignmentGrades]) -> Joined:
    """Every enrolled student gets a score on every assignment (0, "no submission" when absent); every graded
    student id missing from the roster is kept in :attr:`Joined.not_in_roster`."""
    enrolled_ids = {s.student_id for s in roster}
    enrolled = []
    for student in roster:
        scores = {}
        for a in assignments:
            scores[a.name] = a.scores.get(student.student_id) or Score(0.0, "no-submission", NO_SUBMISSION)
        enrolled.append((student, scores))
    strangers = sorted({sid for a in assignments for sid in a.scores} - enrolled_ids)
    not_in_roster = [(sid, {a.name: a.scores[sid] for a in assignments if sid in a.scores}) for sid in strangers]
    return Joined(assignments, enrolled, not_in_roster)
