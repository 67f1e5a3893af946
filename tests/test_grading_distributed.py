"""Grading past one machine: a real PostgreSQL gradebook, and Dask distributed workers writing into it.

A throwaway PostgreSQL server (tests/pgserver.py) holds the gradebooks. The same 40 submissions of the fixture
assignment ``fx`` are graded once on this process (``grade``) and once as 40 Dask tasks on a cluster of 2 worker
processes started with the ``dask scheduler`` / ``dask worker`` commands the README gives
(``grade_distributed``); ten rows into the distributed run, the test kills (SIGKILL) a worker that is grading.
Expected scores come from the cell metadata and the kind of each submission, never from the grader's output.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from pathlib import Path

import cloudpickle
import pytest
from course import ROOT
from pgserver import INSTALL_HINT, free_port, postgres_bin, throwaway_postgres
from test_grading_hostile import FIXTURE, FULL, POINTS, WRONG_SQ, release_of, solution, with_cell

# The functions this module sends to the scheduler and workers (started elsewhere) travel by value.
cloudpickle.register_pickle_by_value(sys.modules[__name__])

N_SUBMISSIONS = 40
# generous: the grading here competes with the rest of the suite for two cores
LIMITS = dict(cell_timeout=60.0, wall=180.0, memory_mb=1024)


def kinds() -> dict[str, tuple[object, float]]:
    """kind -> (notebook dict or raw text, expected total)."""
    sol = solution()
    return {
        "honest": (sol, FULL),
        "blank": (release_of(sol), 0.0),
        "wrong_sq": (with_cell(sol, "p1_answer", WRONG_SQ), FULL - POINTS["p1_tests"]),
        "wrong_choice": (with_cell(sol, "p3_answer", 'answer_q3 = "a"\n'), FULL - POINTS["p3_tests"]),
        "truncated": (json.dumps(sol)[:200], 0.0),
    }


def expected_totals() -> dict[str, float]:
    names = list(kinds())
    return {f"s{i:02d}": kinds()[names[i % len(names)]][1] for i in range(N_SUBMISSIONS)}


def limits():
    from l2course.grading.sandbox import Limits

    return Limits(**LIMITS)


def test_postgresql_is_installed():
    """The tests below need Debian's PostgreSQL server; CI installs it (.ci/run)."""
    assert postgres_bin() is not None, INSTALL_HINT


