"""Every grading run recorded, and regrades that say what changed.

Each run of ``python -m l2course.grade`` (and each ``regrade``) adds one row to ``l2course_history_runs``
(assignment, time, kind, hashes of the grading spec and of the source notebook, the course's git commit, the
package versions of the environment) and one row per student to ``l2course_history_results`` (submission
hash, scores per part, total, status, reason). The submitted notebook itself is kept once per hash in
``l2course_history_blobs``, so ``regrade`` can grade the stored submissions again after a spec or test change
without the original folder or zip.

Where: with ``--db-url`` (a gradebook on a database server) the three tables go into that same database, so
every grading machine and every run shares one history; nbgrader's own tables are never touched. Without it
they go into ``OUT/history.sqlite``, next to the gradebook: the default ``gradebook.db`` is replaced by each
run, so it cannot hold a history.

Nothing is overwritten without a record: a regrade writes its new rows to the history before it updates
``grades.csv``, the feedback and the gradebook, and the old rows stay in the history.

>>> canonical({"b": 1, "a": [1, 2]})
b'{"a":[1,2],"b":1}'
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

PACKAGES = ["l2course", "nbgrader", "numpy", "matplotlib", "ipykernel", "jupyter_client", "nbformat",
            "sqlalchemy", "copydetect"]
PREFIX = "l2course_history_"


def canonical(nb) -> bytes:
    """The bytes a notebook is stored and hashed as: JSON with sorted keys and no spaces."""
    return json.dumps(nb, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def history_url(out: Path, db_url: str | None) -> str:
    from .gradebook import sqlite_url

    return db_url or sqlite_url(Path(out) / "history.sqlite")


def _tables():
    from sqlalchemy import (
        Column,
        Float,
        ForeignKey,
        Integer,
        LargeBinary,
        MetaData,
        String,
        Table,
        Text,
        UniqueConstraint,
    )

    md = MetaData()
    runs = Table(f"{PREFIX}runs", md,
                 Column("id", Integer, primary_key=True, autoincrement=True),
                 Column("assignment", String(200), nullable=False, index=True),
                 Column("kind", String(20), nullable=False),
                 Column("started_at", String(40), nullable=False),
                 Column("spec_hash", String(64)), Column("source_hash", String(64)),
                 Column("course_commit", String(80)), Column("environment", Text),
                 Column("command", Text), Column("parent_run", Integer), Column("note", Text))
    results = Table(f"{PREFIX}results", md,
                    Column("id", Integer, primary_key=True, autoincrement=True),
                    Column("run_id", Integer, ForeignKey(f"{PREFIX}runs.id"), nullable=False, index=True),
                    Column("student", String(400), nullable=False),
                    Column("submission_hash", String(64)), Column("notebook_name", String(400)),
                    Column("scores", Text, nullable=False), Column("total", Float, nullable=False),
                    Column("max", Float, nullable=False), Column("status", String(40), nullable=False),
                    Column("reason", Text),
                    UniqueConstraint("run_id", "student"))
    blobs = Table(f"{PREFIX}blobs", md, Column("hash", String(64), primary_key=True),
                  Column("data", LargeBinary, nullable=False))
    return md, runs, results, blobs


class History:
    """The history tables at one SQLAlchemy URL (created on first use)."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine

        self.url = url
        self.engine = create_engine(url)
        self.md, self.runs, self.results, self.blobs = _tables()
        self.md.create_all(self.engine)

    def close(self):
        self.engine.dispose()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def record(self, assignment: str, rows, *, kind: str, source_dir: Path | None, course_root: Path | None,
               command: str = "", parent_run: int | None = None) -> int:
        """One run and its rows, in one transaction; returns the run id."""
        from sqlalchemy import insert, select

        spec_hash, source_hash = fingerprints(source_dir)
        with self.engine.begin() as conn:
            run_id = conn.execute(insert(self.runs).values(
                assignment=assignment, kind=kind, started_at=datetime.now(UTC).isoformat(timespec="seconds"),
                spec_hash=spec_hash, source_hash=source_hash, course_commit=course_commit(course_root, source_dir),
                environment=json.dumps(environment(), sort_keys=True), command=command,
                parent_run=parent_run)).inserted_primary_key[0]
            for row in rows:
                data, name = submitted_notebook(row)
                digest = sha256(data) if data is not None else None
                known = select(self.blobs.c.hash).where(self.blobs.c.hash == digest)
                if digest and conn.execute(known).first() is None:
                    conn.execute(insert(self.blobs).values(hash=digest, data=data))
                conn.execute(insert(self.results).values(
                    run_id=run_id, student=row.student, submission_hash=digest, notebook_name=name,
                    scores=json.dumps(row.scores, sort_keys=True), total=float(row.total), max=float(row.max),
                    status=row.status, reason=row.reason))
        return int(run_id)

    def run_list(self, assignment: str) -> list[dict]:
        from sqlalchemy import func, select

        r, s = self.runs, self.results
        query = (select(r, func.count(s.c.id).label("students"), func.avg(s.c.total).label("mean"))
                 .join(s, s.c.run_id == r.c.id, isouter=True).where(r.c.assignment == assignment)
                 .group_by(r.c.id).order_by(r.c.id))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def latest(self, assignment: str, students: list[str] | None = None) -> dict[str, dict]:
        """Each student's most recent result (of any run of the assignment)."""
        from sqlalchemy import select

        r, s = self.runs, self.results
        query = (select(s, r.c.kind).join(r, r.c.id == s.c.run_id).where(r.c.assignment == assignment)
                 .order_by(s.c.run_id))
        out: dict[str, dict] = {}
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                out[row.student] = dict(row._mapping)
        if students is not None:
            out = {k: v for k, v in out.items() if k in students}
        return out

    def student_results(self, assignment: str, student: str) -> list[dict]:
        from sqlalchemy import select

        r, s = self.runs, self.results
        query = (select(s, r.c.kind, r.c.started_at, r.c.spec_hash, r.c.source_hash).join(r, r.c.id == s.c.run_id)
                 .where(r.c.assignment == assignment, s.c.student == student).order_by(s.c.run_id))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]

    def blob(self, digest: str) -> bytes:
        from sqlalchemy import select

        with self.engine.connect() as conn:
            row = conn.execute(select(self.blobs.c.data).where(self.blobs.c.hash == digest)).first()
        if row is None:
            raise KeyError(f"no stored submission with hash {digest}")
        return bytes(row.data)


