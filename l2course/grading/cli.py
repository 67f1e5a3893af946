"""Command line: ``python -m l2course.grade ASSIGNMENT SUBMISSIONS [--out DIR] [--jobs N] [--db-url URL]
[--scheduler tcp://HOST:8786 | --workers N]``.

ASSIGNMENT is a folder name under ``solutions/`` (or a path to an nbgrader source folder); SUBMISSIONS is a
folder (``<student>/<notebook>.ipynb`` or nbgrader's ``submitted/<student>/<assignment>/…``) or an LMS zip.
Writes ``grades.csv``, ``feedback/<student>.html``, ``summary.html`` and ``histograms.png`` into ``--out``
(default ``.grading/results/<assignment>``), and the scores into the gradebook: a new ``gradebook.db`` in
``--out``, or the database at ``--db-url``. With ``--scheduler`` (or ``--workers``) every submission is one
Dask task, graded on the workers, which write into the ``--db-url`` database.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m l2course.grade", description=__doc__.split("\n\n")[0],
                                epilog="After grading: python -m l2course.grade export|late|similarity|regrade|history "
                                       "--help (the instructor guide's page 'A term with the grader').")
    p.add_argument("assignment", help="e.g. 01_definition, or a path to an nbgrader source folder")
    p.add_argument("submissions", type=Path, help="folder of submissions or an LMS zip")
    p.add_argument("--out", type=Path, default=None, help="output folder (default .grading/results/ASSIGNMENT)")
    p.add_argument("--jobs", type=int, default=None, help="parallel kernels (default: all cores)")
    p.add_argument("--cell-timeout", type=float, default=60.0, help="seconds per cell (default 60)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per submission (default 600)")
    p.add_argument("--memory", type=int, default=2048, help="MB of memory per kernel (default 2048)")
    p.add_argument("--max-output", type=int, default=5_000_000, help="characters of output per cell (default 5e6)")
    p.add_argument("--disk", type=int, default=256,
                   help="MB the notebook may write to the sandbox's /tmp, a tmpfs held in memory (default 256)")
    p.add_argument("--regexp", default=None,
                   help="zip_collect-style file name pattern with (?P<student_id>…) and (?P<file_id>…) groups")
    p.add_argument("--course", type=Path, default=Path.cwd(), help="course root holding solutions/ (default .)")
    p.add_argument("--no-isolation", action="store_true", help="run without bubblewrap (prints a warning)")
    p.add_argument("--no-feedback", action="store_true", help="skip the per-student feedback HTML")
    p.add_argument("--db-url", default=None,
                   help="gradebook database (SQLAlchemy URL, e.g. postgresql://grader@dbhost/course; "
                        "default: a new SQLite file OUT/gradebook.db)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--scheduler", default=None,
                       help="grade on the Dask cluster whose scheduler is at this address (tcp://HOST:8786); "
                            "needs --db-url of a database server")
    where.add_argument("--workers", type=int, default=None,
                       help="grade on a Dask cluster of N worker processes started on this machine")
    return p


def main(argv=None) -> int:
    from . import term

    if term.is_command(argv):  # export / late / similarity / regrade / history (issue 21)
        return term.main(argv)
    from .core import grade
    from .sandbox import Limits

    args = parser().parse_args(argv)
    name = Path(args.assignment).name
    out = args.out or args.course / ".grading" / "results" / name
    limits = Limits(cell_timeout=args.cell_timeout, wall=args.timeout, memory_mb=args.memory,
                    max_output=args.max_output, disk_mb=args.disk)
    common = dict(limits=limits, isolate=not args.no_isolation, regexp=args.regexp, course_root=args.course,
                  feedback=not args.no_feedback)
    if args.scheduler or args.workers is not None:
        from .distributed import grade_distributed

        if not args.db_url:
            raise SystemExit("--scheduler/--workers: give the gradebook every worker writes to, "
                             "--db-url postgresql://user@host/dbname")
        if args.workers is not None and args.workers < 1:
            raise SystemExit(f"--workers must be at least 1 (got {args.workers})")
        rows = grade_distributed(args.assignment, args.submissions, out, args.db_url, scheduler=args.scheduler,
                                 workers=args.workers, **common)
    else:
        rows = grade(args.assignment, args.submissions, out, jobs=args.jobs, db_url=args.db_url, **common)
    from .gradebook import redact
    from .history import record_grading

    record_grading(args.assignment, rows, out, args.db_url, args.course, "grade")  # issue 21: the run's record

    book = redact(args.db_url) if args.db_url else out / "gradebook.db"
    print(f"wrote {out / 'grades.csv'} ({len(rows)} rows), {out / 'summary.html'}, {out / 'feedback'}/; "
          f"gradebook {book}")
    return 0