@pytest.fixture(scope="module")
def pg():
    with throwaway_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class") / "submissions"
    names = list(kinds())
    for i in range(N_SUBMISSIONS):
        content, _ = kinds()[names[i % len(names)]]
        (folder / f"s{i:02d}").mkdir(parents=True)
        text = content if isinstance(content, str) else json.dumps(content)
        (folder / f"s{i:02d}" / "fx.ipynb").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def single(pg, submissions, tmp_path_factory):
    """The one-machine run, into its own PostgreSQL gradebook."""
    from l2course.grading.core import grade

    out = tmp_path_factory.mktemp("single")
    url = pg.createdb("single")
    rows = grade(str(FIXTURE), submissions, out, jobs=2, limits=limits(), course_root=ROOT, quiet=True, db_url=url)
    return {"rows": {r.student: r for r in rows}, "csv": (out / "grades.csv").read_bytes(), "url": url}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A Dask cluster started the way the README tells instructors: ``dask scheduler``, then
    ``dask worker tcp://… --nworkers 2 --nthreads 1`` (each worker under a nanny that restarts it)."""
    import subprocess

    from distributed import Client

    bin_dir = Path(sys.executable).parent
    folder = tmp_path_factory.mktemp("dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    log = open(folder / "dask.log", "w")  # noqa: SIM115 -- closed below
    scheduler = subprocess.Popen([bin_dir / "dask", "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                  "--dashboard-address", "127.0.0.1:0"], stdout=log, stderr=log, cwd=folder)
    workers = subprocess.Popen([bin_dir / "dask", "worker", address, "--nworkers", "2", "--nthreads", "1"],
                               stdout=log, stderr=log, cwd=folder)
    try:
        client = Client(address, timeout="60s")
        client.wait_for_workers(2, timeout=120)
        client.log_path = folder / "dask.log"
        yield client
        client.shutdown()  # scheduler and workers stop at once (a terminated worker waits to close gracefully)
    finally:
        for process in (workers, scheduler):
            process.terminate()
        for process in (workers, scheduler):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()


def kill_a_busy_worker(client, state: dict) -> None:
    """SIGKILL the process of a worker that has a grading task in progress; note what it held."""
    pids = client.run(os.getpid)
    for _ in range(200):
        busy = {w: [str(k) for k in keys if str(k).startswith("grade-")] for w, keys in client.processing().items()}
        busy = {w: keys for w, keys in busy.items() if keys}
        if busy:
            address = sorted(busy)[0]
            state.update(address=address, pid=pids[address], keys=busy[address], time=time.monotonic())
            os.kill(pids[address], signal.SIGKILL)
            return
        time.sleep(0.05)
    raise AssertionError("no worker was busy grading: nothing to kill")


@pytest.fixture(scope="module")
def distributed(pg, submissions, cluster, tmp_path_factory):
    """The same class as 40 Dask tasks on 2 worker processes; one busy worker is killed after 10 rows."""
    from l2course.grading.distributed import grade_distributed

    out = tmp_path_factory.mktemp("distributed")
    url = pg.createdb("distributed")
    killed: dict = {}

    def on_row(row, done, total):
        if done == 10:
            kill_a_busy_worker(cluster, killed)

    rows = grade_distributed(str(FIXTURE), submissions, out, url, client=cluster, limits=limits(),
                             course_root=ROOT, quiet=True, on_row=on_row)
    return {"rows": {r.student: r for r in rows}, "csv": (out / "grades.csv").read_bytes(), "url": url,
            "killed": killed}


def test_single_process_scores_are_the_expected_ones(single):
    got = {student: row.total for student, row in single["rows"].items()}
    assert got == expected_totals()
    truncated = [r for r in single["rows"].values() if r.status == "invalid-notebook"]
    assert len(truncated) == N_SUBMISSIONS // len(kinds()), "each truncated notebook is reported as one"


def test_distributed_csv_is_the_single_process_csv(single, distributed):
    assert distributed["csv"] == single["csv"]
    assert len(distributed["csv"].decode().splitlines()) == N_SUBMISSIONS + 1


def submission_counts(url: str) -> tuple[int, int, int]:
    """(submissions, distinct students, grades) of assignment fx, counted in SQL."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as db:
            return tuple(db.execute(text(
                "SELECT count(*), count(DISTINCT sa.student_id), "
                "  (SELECT count(*) FROM grade g JOIN submitted_notebook sn ON g.notebook_id = sn.id "
                "   JOIN submitted_assignment s2 ON sn.assignment_id = s2.id "
                "   JOIN assignment a2 ON s2.assignment_id = a2.id WHERE a2.name = 'fx') "
                "FROM submitted_assignment sa JOIN assignment a ON sa.assignment_id = a.id WHERE a.name = 'fx'"
            )).one())
    finally:
        engine.dispose()


@pytest.mark.parametrize("run", ["single", "distributed"])
def test_postgresql_gradebook_holds_every_row_once(run, request):
    from l2course.grading.gradebook import scores

    result = request.getfixturevalue(run)
    assert result["url"].startswith("postgresql://")
    assert submission_counts(result["url"]) == (N_SUBMISSIONS, N_SUBMISSIONS, N_SUBMISSIONS * len(POINTS))
    assert scores(result["url"], "fx") == expected_totals()


def test_nbgrader_export_reads_the_shared_gradebook(distributed, tmp_path):
    """nbgrader's own tools work on the PostgreSQL gradebook the workers wrote."""
    import csv

    from course import nbgrader

    nbgrader("export", f"--CourseDirectory.db_url={distributed['url']}", "--CourseDirectory.course_id=l2-loss",
             "--to", str(tmp_path / "export.csv"), cwd=tmp_path)
    with open(tmp_path / "export.csv", newline="") as handle:
        exported = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)
                    if row["assignment"] == "fx"}
    assert exported == expected_totals()


def test_killed_worker_lost_nothing(distributed, cluster):
    killed = distributed["killed"]
    assert killed.get("keys"), "a worker was killed while it held grading tasks"
    lost = [key.split("-")[2] for key in killed["keys"]]
    for student in lost:
        row = distributed["rows"][student]
        assert row.status != "grader-error", f"{student} was lost with the killed worker: {row.reason}"
        assert row.total == expected_totals()[student], f"{student} was retried with a different score"
    cluster.wait_for_workers(2, timeout=60)  # the nanny restarted the killed worker
    assert killed["pid"] not in cluster.run(os.getpid).values()
    print(f"killed worker pid {killed['pid']} holding {len(lost)} grading task(s) {sorted(lost)}: each was "
          "re-run on a live worker and scored as expected; 2 workers again after the nanny's restart")


def test_rewriting_rows_concurrently_never_duplicates(distributed):
    """A task run twice (a worker presumed dead that was only slow) writes the same rows again, at once."""
    from l2course.grading.gradebook import record, scores

    rows = list(distributed["rows"].values())
    doubled = [type(r)(r.student, {k: 0.0 for k in r.scores}, 0.0, r.max, r.status, r.reason) for r in rows]
    errors = []

    def write(batch):
        try:
            record(distributed["url"], "fx", "fx", list(POINTS), batch)
        except Exception as exc:  # noqa: BLE001 -- reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(batch,)) for batch in (doubled, doubled, rows, rows)]
    for t in threads[:2]:
        t.start()
    for t in threads[:2]:
        t.join()
    assert not errors
    assert set(scores(distributed["url"], "fx").values()) == {0.0}, "the latest write wins"
    for t in threads[2:]:
        t.start()
    for t in threads[2:]:
        t.join()
    assert not errors
    assert submission_counts(distributed["url"]) == (N_SUBMISSIONS, N_SUBMISSIONS, N_SUBMISSIONS * len(POINTS))
    assert scores(distributed["url"], "fx") == expected_totals()


def executing(dask_worker) -> list[str]:
    """Run on each worker by ``client.run``: the keys it is executing right now (not merely queued)."""
    return [str(key) for key, task in dask_worker.state.tasks.items() if task.state == "executing"]


def test_task_given_up_after_its_workers_die_is_reported(pg, cluster, distributed, tmp_path):
    """With ``allowed-failures`` 0 the first death of a grading worker makes the scheduler give up every task
    that worker held: their rows say so and ask for a re-run, the other submissions are graded, and the gradebook
    still has a row for every student."""
    from l2course.grading.distributed import grade_distributed
    from l2course.grading.gradebook import scores

    sol = solution()
    slow = with_cell(sol, "p2_answer", "import time\ntime.sleep(30)\n" + source_of(sol, "p2_answer"))
    students = {"fast1": sol, "slow": slow, "fast2": sol, "fast3": sol}
    folder = tmp_path / "submissions"
    for student, nb in students.items():
        (folder / student).mkdir(parents=True)
        (folder / student / "fx.ipynb").write_text(json.dumps(nb))
    url = pg.createdb("given_up")
    killed: dict = {}
    cluster.wait_for_workers(2, timeout=60)
    pids = cluster.run(os.getpid)

    def watch():
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not killed:
            for address, keys in cluster.run(executing).items():
                if any("-slow-" in key for key in keys):
                    time.sleep(1.0)  # well inside the 30 s sleep
                    killed["pid"] = pids[address]
                    os.kill(pids[address], signal.SIGKILL)
                    return
            time.sleep(0.1)

    def set_allowed_failures(value, dask_scheduler=None):
        previous, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, value
        return previous

    default = cluster.run_on_scheduler(set_allowed_failures, 0)
    try:
        watcher = threading.Thread(target=watch)
        watcher.start()
        rows = {r.student: r for r in grade_distributed(str(FIXTURE), folder, tmp_path / "out", url, client=cluster,
                                                          limits=limits(), course_root=ROOT, quiet=True)}
        watcher.join()
    finally:
        cluster.run_on_scheduler(set_allowed_failures, default)
    assert killed, "the slow submission's worker was killed while executing it"
    assert rows["slow"].status == "grader-error" and rows["slow"].total == 0
    for student, row in rows.items():
        if row.status == "grader-error":  # the slow one, and any task queued on the same worker
            assert "died" in row.reason and "grade it again" in row.reason, row.reason
            assert row.total == 0
        else:
            assert row.total == FULL, f"{student}: {row.reason}"
    assert sum(row.status != "grader-error" for row in rows.values()) >= 1, "the other worker went on grading"
    assert scores(url, "fx") == {student: row.total for student, row in rows.items()}


def source_of(nb: dict, grade_id: str) -> str:
    cell = next(c for c in nb["cells"] if c["metadata"]["nbgrader"]["grade_id"] == grade_id)
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_worker_that_cannot_read_the_shared_folder_reports_it(pg, tmp_path):
    from l2course.grading.collect import Submission
    from l2course.grading.core import prepare
    from l2course.grading.distributed import grade_task
    from l2course.grading.gradebook import scores

    url = pg.createdb("unshared")
    a = prepare(str(FIXTURE), ROOT, tmp_path, url)
    missing = tmp_path / "not-mounted" / "ghost" / "fx.ipynb"
    row = grade_task(a, Submission("ghost", [missing]), {}, limits(), True, url)
    assert row.status == "grader-error" and row.total == 0
    assert str(missing) in row.reason and "shared at the same path on every grading machine" in row.reason
    assert scores(url, "fx") == {"ghost": 0.0}


def test_unreachable_database_stops_before_grading(tmp_path):
    from l2course.grading.core import grade

    url = f"postgresql://grader:hunter2@127.0.0.1:{free_port()}/gradebook"
    with pytest.raises(SystemExit) as stop:
        grade(str(FIXTURE), tmp_path, tmp_path / "out", limits=limits(), course_root=ROOT, quiet=True, db_url=url)
    message = str(stop.value)
    assert "cannot open the gradebook at postgresql://grader:***@127.0.0.1" in message
    assert "hunter2" not in message, "the password never appears in a message"
    assert not (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.parametrize("argv, fragment", [
    (["--workers", "2"], "--db-url postgresql://"),
    (["--workers", "2", "--db-url", "sqlite:///gradebook.db"], "needs a database server"),
    (["--workers", "0", "--db-url", "postgresql://u@h/d"], "--workers must be at least 1"),
])
def test_command_line_explains_what_distributed_grading_needs(argv, fragment, tmp_path):
    from l2course.grading.cli import main

    with pytest.raises(SystemExit) as stop:
        main([str(FIXTURE), str(tmp_path), "--out", str(tmp_path / "out"), "--course", str(ROOT), *argv])
    assert fragment in str(stop.value)
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_command_line_on_the_cluster_started_as_the_readme_says(pg, submissions, cluster, distributed, tmp_path):
    """``python -m l2course.grade … --db-url … --scheduler tcp://…`` in its own process, on the same cluster
    (after its killed worker came back)."""
    import csv
    import subprocess

    from l2course.grading.gradebook import scores

    folder = tmp_path / "some"
    for student in ("s00", "s01", "s02", "s03", "s04"):  # one of each kind
        (folder / student).mkdir(parents=True)
        (folder / student / "fx.ipynb").write_bytes((submissions / student / "fx.ipynb").read_bytes())
    cluster.wait_for_workers(2, timeout=60)
    address = cluster.scheduler.address
    url = pg.createdb("command_line")
    result = subprocess.run(
        [sys.executable, "-m", "l2course.grade", str(FIXTURE), str(folder), "--out", str(tmp_path / "out"),
         "--course", str(ROOT), "--db-url", url, "--scheduler", address, "--cell-timeout", "60"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:] + cluster.log_path.read_text()[-3000:]
    assert "on 2 workers at " + address in result.stderr
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        totals = {row["student"]: float(row["total"]) for row in csv.DictReader(handle)}
    expected = {s: t for s, t in expected_totals().items() if s in totals}
    assert totals == expected and len(totals) == 5
    assert scores(url, "fx") == expected


def test_readme_tells_instructors_how_to_grade_on_several_machines():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for needle in ("dask scheduler", "dask worker", "--db-url postgresql://", "--scheduler tcp://",
                   "same path on every"):
        assert needle in readme, f"README: the several-machines section should mention {needle!r}"
    assert "--scaling" in (ROOT / "benchmarks" / "grading_bench.py").read_text(), "bench: 1 vs 2 workers"