def submitted_notebook(row) -> tuple[bytes | None, str | None]:
    """The graded notebook of a row (the one the grader kept), canonical bytes, and its file name; (None, None)
    when the row has none (no notebook, or not a readable notebook)."""
    attempt = getattr(row, "attempt", None)
    nb = getattr(attempt, "student_nb", None)
    path = getattr(attempt, "path", None)
    if nb is None:
        return None, None
    return canonical(nb), Path(path).name if path else None


def fingerprints(source_dir: Path | None) -> tuple[str, str]:
    """(hash of the grading spec, hash of the source notebook(s)); '' when absent."""
    if source_dir is None or not Path(source_dir).is_dir():
        return "", ""
    from .spec import find_spec

    spec = find_spec(Path(source_dir))
    spec_hash = sha256(spec.read_bytes()) if spec else ""
    digest = hashlib.sha256()
    for nb in sorted(Path(source_dir).glob("*.ipynb")):
        digest.update(nb.name.encode() + b"\0" + nb.read_bytes())
    return spec_hash, digest.hexdigest()


def course_commit(course_root: Path | None, source_dir: Path | None) -> str:
    """``git rev-parse HEAD`` of the course, with ``+dirty`` when the assignment's source has local changes."""
    root = Path(course_root or Path.cwd())
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                              timeout=10)
        if head.returncode != 0:
            return "not a git checkout"
        commit = head.stdout.strip()
        target = str(source_dir) if source_dir else "."
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", target], capture_output=True,
                               text=True, timeout=10).stdout.strip()
        return commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (git not available)"


def environment() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    env = {"python": platform.python_version(), "platform": platform.platform()}
    for name in PACKAGES:
        try:
            env[name] = version(name)
        except PackageNotFoundError:
            env[name] = "not installed"
    return env


def source_dir_of(assignment: str, course_root: Path) -> Path:
    candidate = Path(assignment)
    return candidate if candidate.is_dir() else Path(course_root) / "solutions" / assignment


def record_grading(assignment: str, rows, out: Path, db_url: str | None, course_root: Path,
                   command: str = "") -> int | None:
    """The hook after a normal grading run; a failure to record is reported, never fatal to the grades."""
    try:
        with History(history_url(out, db_url)) as h:
            return h.record(Path(assignment).name, rows, kind="grade",
                            source_dir=source_dir_of(assignment, course_root), course_root=course_root,
                            command=command)
    except Exception as exc:  # noqa: BLE001 -- the grades are written; say loudly that the history is not
        print(f"WARNING: this run was NOT recorded in the grading history ({type(exc).__name__}: {exc})",
              file=sys.stderr)
        return None


