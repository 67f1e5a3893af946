"""Grade a class: collect, then :func:`grade_one` per submission (read, plan, run in a sandbox, score,
feedback, gradebook row), mapped over a thread pool here and over a Dask cluster in
:mod:`~l2course.grading.distributed`; then the reports.

Every received submission ends as one row with a ``status`` from a fixed vocabulary and a ``reason``;
the grader never crashes on a submission and never writes a silent 0: an exception in any stage of one
submission becomes that submission's ``grader-error`` row (with the stage, the exception's class and
message) and the batch goes on. Statuses, most severe first: ``grader-error``, ``invalid-notebook``,
``refused``, ``wrong-assignment``, ``no-notebook``, ``memory``, ``kernel-died``, ``interrupt-ignored``,
``wall-clock``, ``timeout``, ``output-limit``, ``error``, ``tampered``, ``ok``.
Every part is graded from its spec, outside the student's kernel: an assignment without a spec entry for
each part is refused when it is prepared.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .collect import Submission, choose_notebook, collect
from .gradebook import COURSE_ID, sqlite_url
from .plan import Part, Plan, build, meta, parts_of
from .sandbox import Environment, Limits, SandboxSupply
from .spec import MalformedReply, expand, find_spec, judge, load_spec, parse_reply, reference_problems

SEVERITY = ["grader-error", "invalid-notebook", "refused", "wrong-assignment", "no-notebook", "memory",
            "kernel-died", "interrupt-ignored", "wall-clock", "timeout", "output-limit", "error", "tampered", "ok"]
MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024
NBGRADER_FLAGS = ("solution", "grade", "locked", "task")


@dataclass
class Attempt:
    """One notebook of one student, planned, executed and scored."""

    path: Path | None
    plan: Plan | None = None
    student_nb: dict | None = None
    records: list[dict] = field(default_factory=list)
    stopped: dict | None = None
    memory_events: int = 0
    events: list[tuple[str, str]] = field(default_factory=list)  # (status, message)
    scores: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(sum(self.scores.values()))


@dataclass
class Row:
    student: str
    scores: dict[str, float]
    total: float
    max: float
    status: str
    reason: str
    attempt: Attempt | None = None
    feedback: str | None = None  # the student's feedback page (HTML), rendered by grade_one


@dataclass
class Assignment:
    name: str
    source_dir: Path
    source_nb: dict
    release_nb: dict
    notebook_name: str
    parts: list[Part]
    checks: dict | None
    spec_path: Path | None
    course: Path
    db_url: str = ""  # the gradebook database given by the user ("": a new SQLite file in the temporary course)

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))


def nbgrader_env() -> dict:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def _alembic_in_process() -> None:
    """nbgrader asks a new gradebook's schema version from an ``alembic heads`` subprocess (seconds on a busy
    machine); read the same head revision from nbgrader's migration scripts in this process instead."""
    import nbgrader.api

    if getattr(nbgrader.api.get_alembic_version, "_l2course", False):
        return
    original = nbgrader.api.get_alembic_version

    def head() -> str:
        try:
            from alembic.script import ScriptDirectory

            return ScriptDirectory(str(Path(nbgrader.api.__file__).with_name("alembic"))).get_current_head()
        except Exception:  # noqa: BLE001
            return original()

    head._l2course = True
    nbgrader.api.get_alembic_version = head


