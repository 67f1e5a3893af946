"""Grading on several processes or machines with Dask distributed, into one gradebook database.

The machine that runs ``python -m l2course.grade … --scheduler tcp://HOST:8786`` (the coordinator) prepares
the assignment and reads the submissions folder; each submission becomes one Dask task. A task runs on a
worker: it reads the submission's notebooks from the shared submissions folder (the same path on every
machine), grades them in bubblewrap sandboxes exactly as a one-machine run does, writes the scores into the
gradebook database and returns the row. The coordinator then writes ``grades.csv``, feedback and the summary,
which are therefore identical to a one-machine run's.

A worker that dies while grading (killed, out of memory, machine lost) loses nothing: the scheduler gives its
tasks to another worker, and writing a row is idempotent (see :mod:`l2course.grading.gradebook`). A task
whose worker dies ``distributed.scheduler.allowed-failures`` + 1 times (default 4) is given up: its row
says so (``grader-error``), and the rest of the batch goes on.
"""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import sys
import tempfile
import threading
from pathlib import Path

from .collect import Submission, collect
from .core import Assignment, Progress, Row, grade_one, grader_error_row, prepare, run_reference
from .gradebook import redact
from .sandbox import Environment, Limits, SandboxSupply

# ---------------------------------------------------------------------------------------------- worker side
# One sandbox environment per worker process, and one supply of sandboxes booted ahead per set of limits.
_ENVIRONMENTS: dict[bool, Environment] = {}
_SUPPLIES: dict[tuple, SandboxSupply] = {}
_LOCK = threading.Lock()


def _close_all() -> None:
    for supply in _SUPPLIES.values():
        supply.close()
    for environment in _ENVIRONMENTS.values():
        environment.close()


def _supply(isolate: bool, limits: Limits) -> SandboxSupply:
    """This worker's supply of sandboxes: each task's sandbox was booted while the previous task ran."""
    with _LOCK:
        if not _ENVIRONMENTS:
            atexit.register(_close_all)
        if isolate not in _ENVIRONMENTS:
            _ENVIRONMENTS[isolate] = Environment(isolate=isolate)
        key = (isolate, tuple(sorted(vars(limits).items())))
        if key not in _SUPPLIES:
            _SUPPLIES[key] = SandboxSupply(_ENVIRONMENTS[isolate], limits)
        return _SUPPLIES[key]


def reference_task(a: Assignment, limits: Limits, isolate: bool) -> dict:
    """Run the solution notebook once and return the reference value of every probe."""
    try:
        return run_reference(a, _supply(isolate, limits))
    except SystemExit as exc:  # a task must raise an Exception, not stop the worker
        raise RuntimeError(str(exc)) from None


def grade_task(a: Assignment, sub: Submission, reference: dict, limits: Limits, isolate: bool,
               db_url: str) -> Row:
    """One submission: :func:`~l2course.grading.core.grade_one` on this worker, then its row recorded."""
    supply = _supply(isolate, limits)
    if isolate and not supply.environment.isolated:
        row = grader_error_row(a, sub, f"worker {socket.gethostname()} has no bubblewrap: install it there "
                                       "(apt-get install bubblewrap) so student code runs sandboxed, or grade with "
                                       "--no-isolation")
    else:
        row = grade_one(a, sub, reference, supply)
    return _record(a, row, db_url)


def _record(a: Assignment, row: Row, db_url: str) -> Row:
    from .gradebook import record
    from .report import _gradebook_error

    failed: list[Row] = []
    record(db_url, a.name, Path(a.notebook_name).stem, [p.grade_id for p in a.parts], [row],
           on_error=lambda r, exc: failed.append(_gradebook_error(a, r, exc)))
    return failed[0] if failed else row


def _identity(x):
    return x


# ----------------------------------------------------------------------------------------- coordinator side
def client_for(scheduler: str | None = None, workers: int | None = None):
    """A Dask client: to the scheduler at ``scheduler`` (``tcp://host:8786``), or to a new local cluster of
    ``workers`` single-threaded worker processes (each under a nanny that restarts it if it dies)."""
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler, timeout="30s")

    cluster = LocalCluster(n_workers=max(1, workers or os.cpu_count() or 1), threads_per_worker=1, processes=True,
                           dashboard_address="127.0.0.1:0", silence_logs=40)
    client = Client(cluster)
    client._l2course_cluster = cluster
    return client


def close_client(client) -> None:
    """Close the client, and the local cluster it started (its shutdown chatter kept out of the output)."""
    import logging

    cluster = getattr(client, "_l2course_cluster", None)
    logger = logging.getLogger("distributed")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        client.close()
        if cluster is not None:
            cluster.close()
    finally:
        logger.setLevel(level)


