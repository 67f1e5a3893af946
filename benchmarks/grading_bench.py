"""Throughput of ``python -m l2course.grade`` against plain ``nbgrader autograde`` on the same files.

    .venv/bin/python benchmarks/grading_bench.py                 # 20 copies of the set-1 solution
    .venv/bin/python benchmarks/grading_bench.py --copies 20 100 --assignment 01_definition

For each N: N copies of the solution notebook are placed in a temporary nbgrader course as
``submitted/student_i/<assignment>/<notebook>.ipynb``; ``nbgrader autograde <assignment>`` runs on them (its
``generate_assignment`` is done beforehand and not timed), then this course's command runs on the same
``submitted/`` folder with every limit and check on (sandbox, cgroup memory limit, timeouts, output cap,
feedback HTML, summary) and its start-up and reference run included in its time. Both must give full marks
to every copy. Prints the wall-clock times and the ratio nbgrader / ours (higher is better).

    .venv/bin/python benchmarks/grading_bench.py --scaling --copies 40   # Dask: 1 vs 2 worker processes

``--scaling``: the same N copies graded as Dask tasks (``grade_distributed``) by a local cluster of 1 worker
process and by one of 2, each writing into its own database of one throwaway PostgreSQL server
(tests/pgserver.py), alternating 1, 2, 1, 2, … ``--runs`` times. The clusters are started before the clock
starts; the time covers preparing the assignment, the reference run, grading and every report. Prints the
median times, submissions per minute and the ratio (1-worker time / 2-worker time; 2.0 would be perfect).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def env() -> dict:
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    e.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return e


def run(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, env=env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def bench(assignment: str, copies: int, jobs: int | None, source_dir: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="l2grade-bench-") as tmp:
        course = Path(tmp) / "course"
        shutil.copytree(source_dir, course / "source" / assignment,
                        ignore=shutil.ignore_patterns("grading.json", ".ipynb_checkpoints"))
        (course / "nbgrader_config.py").write_text(
            "c = get_config()\n"
            f"c.CourseDirectory.root = {str(course)!r}\n"
            f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}'\n"
            "c.CourseDirectory.course_id = 'bench'\n"
            "c.Execute.timeout = 60\n"
        )
        run([str(BIN / "nbgrader"), "generate_assignment", assignment, "--force", "--log-level=ERROR"], course)
        (notebook,) = sorted((source_dir).glob("*.ipynb"))
        text = notebook.read_text()
        for i in range(copies):
            folder = course / "submitted" / f"student_{i:03d}" / assignment
            folder.mkdir(parents=True)
            (folder / notebook.name).write_text(text)

        t_nbgrader = run([str(BIN / "nbgrader"), "autograde", assignment, "--create", "--force",
                          "--log-level=ERROR"], course)
        run([str(BIN / "nbgrader"), "export", "--to", str(Path(tmp) / "nbgrader.csv"), "--log-level=ERROR"], course)
        with open(Path(tmp) / "nbgrader.csv", newline="") as handle:
            nb_scores = [float(r["score"]) for r in csv.DictReader(handle)]

        out = Path(tmp) / "out"
        cmd = [str(BIN / "python"), "-m", "l2course.grading", str(source_dir), str(course / "submitted"),
               "--out", str(out)]
        if jobs:
            cmd += ["--jobs", str(jobs)]
        t_ours = run(cmd, Path(tmp))
        with open(out / "grades.csv", newline="") as handle:
            rows = list(csv.DictReader(handle))
        max_score = float(rows[0]["max"])
        assert len(rows) == copies and all(float(r["total"]) == max_score for r in rows), "ours: not full marks"
        assert len(nb_scores) == copies and all(s == max_score for s in nb_scores), "nbgrader: not full marks"
        return {"copies": copies, "nbgrader_s": round(t_nbgrader, 1), "ours_s": round(t_ours, 1),
                "ratio": round(t_nbgrader / t_ours, 2), "load_before": os.getloadavg()[0]}


def bench_scaling(copies: int, runs: int, source_dir: Path) -> dict:
    """1 vs 2 Dask worker processes on the same submissions, alternating; medians and their ratio."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pgserver import throwaway_postgres

    from l2course.grading.distributed import client_for, close_client, grade_distributed
    from l2course.grading.sandbox import Limits

    (notebook,) = sorted(source_dir.glob("*.ipynb"))
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="l2grade-scaling-") as tmp, throwaway_postgres() as pg:
        subs = Path(tmp) / "submissions"
        for i in range(copies):
            (subs / f"student_{i:03d}").mkdir(parents=True)
            shutil.copy(notebook, subs / f"student_{i:03d}" / notebook.name)
        clients = {n: client_for(workers=n) for n in (1, 2)}
        try:
            for run_index in range(runs):
                for n in (1, 2):
                    url = pg.createdb(f"run{run_index}_w{n}")
                    out = Path(tmp) / f"out{run_index}_{n}"
                    start = time.perf_counter()
                    rows = grade_distributed(str(source_dir), subs, out, url, client=clients[n],
                                             limits=Limits(cell_timeout=120, wall=600), course_root=ROOT,
                                             quiet=True)
                    times[n].append(time.perf_counter() - start)
                    assert len(rows) == copies and all(r.total == r.max for r in rows), f"{n} workers: not full marks"
                    print(f"run {run_index + 1}: {n} worker(s) {times[n][-1]:.1f} s", file=sys.stderr, flush=True)
        finally:
            for client in clients.values():
                close_client(client)
    med = {n: sorted(v)[len(v) // 2] if len(v) % 2 else sum(sorted(v)[len(v) // 2 - 1:len(v) // 2 + 1]) / 2
           for n, v in times.items()}
    return {"copies": copies, "runs": runs, "one_worker_s": round(med[1], 1), "two_workers_s": round(med[2], 1),
            "per_minute_1": round(60 * copies / med[1], 1), "per_minute_2": round(60 * copies / med[2], 1),
            "workers_ratio": round(med[1] / med[2], 2),
            "all_s": {n: [round(t, 1) for t in v] for n, v in times.items()}, "load_before": os.getloadavg()[0]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--assignment", default="01_definition")
    p.add_argument("--copies", type=int, nargs="+", default=[20])
    p.add_argument("--jobs", type=int, default=None)
    p.add_argument("--scaling", action="store_true", help="Dask: 1 vs 2 worker processes (PostgreSQL gradebook)")
    p.add_argument("--runs", type=int, default=3, help="--scaling: alternating pairs of runs (default 3)")
    args = p.parse_args()
    source_dir = Path(args.assignment) if Path(args.assignment).is_dir() else ROOT / "solutions" / args.assignment
    name = source_dir.resolve().name
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}", flush=True)
    for n in args.copies:
        if args.scaling:
            result = bench_scaling(n, args.runs, source_dir.resolve())
        else:
            result = bench(name, n, args.jobs, source_dir.resolve())
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