def generate_release(course: Path, name: str, ignore: list[str], db_url: str) -> None:
    """``nbgrader generate_assignment`` in this process (saves its start-up); it records the assignment in the
    gradebook at ``db_url``. nbgrader runs alembic from PATH, so the environment's bin/ goes first."""
    os.environ["PATH"] = nbgrader_env()["PATH"]
    _alembic_in_process()
    try:
        import logging

        from nbgrader.converters import GenerateAssignment
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config

        cfg = Config()
        cfg.CourseDirectory.root = str(course)
        cfg.CourseDirectory.db_url = db_url
        cfg.CourseDirectory.course_id = COURSE_ID  # PostgreSQL enforces the assignment -> course foreign key
        cfg.CourseDirectory.assignment_id = name
        cfg.CourseDirectory.ignore = ignore
        cfg.BaseConverter.force = True
        converter = GenerateAssignment(coursedir=CourseDirectory(config=cfg), config=cfg)
        converter.log.setLevel(logging.ERROR)
        converter.start()
    except Exception as exc:  # noqa: BLE001 -- fall back to the command line, which reports its own errors
        result = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), "generate_assignment", name,
                                 "--force", "--log-level=ERROR"], cwd=course, env=nbgrader_env(),
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"nbgrader generate_assignment failed ({exc!r}):\n{result.stdout}\n{result.stderr}") \
                from exc


def prepare(assignment: str, course_root: Path, workdir: Path, db_url: str | None = None) -> Assignment:
    """A temporary nbgrader course with the assignment's source (spec files left out), recorded in the gradebook
    at ``db_url`` (default: a new SQLite file in the temporary course)."""
    candidate = Path(assignment)
    source_dir = candidate if candidate.is_dir() else Path(course_root) / "solutions" / assignment
    if not source_dir.is_dir():
        raise SystemExit(f"no assignment source at {source_dir}")
    name = source_dir.resolve().name
    spec_path = find_spec(source_dir)
    course = workdir / "course"
    url = db_url or sqlite_url(course / "gradebook.db")
    ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".grading", "grading.json"]
    shutil.copytree(source_dir, course / "source" / name, ignore=shutil.ignore_patterns(*ignore))
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = {url!r}\n"
        f"c.CourseDirectory.course_id = {COURSE_ID!r}\n"
        f"c.CourseDirectory.ignore = {ignore!r}\n"
    )
    generate_release(course, name, ignore, url)
    notebooks = sorted((course / "source" / name).glob("*.ipynb"))
    if len(notebooks) != 1:
        raise SystemExit(f"{source_dir} must hold exactly one notebook (found {len(notebooks)})")
    source_nb = json.loads(notebooks[0].read_text(encoding="utf-8"))
    release_nb = json.loads((course / "release" / name / notebooks[0].name).read_text(encoding="utf-8"))
    if spec_path is None:
        raise SystemExit(f"{source_dir} has no grading.json: every graded part needs a spec (guide/writing_specs.md)")
    try:
        spec = load_spec(spec_path)
    except ValueError as exc:
        raise SystemExit(f"bad grading spec: {exc}") from None
    checks = expand(spec)
    parts = parts_of(source_nb, checks)
    unknown = set(checks) - {p.grade_id for p in parts}
    if unknown:
        raise SystemExit(f"{spec_path}: parts {sorted(unknown)} are not test cells of {notebooks[0].name}")
    missing = [p.grade_id for p in parts if not p.checks]
    if missing:
        raise SystemExit(f"{spec_path}: graded parts {missing} have no checks (no part is graded in the kernel)")
    return Assignment(name, source_dir, source_nb, release_nb, notebooks[0].name, parts, checks, spec_path, course,
                      db_url or "")


def read_notebook(path: Path, raw: bytes | None = None) -> tuple[dict | None, str | None]:
    """The notebook as nbformat 4, or (None, why it is not a notebook)."""
    try:
        size = path.stat().st_size if raw is None else len(raw)
        if size > MAX_NOTEBOOK_BYTES:
            return None, f"{path.name} is {size // 2**20} MB, over the {MAX_NOTEBOOK_BYTES // 2**20} MB limit"
        if raw is None:
            raw = path.read_bytes()
        if not raw.strip():
            return None, f"{path.name} is empty"
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, f"{path.name} is not UTF-8 text"
    except ValueError as exc:
        return None, f"{path.name} is not valid JSON ({str(exc)[:80]}): truncated or not a notebook"
    if not isinstance(data, dict) or "cells" not in data and "worksheets" not in data:
        return None, f"{path.name} is JSON but not a notebook"
    try:
        import nbformat

        nb = nbformat.reads(json.dumps(data), as_version=4)
    except Exception as exc:  # noqa: BLE001 -- any reader failure is a property of the file
        return None, f"{path.name} cannot be read as a notebook ({type(exc).__name__})"
    cells = nb.get("cells")
    if not isinstance(cells, list) or not all(isinstance(c, dict) for c in cells):
        return None, f"{path.name} has no list of cells"
    nb = json.loads(json.dumps(nb))
    for index, cell in enumerate(nb["cells"]):
        problem = _check_cell(cell)
        if problem:
            return None, f"{path.name}: cell {index + 1} {problem}"
    return nb, None