# --- regrade ------------------------------------------------------------------------------------------------

@dataclass
class Change:
    student: str
    old_total: float
    new_total: float
    parts: dict[str, tuple[float, float]]  # part -> (old, new), only those that changed
    old_status: str
    new_status: str


def diff(old: dict, new_row) -> Change:
    before = json.loads(old["scores"])
    parts = {p: (float(before.get(p, 0.0)), float(new_row.scores.get(p, 0.0)))
             for p in sorted(set(before) | set(new_row.scores))
             if float(before.get(p, 0.0)) != float(new_row.scores.get(p, 0.0))}
    return Change(new_row.student, float(old["total"]), float(new_row.total), parts, old["status"], new_row.status)


def format_changes(changes: list[Change]) -> str:
    lines = [f"{'student':<16} {'old':>6} {'new':>6}  parts changed"]
    for c in changes:
        parts = ", ".join(f"{p} {a:g}→{b:g}" for p, (a, b) in c.parts.items()) or "none"
        status = f" (status {c.old_status}→{c.new_status})" if c.old_status != c.new_status else ""
        lines.append(f"{c.student:<16} {c.old_total:>6g} {c.new_total:>6g}  {parts}{status}")
    changed = sum(1 for c in changes if c.parts or c.old_total != c.new_total)
    lines.append(f"{len(changes)} regraded, {changed} changed")
    return "\n".join(lines)


def _read_csv(path: Path) -> tuple[list[str], dict[str, dict]]:
    if not path.is_file():
        return [], {}
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), {r["student"]: r for r in reader}


def regrade(assignment: str, out: Path, *, students: list[str] | None = None, db_url: str | None = None,
            course_root: Path = Path("."), jobs: int | None = None, limits=None, isolate: bool = True,
            quiet: bool = False) -> tuple[list[Change], int]:
    """Grade the stored submissions of ``assignment`` again with today's spec and source; record the run,
    merge the new rows into ``out`` (grades.csv, feedback, gradebook); return (changes, run id)."""
    from .core import grade
    from .gradebook import record as gradebook_record
    from .gradebook import sqlite_url
    from .report import atomic_write

    out = Path(out)
    name = Path(assignment).name
    with History(history_url(out, db_url)) as h:
        latest = h.latest(name)
        if not latest:
            raise SystemExit(f"regrade: no recorded run of {name} in {h.url.split('@')[-1]} (grade it first)")
        if students:
            unknown = [s for s in students if s not in latest]
            if unknown:
                raise SystemExit(f"regrade: {', '.join(unknown)} not in the history of {name} "
                                 f"(recorded: {', '.join(sorted(latest))})")
            latest = {s: latest[s] for s in students}
        parent = max(r["run_id"] for r in latest.values())
        stored = {s: r for s, r in latest.items() if r["submission_hash"]}
        unstorable = sorted(set(latest) - set(stored))
        with tempfile.TemporaryDirectory(prefix="l2regrade-") as tmp:
            subs, new_out = Path(tmp) / "submissions", Path(tmp) / "out"
            for student, r in stored.items():
                folder = subs / student
                folder.mkdir(parents=True)
                (folder / (r["notebook_name"] or f"{name}.ipynb")).write_bytes(h.blob(r["submission_hash"]))
            rows = []
            if stored:
                rows = grade(assignment, subs, new_out, jobs=jobs, limits=limits, isolate=isolate,
                             course_root=course_root, quiet=quiet, db_url=db_url)
            run_id = h.record(name, rows, kind="regrade", source_dir=source_dir_of(assignment, course_root),
                              course_root=course_root, parent_run=parent,
                              command="regrade" + (f" --student {' '.join(students)}" if students else ""))
            # merge into out: grades.csv, feedback, gradebook (the old rows are in the history)
            out.mkdir(parents=True, exist_ok=True)
            if rows:
                header, merged = _read_csv(out / "grades.csv")
                new_header, new_rows = _read_csv(new_out / "grades.csv")
                merged.update(new_rows)
                buffer = io.StringIO()
                w = csv.DictWriter(buffer, fieldnames=new_header, lineterminator="\n", extrasaction="ignore",
                                   restval="")
                w.writeheader()
                for student in sorted(merged):
                    w.writerow(merged[student])
                atomic_write(out / "grades.csv", buffer.getvalue().encode("utf-8"))
                (out / "feedback").mkdir(exist_ok=True)
                for page in (new_out / "feedback").glob("*.html"):
                    shutil.copy(page, out / "feedback" / page.name)
                if not db_url:  # the default SQLite gradebook: update it in place when the parts are the same
                    book = out / "gradebook.db"
                    parts = [c for c in new_header if c not in ("student", "total", "max", "status", "reason")]
                    if book.is_file() and parts == [c for c in header if c in parts]:
                        notebook = Path(next(iter(stored.values()))["notebook_name"] or f"{name}.ipynb").stem
                        gradebook_record(sqlite_url(book), name, notebook, parts, rows)
                    else:
                        tmp_book = out / ".gradebook.db.regrade"
                        shutil.copy(new_out / "gradebook.db", tmp_book)
                        os.replace(tmp_book, book)
    if (out / "grades_late.csv").is_file():
        print(f"note: {out / 'grades_late.csv'} and the late-policy sections of the feedback predate this regrade: "
              f"apply the late policy again (python -m l2course.grade late {name} --results {out} --times …)",
              file=sys.stderr)
    changes = [diff(latest[row.student], row) for row in sorted(rows, key=lambda r: r.student)]
    for student in unstorable:
        print(f"note: {student} not regraded: no notebook was stored (status {latest[student]['status']}: "
              f"{latest[student]['reason'][:80]})", file=sys.stderr)
    return changes, run_id