def grade_distributed(assignment: str, submissions: Path, out: Path, db_url: str, client=None,
                      scheduler: str | None = None, workers: int | None = None, limits: Limits | None = None,
                      isolate: bool = True, regexp: str | None = None, course_root: Path | None = None,
                      feedback: bool = True, quiet: bool = False, on_row=None) -> list[Row]:
    """Grade every submission as one Dask task each; the workers write the scores into ``db_url``.

    ``client``: an existing ``distributed.Client`` (else one is made from ``scheduler`` or ``workers``).
    ``on_row(row, done, total)``: called in this process as each row arrives (progress, tests).
    """

    from . import report
    from .gradebook import check_url, is_server_url

    if not is_server_url(db_url):
        raise SystemExit("distributed grading needs a database server that every worker can write to: "
                         f"--db-url postgresql://user@host/dbname (got {redact(db_url)})")
    check_url(db_url)
    limits = limits or Limits()
    course_root = Path(course_root or Path.cwd())
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda *_: None) if quiet else (lambda msg: print(msg, file=sys.stderr, flush=True))
    own_client = client is None
    with tempfile.TemporaryDirectory(prefix="l2grade-course-") as tmp:
        a = prepare(assignment, course_root, Path(tmp), db_url)
        # A zip is unpacked into the output folder, which must then be shared with the workers too.
        unpack = out / ".submissions" if Path(submissions).is_file() else None
        subs, notes, tmpzip = collect(Path(submissions), a.name, regexp, unpack_to=unpack,
                                      notebook_name=a.notebook_name)
        for note in notes:
            say(f"note: {note}")
        subs = [Submission(s.student, [Path(p).resolve() for p in s.notebooks], list(s.notes), s.refused)
                for s in subs]
        client = client or client_for(scheduler, workers)
        try:
            rows, unrecorded = _run_tasks(client, a, subs, limits, isolate, db_url, say, quiet, on_row)
        finally:
            if own_client:
                close_client(client)
            if tmpzip:
                shutil.rmtree(tmpzip, ignore_errors=True)
        # The workers recorded their rows; the rows of tasks that never finished are recorded here.
        if unrecorded:
            report.write_gradebook(a, unrecorded, out, db_url)
        report.write_all(a, rows, out, _Coordinator(isolate), feedback=feedback, db_url=db_url, gradebook=False)
        if not quiet:
            print(report.summary_table(a, rows), file=sys.stderr)
    return rows


def _run_tasks(client, a, subs, limits, isolate, db_url, say, quiet, on_row) -> tuple[list[Row], list[Row]]:
    """Submit one task per submission; return (rows in submission order, rows no worker recorded)."""
    from distributed import KilledWorker, as_completed

    nworkers = len(client.scheduler_info().get("workers", {}))
    say(f"grading {len(subs)} submissions of {a.name} as Dask tasks on {nworkers} workers at "
        f"{client.scheduler.address} (dashboard {client.dashboard_link}), gradebook {redact(db_url)}")
    # The assignment and the reference values are task results, not scattered data: if the worker holding
    # them dies, the scheduler recomputes them.
    token = os.urandom(4).hex()
    a_future = client.submit(_identity, a, key=f"assignment-{a.name}-{token}", pure=False)
    reference = client.submit(reference_task, a_future, limits, isolate, key=f"reference-{a.name}-{token}",
                              pure=False)
    futures = {client.submit(grade_task, a_future, sub, reference, limits, isolate, db_url,
                             key=f"grade-{a.name}-{sub.student}-{token}", pure=False): sub for sub in subs}
    progress = Progress(len(subs), open(os.devnull, "w") if quiet else None)
    rows: dict[str, Row] = {}
    unrecorded: list[Row] = []
    for future in as_completed(futures):
        sub = futures[future]
        try:
            row = future.result()
        except Exception as exc:  # noqa: BLE001 -- one submission's failure: the batch goes on
            if reference.status == "error":  # the solution itself failed: nothing can be graded
                client.cancel(list(futures))
                raise SystemExit(f"the reference run of the solution failed: {reference.exception()}") from None
            if isinstance(exc, KilledWorker):
                why = (f"the Dask workers grading this submission died repeatedly ({exc}); nothing was recorded "
                       "for it: grade it again")
            else:
                why = f"grading failed on a worker ({type(exc).__name__}: {exc})"
            row = grader_error_row(a, sub, why)
            unrecorded.append(row)
        rows[sub.student] = row
        progress.step(row.status not in ("ok", "tampered", "error"))
        if on_row is not None:
            on_row(row, len(rows), len(subs))
    return [rows[s.student] for s in subs], unrecorded


class _Coordinator:
    """What the summary page says about isolation: the workers' sandboxes, not this machine's."""

    def __init__(self, isolate: bool):
        self.isolate = isolate

    def warning(self) -> str | None:
        if self.isolate:
            return None
        return ("WARNING: graded with --no-isolation: student code ran on the workers WITHOUT a sandbox.")