def _check_cell(cell: dict) -> str | None:
    """Make one cell well-typed for the planner: malformed nbgrader metadata is dropped (the cell then counts
    as a cell the student added, and the plan reports what is missing); a cell whose type or source is not
    text makes the notebook invalid (the problem is returned)."""
    if cell.get("cell_type") not in ("code", "markdown", "raw"):
        return f"has cell_type {str(cell.get('cell_type'))[:40]!r}"
    source = cell.get("source", "")
    if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(x, str) for x in source)):
        return "has a source that is not text"
    if not isinstance(cell.get("metadata"), dict):
        cell["metadata"] = {}
    grader = cell["metadata"].get("nbgrader")
    if grader is None:
        return None
    points = grader.get("points", 0) if isinstance(grader, dict) else None
    well_typed = (isinstance(grader, dict) and isinstance(grader.get("grade_id", ""), str)
                  and all(isinstance(grader.get(flag, False), bool) for flag in NBGRADER_FLAGS)
                  and isinstance(points, int | float) and not isinstance(points, bool) and math.isfinite(points))
    if not well_typed:
        cell["metadata"].pop("nbgrader")
    return None


def plan_attempt(a: Assignment, path: Path, text: bytes | None = None) -> Attempt:
    """Read (``text``: the file's bytes, already read elsewhere) and plan one notebook."""
    attempt = Attempt(path)
    nb, problem = read_notebook(path, text)
    if problem:
        attempt.events.append(("invalid-notebook", problem))
        return attempt
    attempt.student_nb = nb
    return plan_submission(a, attempt)


def plan_submission(a: Assignment, attempt: Attempt) -> Attempt:
    """The plan stage: which cells run in which order, and what looks tampered with."""
    nb, path = attempt.student_nb, attempt.path
    plan = build(a.source_nb, a.release_nb, nb, a.checks)
    attempt.plan = plan
    if plan.known == 0:
        other = sorted({meta(c).get("grade_id") for c in nb["cells"] if meta(c).get("grade_id")})
        if other:
            why = f"{path.name} is from another assignment (none of its cells belong to {a.name})"
        else:
            why = f"{path.name} has no nbgrader cells: it was not made from the {a.name} release"
        attempt.events.append(("wrong-assignment", why))
        attempt.plan = None
    return attempt


MALFORMED = "malformed reply from the kernel"