def main(command: str, argv) -> int:
    if command == "history":
        p = argparse.ArgumentParser(prog="python -m l2course.grade history",
                                    description="The recorded grading runs of an assignment.")
        p.add_argument("assignment")
        p.add_argument("--out", type=Path, default=None, help="results folder (default .grading/results/ASSIGNMENT)")
        p.add_argument("--db-url", default=None, help="the gradebook database holding the history tables")
        p.add_argument("--student", default=None, help="one student's results across runs")
        args = p.parse_args(argv)
        out = args.out or Path(".grading") / "results" / Path(args.assignment).name
        with History(history_url(out, args.db_url)) as h:
            if args.student:
                print(f"{'run':>4} {'kind':<8} {'when':<26} {'spec':<12} {'source':<12} {'total':>6}  status")
                for r in h.student_results(Path(args.assignment).name, args.student):
                    print(f"{r['run_id']:>4} {r['kind']:<8} {r['started_at']:<26} {(r['spec_hash'] or '-')[:12]:<12} "
                          f"{(r['source_hash'] or '-')[:12]:<12} {r['total']:>6g}  {r['status']}")
                return 0
            print(f"{'run':>4} {'kind':<8} {'when':<26} {'spec':<12} {'commit':<12} {'students':>8} {'mean':>6}")
            for r in h.run_list(Path(args.assignment).name):
                print(f"{r['id']:>4} {r['kind']:<8} {r['started_at']:<26} {(r['spec_hash'] or '-')[:12]:<12} "
                      f"{(r['course_commit'] or '-')[:12]:<12} {r['students']:>8} {(r['mean'] or 0):>6.2f}")
        return 0
    from .sandbox import Limits

    p = argparse.ArgumentParser(prog="python -m l2course.grade regrade",
                                description="Grade the stored submissions again and print what changed.")
    p.add_argument("assignment")
    p.add_argument("--student", action="append", default=None, help="regrade only this student (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="results folder (default .grading/results/ASSIGNMENT)")
    p.add_argument("--db-url", default=None, help="the gradebook database (and its history tables)")
    p.add_argument("--course", type=Path, default=Path.cwd(), help="course root holding solutions/ (default .)")
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--cell-timeout", type=float, default=60.0)
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--memory", type=int, default=2048)
    p.add_argument("--no-isolation", action="store_true")
    args = p.parse_args(argv)
    out = args.out or args.course / ".grading" / "results" / Path(args.assignment).name
    limits = Limits(cell_timeout=args.cell_timeout, wall=args.timeout, memory_mb=args.memory)
    changes, run_id = regrade(args.assignment, out, students=args.student, db_url=args.db_url,
                              course_root=args.course, jobs=args.jobs, limits=limits,
                              isolate=not args.no_isolation)
    print(format_changes(changes))
    print(f"recorded as run {run_id}; {out / 'grades.csv'} updated")
    return 0
