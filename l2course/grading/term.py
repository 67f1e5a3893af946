"""The instructor's term, after grading: ``python -m l2course.grade COMMAND …``.

Commands (each ``--help`` says more):

- ``export``: grades for the LMS (Canvas CSV, Moodle CSV and XML, a plain CSV) joined with the roster;
- ``late``: apply the late policy of ``course.toml`` to a graded assignment;
- ``similarity``: a local similarity report of the students' answer cells (nothing leaves the machine);
- ``regrade``: grade the stored submissions again (after a spec or test change) and print what changed;
- ``history``: the recorded grading runs of an assignment.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

COMMANDS = ("export", "late", "similarity", "regrade", "history")


def _labels(pairs: list[str]) -> dict[str, str]:
    labels = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SystemExit(f"--item {pair!r}: expected ASSIGNMENT=LMS_NAME, e.g. 01_definition='Set 1 (4821)'")
        key, value = pair.split("=", 1)
        labels[key.strip()] = value.strip()
    return labels


def _graded(folder: Path):
    """The assignment's grades: after the late penalty when ``late`` was run on these very scores."""
    from .roster import read_grades_csv

    graded = read_grades_csv(folder / "grades.csv", folder.name)
    late = folder / "grades_late.csv"
    if not late.is_file():
        return graded
    with_penalty = read_grades_csv(late, folder.name)
    with open(late, newline="", encoding="utf-8") as handle:
        raw = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    stale = sorted(s for s, score in graded.scores.items() if raw.get(s) != score.points) + sorted(
        set(raw) - set(graded.scores))
    if stale:
        raise ValueError(f"{late} does not match {folder / 'grades.csv'} (regraded since? {', '.join(stale[:5])}): "
                         f"apply the late policy again (python -m l2course.grade late {folder.name} --results "
                         f"{folder} --times …)")
    return with_penalty


def export(argv) -> int:
    from . import lms
    from .roster import join, read_gradebook, read_roster

    p = argparse.ArgumentParser(prog="python -m l2course.grade export",
                                description="Write LMS grade files joined with the class roster.")
    p.add_argument("--roster", type=Path, required=True,
                   help="CSV with student_id,lms_id,name,section (sis_user_id, sis_login_id, email optional)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--results", type=Path, nargs="+",
                     help="graded assignment folder(s) holding grades.csv (grades_late.csv is used when present)")
    src.add_argument("--db-url", help="the whole gradebook: every assignment in it (the gradebook holds the "
                                      "scores as graded: a late penalty is exported only from --results)")
    p.add_argument("--out", type=Path, required=True, help="folder for canvas.csv, moodle.csv, moodle.xml, …")
    p.add_argument("--item", action="append", default=[],
                   help="ASSIGNMENT=NAME: the LMS's column name / grade item ID number (repeatable)")
    args = p.parse_args(argv)
    try:
        roster = read_roster(args.roster)
        if args.db_url:
            assignments = read_gradebook(args.db_url)
        else:
            assignments = []
            for folder in args.results:
                assignments.append(_graded(folder))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"export: {exc}") from exc
    joined = join(roster, assignments)
    files = lms.write_all(joined, args.out, _labels(args.item))
    print(f"wrote {', '.join(str(f) for f in files.values())}: {len(joined.enrolled)} enrolled, "
          f"{len(joined.not_in_roster)} not in the roster, {len(assignments)} assignment(s)")
    return 0


def late(argv) -> int:
    from . import late as policy_mod

    p = argparse.ArgumentParser(prog="python -m l2course.grade late",
                                description="Apply the late policy: grades_late.csv and a section in each feedback.")
    p.add_argument("assignment", help="assignment name (its table in course.toml)")
    p.add_argument("--results", type=Path, required=True, help="the graded folder holding grades.csv")
    p.add_argument("--times", type=Path, required=True,
                   help="submission times: nbgrader's submitted/ folder, the LMS zip, or a student,submitted_at CSV")
    p.add_argument("--config", type=Path, default=Path("course.toml"),
                   help="course configuration (default course.toml)")
    p.add_argument("--zone", default=None, help="time zone of times written without one (an LMS zip's file names)")
    p.add_argument("--regexp", default=None, help="file name pattern with student_id and timestamp groups")
    args = p.parse_args(argv)
    try:
        policy = policy_mod.load_policy(args.config, args.assignment)
        times = policy_mod.submission_times(args.times, args.assignment, args.zone, args.regexp)
        computations = policy_mod.apply_to_results(args.results, policy, times)
    except (OSError, ValueError) as exc:
        raise SystemExit(f"late: {exc}") from exc
    print(f"policy: {policy.text()}")
    print(f"{'student':<16} {'raw':>6} {'late by':>14} {'penalty':>8} {'final':>6}")
    for c in computations:
        late_by = policy_mod.describe(c.late) if c.late is not None and c.late.total_seconds() > 0 else \
            ("no time" if c.submitted is None else "on time")
        print(f"{c.student:<16} {c.raw:>6g} {late_by:>14} {c.penalty_percent:>7g}% {c.final:>6g}")
    untimed = [c.student for c in computations if c.submitted is None]
    if untimed:
        print(f"WARNING: no submission time for {', '.join(untimed)}: not penalized", file=sys.stderr)
    print(f"wrote {args.results / 'grades_late.csv'}")
    return 0


def is_command(argv=None) -> bool:
    """True when the command line starts with one of :data:`COMMANDS` (else it is ``ASSIGNMENT SUBMISSIONS``)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    return bool(argv) and argv[0] in COMMANDS


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command, rest = argv[0], argv[1:]
    if command == "export":
        return export(rest)
    if command == "late":
        return late(rest)
    if command == "similarity":
        from .similarity import main as similarity_main

        return similarity_main(rest)
    if command in ("regrade", "history"):
        from .history import main as history_main

        return history_main(command, rest)
    raise SystemExit(f"unknown command {command!r}; one of {', '.join(COMMANDS)}")