def score(a: Assignment, attempt: Attempt, reference: dict[str, list[dict]], limits: Limits) -> None:
    """Fill in attempt.scores, attempt.messages and the runtime events from its cell records."""
    for part in a.parts:
        attempt.scores[part.grade_id] = 0.0
    if attempt.plan is None:  # the reason is already in attempt.events
        return
    for finding in attempt.plan.findings:
        tampered = any(word in finding for word in ("test cell", "locked", "reordered"))
        attempt.events.append(("tampered" if tampered else "ok", finding))
    for index, cell in enumerate(attempt.plan.cells):
        if index >= len(attempt.records):
            if cell.part:
                attempt.messages[cell.part] = "not graded: the kernel had stopped before this part"
            continue
        rec = attempt.records[index]
        status, label = rec["status"], cell.label
        if cell.role == "probe":
            label = f"grading {cell.part}"
        ename = rec.get("ename") or ""
        if status == "error" and ename == "MemoryError":
            attempt.events.append(("memory", f"{label} ran out of memory ({limits.memory_mb} MB limit)"))
        elif status == "error" and "[Errno 28]" in str(rec.get("evalue", "")):
            attempt.events.append(("memory", f"{label} filled the sandbox's /tmp: over its {limits.disk_mb} MB "
                                             "disk quota (files there are kept in memory)"))
        elif status == "error" and cell.role in ("answer", "extra", "locked"):
            attempt.events.append(("error", f"{label} raised {ename}: {str(rec.get('evalue', ''))[:120]}"))
        elif status == "timeout":
            attempt.events.append(("timeout", f"{label} ran over the {limits.cell_timeout:g} s cell time limit "
                                              "(interrupted)"))
        elif status == "output-limit":
            attempt.events.append(("output-limit", f"{label} printed over {limits.max_output} characters "
                                                   "(interrupted)"))
        elif status == "killed":
            why = {"output-limit": "printed too much", "wall": "hit the wall-clock limit"}.get(
                rec.get("killed_for"), f"ran over the {limits.cell_timeout:g} s cell time limit")
            attempt.events.append(("interrupt-ignored", f"{label} {why} and ignored the interrupt: kernel killed"))
        elif status == "dead":
            if attempt.memory_events:
                attempt.events.append(("memory", f"the kernel was killed in {label} for exceeding the "
                                                 f"{limits.memory_mb} MB memory limit"))
            else:
                attempt.events.append(("kernel-died", f"the kernel died in {label} (os._exit, a crash or "
                                                      "the memory limit)"))
        elif status == "wall":
            attempt.events.append(("wall-clock", f"stopped in {label}: over the {limits.wall:g} s limit per "
                                                 "submission"))
        if cell.role == "probe":
            checks = a.checks[cell.part]
            if status == "error":
                attempt.messages[cell.part] = f"the grader's query failed in the student's kernel ({ename})"
                continue
            if status != "ok":
                attempt.messages[cell.part] = "not graded: grading this part was interrupted"
                continue
            why = judge(rec.get("probe"), reference[cell.part], checks)
            if why is None:
                attempt.scores[cell.part] = next(p.points for p in a.parts if p.grade_id == cell.part)
            else:
                attempt.messages[cell.part] = why
    if attempt.stopped and attempt.stopped.get("why") == "malformed":
        attempt.events.append(("tampered", f"{MALFORMED}: the grader's channel was interfered with; the cells "
                                           "after it were not graded"))
    if attempt.stopped and attempt.stopped.get("why") == "dead" and not any(
            s in ("kernel-died", "memory") for s, _ in attempt.events):
        attempt.events.append(("memory" if attempt.memory_events else "kernel-died",
                               "the grading sandbox died (memory limit or crash)"))


def row_for(a: Assignment, sub: Submission, attempts: list[Attempt]) -> Row:
    """The row of a submission from its graded notebook (``attempts``: that one, or none)."""
    notes = list(sub.notes)
    if not attempts:
        status = "refused" if sub.refused else "no-notebook"
        why = [] if sub.refused else ["no .ipynb notebook in the submission"]
        return Row(sub.student, {p.grade_id: 0.0 for p in a.parts}, 0.0, a.max_score, status,
                   "; ".join(notes + why))
    (best,) = attempts
    events = best.events
    statuses = [s for s, _ in events if s != "ok"]
    status = min(statuses, key=SEVERITY.index) if statuses else "ok"
    failures = [f"{pid}: {msg}" for pid, msg in best.messages.items() if best.scores.get(pid, 0) == 0]
    reason = "; ".join(notes + [m for _, m in events] + failures)
    return Row(sub.student, dict(best.scores), best.total, a.max_score, status, reason, best)


class Progress:
    def __init__(self, total: int, stream=None):
        self.total, self.done, self.failed = total, 0, 0
        self.stream = stream or sys.stderr
        self.lock = threading.Lock()
        self.tty = self.stream.isatty()
        self.show()

    def step(self, failed: bool) -> None:
        with self.lock:
            self.done += 1
            self.failed += int(failed)
            self.show()

    def show(self) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} graded, {self.failed} failed"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done == self.total else ""))
        elif self.done == self.total or self.done % max(1, self.total // 10) == 0:
            self.stream.write(line + "\n")
        self.stream.flush()


def run_job(sandbox, cells: list[str]) -> tuple[list[dict], dict | None, str | None, int]:
    """Run one notebook's planned cells in a started sandbox and close it: (records, stopped, problem, memory
    events). Never raises: a grader-side failure comes back as ``problem``."""
    try:
        records, stopped, problem = sandbox.run(cells)
        mem = sandbox.memory_events()
    except Exception as exc:  # noqa: BLE001 -- a grader bug must still become a row
        records, stopped, problem, mem = [], None, f"{type(exc).__name__}: {exc}", 0
    finally:
        sandbox.close()
    return records, stopped, problem, mem


def channel_events(sandbox) -> list[tuple[str, str]]:
    """What the sandbox's channel saw besides the runner's own records: forged lines, oversized lines, a flood."""
    events = []
    if sandbox.forged:
        events.append(("tampered", f"{sandbox.forged} line(s) not written by the grader's runner were found in its "
                                   "channel (ignored)"))
    if sandbox.dropped:
        events.append(("output-limit", f"{sandbox.dropped} reply line(s) over the grader's size cap were dropped"))
    if sandbox.overflow:
        events.append(("output-limit", "the sandbox sent over the grader's cap of bytes per submission: stopped"))
    return events


def finish_attempt(attempt: Attempt, records, stopped, problem, mem) -> bool:
    """Store a run's outcome in its attempt; True when something went wrong beyond a failed test."""
    attempt.records, attempt.stopped, attempt.memory_events = records, stopped, mem
    if problem:
        attempt.events.append(("grader-error", problem))
    roles = [c.role for c in attempt.plan.cells]
    return bool(problem or stopped or any(r["status"] != "ok" and not (r["status"] == "error" and
                                                                       roles[i] == "test")
                                          for i, r in enumerate(records)))


def grader_error_row(a: Assignment, sub: Submission, reason: str) -> Row:
    """A submission the grader could not grade: 0 points, and the reason says why and what to do."""
    return Row(sub.student, {p.grade_id: 0.0 for p in a.parts}, 0.0, a.max_score, "grader-error",
               "; ".join([*sub.notes, reason]))


# ------------------------------------------------------------------------------------------- the stages
def read_submission(a: Assignment, sub: Submission) -> Attempt | None:
    """The read stage: the notebook to grade (the expected name; the others are listed in ``sub.notes``),
    read as nbformat 4 with well-typed nbgrader metadata; None when the submission holds no notebook."""
    path, notes, ambiguous = choose_notebook(sub.notebooks, a.notebook_name)
    sub.notes[:] = [*sub.notes, *[n for n in notes if n not in sub.notes]]
    sub.refused = sub.refused or ambiguous
    if path is None:
        return None
    try:
        raw = Path(path).read_bytes() if Path(path).stat().st_size <= MAX_NOTEBOOK_BYTES else None
    except OSError as exc:
        raise GraderError(f"worker {socket.gethostname()} cannot read {path} ({exc.strerror or exc}): the "
                          "submissions folder must be shared at the same path on every grading machine") from None
    attempt = Attempt(Path(path))
    nb, problem = read_notebook(Path(path), raw)
    if problem:
        attempt.events.append(("invalid-notebook", problem))
    attempt.student_nb = nb
    return attempt


def run_submission(attempt: Attempt, sandbox: SandboxSupply) -> bool:
    """The run stage: the planned cells in a sandbox of the supply; True when something went wrong."""
    box = sandbox.take()
    outcome = run_job(box, [c.source for c in attempt.plan.cells])
    attempt.events.extend(channel_events(box))
    return finish_attempt(attempt, *outcome)


def render_feedback(a: Assignment, row: Row) -> str:
    """The feedback stage: the student's page (see :func:`report.feedback_html`)."""
    from .report import feedback_html

    return feedback_html(a, row)


def gradebook_row(a: Assignment, row: Row) -> dict[str, float]:
    """The gradebook stage: the auto score of every part, checked (a number from 0 to the part's points)."""
    scores = {}
    for part in a.parts:
        value = float(row.scores.get(part.grade_id, 0.0))
        if not (math.isfinite(value) and 0.0 <= value <= part.points):
            raise ValueError(f"score {value!r} of {part.grade_id} is outside 0..{part.points:g}")
        scores[part.grade_id] = value
    if not math.isclose(sum(scores.values()), row.total, abs_tol=1e-9):
        raise ValueError(f"total {row.total!r} is not the sum of the parts' scores")
    return scores


class GraderError(Exception):
    """A failure of the grading machinery (not of the student's notebook), with its explanation."""


STAGE_WORDS = {"read": "reading the notebook", "plan": "planning the cells", "run": "running the notebook",
               "score": "scoring", "feedback": "writing the feedback", "gradebook": "preparing the gradebook row"}


def _reference_of(reference) -> dict:
    return reference.result() if isinstance(reference, Future) else reference


def grade_one(assignment: Assignment, submission: Submission, reference, sandbox: SandboxSupply) -> Row:
    """Read, plan, run, score one submission, render its feedback and check its gradebook row; any failure
    becomes this row's reason (``grader-error``: the stage, the exception's class and message), never the
    batch's.

    ``reference``: the solution's probe values (a dict, or a ``concurrent.futures.Future`` of one, so that
    runs start while the reference is still being computed); ``sandbox``: where the notebook runs
    (:class:`~l2course.grading.sandbox.SandboxSupply`, whose ``limits`` apply). A failed reference run is
    not this submission's fault: its ``SystemExit`` stops the batch.
    """
    a, sub = assignment, Submission(submission.student, list(submission.notebooks), list(submission.notes),
                                    submission.refused)
    stage = "read"
    try:
        attempt = read_submission(a, sub)
        attempts = []
        if attempt is not None:
            attempts = [attempt]
            if attempt.student_nb is not None:
                stage = "plan"
                plan_submission(a, attempt)
            if attempt.plan is not None:
                stage = "run"
                run_submission(attempt, sandbox)
            stage = "score"
            score(a, attempt, _reference_of(reference), sandbox.limits)
        row = row_for(a, sub, attempts)
        stage = "feedback"
        row.feedback = render_feedback(a, row)
        stage = "gradebook"
        gradebook_row(a, row)
        return row
    except GraderError as exc:
        return grader_error_row(a, sub, str(exc))
    except Exception as exc:  # noqa: BLE001 -- one submission's failure is that submission's row
        why = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else ""
        return grader_error_row(a, sub, f"grader error while {STAGE_WORDS[stage]} ({type(exc).__name__}"
                                        f"{': ' + why if why else ''}): grade it again, and report it if it stays")


def run_reference(a: Assignment, sandbox: SandboxSupply) -> dict[str, list[dict]]:
    """Run the solution notebook once; the reference value of every probe (SystemExit if it fails its spec)."""
    attempt = plan_attempt(a, Path(a.notebook_name), text=json.dumps(a.source_nb).encode("utf-8"))
    box = sandbox.take()
    records, stopped, problem, _ = run_job(box, [c.source for c in attempt.plan.cells])
    attempt.records, attempt.stopped = records, stopped
    if problem:
        attempt.events.append(("grader-error", problem))
    return reference_values(a, attempt)


def grade(assignment: str, submissions: Path, out: Path, jobs: int | None = None, limits: Limits | None = None,
          isolate: bool = True, regexp: str | None = None, course_root: Path | None = None, feedback: bool = True,
          quiet: bool = False, db_url: str | None = None) -> list[Row]:
    """Grade every submission on this machine (``jobs`` kernels at a time); write the reports into ``out``.

    ``db_url``: the gradebook (default: a new SQLite file ``out/gradebook.db``).
    """
    from . import report
    from .gradebook import check_url

    limits = limits or Limits()
    course_root = Path(course_root or Path.cwd())
    workers = max(1, jobs or os.cpu_count() or 1)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda *_: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    if db_url:
        check_url(db_url)
    environment = Environment(isolate=isolate)
    supply = SandboxSupply(environment, limits, prestart=workers)  # kernels boot while we prepare
    tmpzip = None
    try:
        with tempfile.TemporaryDirectory(prefix="l2grade-course-") as tmp:
            a = prepare(assignment, course_root, Path(tmp), db_url)
            if environment.warning():
                say(environment.warning())
            subs, notes, tmpzip = collect(Path(submissions), a.name, regexp, notebook_name=a.notebook_name)
            for note in notes:
                say(f"note: {note}")
            say(f"grading {len(subs)} submissions of {a.name} on {workers} workers "
                f"({'isolated with bubblewrap' if environment.isolated else 'NOT isolated'}"
                f"{', cgroup memory limit' if environment.cgroups else ''})")
            supply.expect(len(subs) + 1)
            progress = Progress(len(subs), open(os.devnull, "w") if quiet else None)
            rows = map_grade_one(a, subs, supply, workers, progress)
            report.write_all(a, rows, out, environment, feedback=feedback, db_url=db_url)
            if not quiet:
                print(report.summary_table(a, rows), file=sys.stderr)
    finally:
        if tmpzip:
            shutil.rmtree(tmpzip, ignore_errors=True)
        supply.close()
        environment.close()
    return rows


def map_grade_one(a: Assignment, subs: list[Submission], supply: SandboxSupply, workers: int,
                  progress: Progress | None = None) -> list[Row]:
    """:func:`grade_one` over a thread pool of ``workers``, the reference run first; rows in submission order."""
    rows: dict[int, Row] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        reference = pool.submit(run_reference, a, supply)
        futures = {pool.submit(grade_one, a, sub, reference, supply): k for k, sub in enumerate(subs)}
        try:
            for future in as_completed(futures):
                row = future.result()  # grade_one returns a row for anything but a failed reference run
                rows[futures[future]] = row
                if progress is not None:
                    progress.step(row.status not in ("ok", "tampered", "error"))
            if not subs:
                reference.result()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    return [rows[k] for k in range(len(subs))]


def reference_values(a: Assignment, ref: Attempt) -> dict[str, list[dict]]:
    """The solution's values for every probe; the solution must pass its own spec without any error."""
    reference: dict[str, list[dict]] = {}
    problems = [m for _, m in ref.events]
    for index, cell in enumerate(ref.plan.cells):
        if index >= len(ref.records):
            problems.append(f"reference run stopped before {cell.label}")
            break
        rec = ref.records[index]
        if rec["status"] != "ok":
            problems.append(f"the solution's {cell.label} ended with {rec['status']} {rec.get('ename', '')}")
        if cell.role == "probe":
            try:
                values = parse_reply(rec.get("probe"), len(a.checks[cell.part]))
            except MalformedReply as exc:
                problems.append(f"the solution's reply for {cell.part} is malformed ({exc})")
                continue
            bad = reference_problems(values, a.checks[cell.part])
            if bad:
                problems.append(f"the solution fails the spec of {cell.part}: {bad[:2]}")
            else:
                reference[cell.part] = values
    if problems:
        raise SystemExit("the reference run of the solution notebook failed:\n  " + "\n  ".join(problems))
    return reference
