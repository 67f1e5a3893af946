"""Benchmarks of the course (issue 10): ``make bench`` runs this script and writes ``benchmarks/RESULTS.md``.

This is a measuring script, not a test suite: it never fails on a missed target, it reports it. Every figure
is a median of several runs (``--runs``), compared with a reference measured in the same run and interleaved
with it, so that the noise of a shared machine hits both sides. All builds and notebook executions happen in
temporary copies of the repository (a ``git clone`` of it, with the work tree's uncommitted files laid over
it); nothing is written into the repository except the results file.

Figures (see ``benchmarks/README.md``):

1. notebook executions per ``make test``: kernel starts during the nbval stage and the book-render stage;
2. ``tools/execute_notebooks.py --jobs 2`` vs ``--jobs 1``;
3. ``make book`` on a fresh clone vs a one-page book with the same extensions; share of notebook execution;
   what an edit of one chapter's code cell re-executes; no-change rebuild vs clean build;
4. each chapter's "Run all" in a fresh kernel, with its slowest cell;
5. ``make test`` wall time and its stages (``--with-make-test`` runs it; otherwise the last run's
   ``_build/test-timings.json`` is read, if ``make test`` wrote one);
6. ``l2course.mse`` vs ``((y - y_hat) ** 2).mean()`` on 10**7 float64: time and peak extra memory;
7. grading throughput vs plain ``nbgrader autograde`` (``benchmarks/grading_bench.py``, when it exists);
8. distributed grading: throughput with 1 vs 2 Dask worker processes into a PostgreSQL gradebook
   (``grading_bench.py --scaling``).

Usage::

    .venv/bin/python benchmarks/bench.py                    # figures 1-4, 6, 7 (12-16 min)
    .venv/bin/python benchmarks/bench.py --with-make-test   # also runs `make test` in a clone (figure 5)
    .venv/bin/python benchmarks/bench.py --only 6,2 --runs 5 --out /tmp/results.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv" if (ROOT / ".venv" / "bin" / "python").exists() else Path(sys.prefix)
BIN = VENV / "bin"
STAMP = ".venv/.installed-stamp"
# What `make` exports to every recipe (Makefile): single-threaded BLAS, no GUI backend.
MAKE_EXPORTS = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "MPLBACKEND": "Agg",
}
os.environ.update(MAKE_EXPORTS)  # as under `make bench`, also when this script is run directly

# The nbval stage of `make test`, restricted to the notebooks (the Makefile also passes l2course and tests).
NBVAL_ARGS = ["--nbval", "--nbval-current-env", "--sanitize-with", "tests/sanitize.cfg",
              "-n", "2", "--dist", "loadfile"]

# An IPython startup file: each kernel appends its start and a hash of every cell it runs to a log.
# Everything lives inside one function that deletes itself, so the notebook's namespace is untouched.
KERNEL_LOG_STARTUP = r'''
def __l2bench_log():
    import hashlib, json, os, time
    log = os.environ.get("L2BENCH_KERNEL_LOG")
    if not log:
        return
    pid = os.getpid()
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as f:
            parent = f.read().replace(b"\0", b" ").decode(errors="replace").strip()[:400]
    except OSError:
        parent = "?"

    def write(kind, text):
        with open(log, "a") as f:
            f.write(f"{time.time():.3f}\t{pid}\t{kind}\t{text}\n")

    write("start", json.dumps({"cwd": os.getcwd(), "parent": parent, "stage": os.environ.get("L2BENCH_STAGE", "")}))

    def on_cell(info):
        write("cell", hashlib.sha1((info.raw_cell or "").strip().encode()).hexdigest()[:16])

    get_ipython().events.register("pre_run_cell", on_cell)  # noqa: F821 -- defined in IPython


__l2bench_log()
del __l2bench_log
'''


# ----------------------------------------------------------------------------------------------------------
# Small helpers


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt_s(seconds, digits=1):
    return "–" if seconds is None else f"{seconds:.{digits}f} s"


def fmt_x(ratio, digits=2):
    return "–" if ratio is None else f"{ratio:.{digits}f}×"


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def child_env(tree: Path | None = None, **extra) -> dict:
    """The environment of a recipe run by `make` in ``tree``: what the Makefile exports, and ``tree`` first
    on the import path, so its own ``l2course`` is imported rather than the editable install's."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}}
    env.update(MAKE_EXPORTS)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run(cmd, cwd, env, logfile: Path | None = None, timeout=3600) -> tuple[float, int, float]:
    """Run a command; return (wall seconds, exit code, CPU seconds of it and its waited-for descendants)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with open(logfile, "ab") if logfile else open(os.devnull, "wb") as out:
        if logfile:
            out.write(f"\n$ {' '.join(map(str, cmd))}   (in {cwd})\n".encode())
            out.flush()
        proc = subprocess.run(list(map(str, cmd)), cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                              timeout=timeout)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, proc.returncode, cpu


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def tail(path: Path, lines=15) -> str:
    try:
        return "\n".join(ANSI.sub("", path.read_text(errors="replace")).splitlines()[-lines:])
    except OSError:
        return ""


def git(*args, cwd=ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def worktree_changes() -> tuple[list[str], list[str]]:
    """(files to lay over a clone of HEAD: modified or untracked, not ignored; tracked files deleted)."""
    changed = git("ls-files", "-z", "-m", "-o", "--exclude-standard").split("\0")
    deleted = set(git("ls-files", "-z", "-d").split("\0"))
    changed = sorted({c for c in changed if c and c not in deleted})
    return changed, sorted(d for d in deleted if d)


def fresh_tree(dest: Path, seed_mathjax: bool = True) -> Path:
    """A fresh clone of the repository with the work tree's uncommitted files laid over it (what a clone
    would hold once they are committed), sharing the repository's virtual environment."""
    if (ROOT / ".git").exists():
        subprocess.run(["git", "clone", "-q", str(ROOT), str(dest)], check=True)
        changed, deleted = worktree_changes()
        for name in changed:
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if (ROOT / name).is_file():
                shutil.copy2(ROOT / name, target)
        for name in deleted:
            (dest / name).unlink(missing_ok=True)
    else:
        shutil.copytree(ROOT, dest, ignore=shutil.ignore_patterns(".venv", "_build", ".git", "node_modules"))
    (dest / ".venv").symlink_to(VENV, target_is_directory=True)
    # `make` must not rebuild the (shared) venv: make the stamp's prerequisites older than the stamp.
    stamp = VENV / ".installed-stamp"
    if stamp.exists():
        old = stamp.stat().st_mtime - 60
        for name in ("requirements.txt", "pyproject.toml"):
            if (dest / name).exists():
                os.utime(dest / name, (old, old))
    # The offline MathJax comes from npm (`npm ci`); reuse the repository's copy when it has one.
    mathjax = ROOT / "_build" / "offline-assets" / "mathjax"
    if seed_mathjax and (mathjax / "tex-chtml.js").is_file():
        shutil.copytree(mathjax, dest / "_build" / "offline-assets" / "mathjax")
        newest = max(p.stat().st_mtime for p in (dest / "tools" / "offline").glob("package*.json"))
        js = dest / "_build" / "offline-assets" / "mathjax" / "tex-chtml.js"
        if js.stat().st_mtime <= newest:
            os.utime(js, (newest + 1, newest + 1))
    return dest


def make(tree: Path, target: str, logfile: Path, env=None):
    """`make TARGET` in ``tree``, never remaking the shared venv's stamp."""
    return run(["make", "--no-print-directory", "-o", STAMP, target], tree, env or child_env(tree), logfile)


def course_notebooks(tree: Path) -> list[Path]:
    return sorted((tree / "chapters").glob("*.ipynb")) + sorted((tree / "solutions").glob("*/*.ipynb"))


def code_hashes(path: Path) -> list[str]:
    nb = json.loads(path.read_text())
    hashes = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            hashes.append(hashlib.sha1(text.strip().encode()).hexdigest()[:16])
    return hashes


class Row:
    """One line of the results table."""

    def __init__(self, number, figure, measured="–", compared="–", ratio="–", target="–", result="not run"):
        self.number, self.figure, self.measured, self.compared = number, figure, measured, compared
        self.ratio, self.target, self.result = ratio, target, result

    def cells(self):
        return [self.number, self.figure, self.measured, self.compared, self.ratio, self.target, self.result]


def verdict(ok) -> str:
    return "**pass**" if ok else "**FAIL**"


# ----------------------------------------------------------------------------------------------------------
# 1. Notebook executions per `make test`


def kernel_log_env(tmp: Path, tree: Path, stage: str, logfile: Path) -> dict:
    ipython = tmp / "ipython"
    startup = ipython / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-l2bench.py").write_text(KERNEL_LOG_STARTUP)
    return child_env(tree, IPYTHONDIR=ipython, L2BENCH_KERNEL_LOG=logfile, L2BENCH_STAGE=stage)


def read_kernel_log(path: Path) -> dict[int, dict]:
    kernels: dict[int, dict] = {}
    if not path.exists():
        return kernels
    for line in path.read_text().splitlines():
        stamp, pid, kind, text = line.split("\t", 3)
        pid = int(pid)
        if kind == "start":
            kernels[pid] = {"t": float(stamp), **json.loads(text), "cells": []}
        elif pid in kernels:
            kernels[pid]["cells"].append(text)
    return kernels


def attribute_kernels(kernels: dict[int, dict], tree: Path) -> list[dict]:
    """Name the notebook each kernel ran: the one sharing most code cells with what the kernel executed."""
    candidates = {p: set(code_hashes(p)) for p in course_notebooks(tree) + sorted(tree.glob("exercises/*/*.ipynb"))}
    out = []
    for pid, k in sorted(kernels.items(), key=lambda kv: kv[1]["t"]):
        ran = set(k["cells"])
        best, score = None, 0
        for path, hashes in candidates.items():
            overlap = len(ran & hashes) / max(1, len(ran | hashes))
            if overlap > score:
                best, score = path, overlap
        parent = k["parent"]
        if k["stage"]:
            stage = k["stage"]
        elif "nbgrader" in parent:
            stage = "grading (nbgrader)"
        elif "jupyter-book" in parent or "sphinx" in parent:
            stage = "book"
        else:
            stage = "pytest"
        if "nbgrader" in parent:
            stage = "grading (nbgrader)"
        out.append({
            "pid": pid,
            "stage": stage,
            "notebook": str(best.relative_to(tree)) if best is not None and score >= 0.5 else None,
            "overlap": score,
            "cells": len(k["cells"]),
            "cwd": k["cwd"],
        })
    return out


def summarize_executions(attributed: list[dict], tree: Path) -> tuple[bool, str, dict]:
    expected = [str(p.relative_to(tree)) for p in course_notebooks(tree)]
    counts = {name: {} for name in expected}
    other = {}
    for k in attributed:
        if k["stage"].startswith("grading"):
            other.setdefault(k["stage"], 0)
            other[k["stage"]] += 1
            continue
        name = k["notebook"] or f"(unidentified kernel in {k['cwd']}, {k['cells']} cells)"
        counts.setdefault(name, {})
        counts[name][k["stage"]] = counts[name].get(k["stage"], 0) + 1
    ok = all(sum(counts[n].values()) == 1 for n in expected) and all(n in expected for n in counts)
    lines = ["| notebook | executions | by stage |", "|---|---|---|"]
    for name, stages in counts.items():
        by = ", ".join(f"{s}: {c}" for s, c in sorted(stages.items())) or "none"
        lines.append(f"| `{name}` | {sum(stages.values())} | {by} |")
    for stage, count in other.items():
        lines.append(f"| (submissions graded by the grading round-trip tests) | {count} | {stage}: {count} |")
    return ok, "\n".join(lines), counts


def figure_executions(tmp: Path, ctx: dict) -> tuple[Row, str]:
    row = Row("1", "Notebook executions per `make test` (kernel starts)",
              target="each chapter/solution notebook exactly once")
    tree = fresh_tree(tmp / "tree")
    klog = tmp / "kernels.log"
    out = tmp / "stages.log"
    log("figure 1: nbval stage (pytest --nbval on chapters/ and solutions/, -n 2 --dist loadfile)")
    t_nbval, rc_nbval, _ = run([BIN / "pytest", "chapters", "solutions", *NBVAL_ARGS, "-q"],
                               tree, kernel_log_env(tmp, tree, "nbval", klog), out)
    log(f"figure 1: nbval stage {t_nbval:.1f} s (exit {rc_nbval}); book-render stage")
    t_render, rc_render, _ = make(tree, "book-render", out, kernel_log_env(tmp, tree, "book-render", klog))
    log(f"figure 1: book-render {t_render:.1f} s (exit {rc_render})")
    attributed = attribute_kernels(read_kernel_log(klog), tree)
    ok, table, counts = summarize_executions(attributed, tree)
    n_nb = len(course_notebooks(tree))
    starts = {"nbval": 0, "book-render": 0}
    for k in attributed:
        starts[k["stage"]] = starts.get(k["stage"], 0) + 1
    row.measured = ", ".join(f"{s}: {c} kernel starts" for s, c in starts.items()) or "0 kernel starts"
    row.compared = f"{n_nb} chapter + solution notebooks"
    row.ratio = f"{sum(starts.values())}/{n_nb}"
    row.result = verdict(ok) + (f" (count); but nbval exited {rc_nbval}, book-render {rc_render}: see notes"
                                if rc_nbval or rc_render else "")
    notes = [
        "Kernel starts counted with an IPython startup file (temporary `IPYTHONDIR`) that logs each kernel's",
        "start and a hash of every cell it runs; a kernel is attributed to the notebook whose code cells it ran.",
        f"Stages run in a fresh clone: the nbval stage as in the Makefile but on `chapters solutions` only "
        f"({fmt_s(t_nbval)}, exit {rc_nbval}), then `make book-render` ({fmt_s(t_render)}, exit {rc_render}).",
        "The rest of the pytest stage (unit tests, grading round trips) is counted only with `--with-make-test`.",
        "",
        table,
    ]
    if rc_nbval or rc_render:
        notes += ["", "Output tail of the failing stage:", "```", tail(out, 25), "```"]
    ctx["nbval_stage_seconds"] = t_nbval
    return row, "\n".join(notes)


# ----------------------------------------------------------------------------------------------------------
# 2. Parallel vs sequential execution of all notebooks


def import_costs(tree: Path) -> dict[str, float]:
    """Seconds to import each heavy module in a fresh interpreter (what every kernel pays)."""
    code = textwrap.dedent("""
        import json, time, importlib
        out = {}
        for name in ["numpy", "matplotlib.pyplot", "l2course", "scipy.optimize", "sklearn.linear_model"]:
            t = time.perf_counter()
            try:
                importlib.import_module(name)
            except Exception:
                out[name] = None
                continue
            out[name] = time.perf_counter() - t
        print(json.dumps(out))
    """)
    result = subprocess.run([BIN / "python", "-c", code], cwd=tree, env=child_env(tree), capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def greedy_makespan(durations: list[float], workers: int) -> float:
    """Finish time of pool.map's order on ``workers`` processes (each takes the next notebook when free)."""
    free = [0.0] * workers
    for d in durations:
        i = free.index(min(free))
        free[i] += d
    return max(free)


SPIN = "import time\nt = time.perf_counter()\nx = 0\nfor i in range(8_000_000):\n    x += i * i\n"


def machine_scaling() -> float:
    """How much faster two CPU-bound processes finish than one after the other, right now on this machine
    (2.0 on two idle cores; less when other work takes a core)."""
    cmd = [sys.executable, "-c", SPIN]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    alone = time.perf_counter() - start
    start = time.perf_counter()
    procs = [subprocess.Popen(cmd) for _ in range(2)]
    for proc in procs:
        proc.wait()
    pair = time.perf_counter() - start
    return 2 * alone / pair


def figure_parallel(tmp: Path, ctx: dict, runs: int) -> tuple[Row, str]:
    row = Row("2", "Execute all notebooks: `execute_notebooks.py --jobs 2` vs `--jobs 1`", target="≥ 1.7×")
    tree = fresh_tree(tmp / "tree", seed_mathjax=False)
    out = tmp / "execute.log"
    times = {1: [], 2: []}
    cpu = {1: [], 2: []}
    per_notebook: dict[str, list[float]] = {}
    order: list[str] = []
    failed = False
    scaling = []
    per_notebook_par: dict[str, list[float]] = {}
    for r in range(runs):
        scaling.append(machine_scaling())
        for jobs in ((1, 2) if r % 2 == 0 else (2, 1)):
            mark = out.stat().st_size if out.exists() else 0
            wall, rc, used = run([BIN / "python", "tools/execute_notebooks.py", "--jobs", jobs], tree,
                                 child_env(tree), out)
            failed |= rc != 0
            times[jobs].append(wall)
            cpu[jobs].append(used)
            log(f"figure 2: run {r + 1}/{runs} --jobs {jobs}: {wall:.1f} s wall, {used:.1f} s CPU (exit {rc})")
            with open(out, "rb") as f:
                f.seek(mark)
                text = f.read().decode(errors="replace")
            found = re.findall(r"^executed (\S+) in ([0-9.]+) s", text, re.MULTILINE)
            if not order:
                order = [name for name, _ in found]
            for name, secs in found:
                (per_notebook if jobs == 1 else per_notebook_par).setdefault(name, []).append(float(secs))
    seq, par = median(times[1]), median(times[2])
    speedup = seq / par if seq and par else None
    row.measured = f"--jobs 2: {fmt_s(par)} (median of {runs})"
    row.compared = f"--jobs 1: {fmt_s(seq)}; machine's 2-process scaling {fmt_x(median(scaling))}"
    row.ratio = fmt_x(speedup)
    row.result = verdict(speedup is not None and speedup >= 1.7 and not failed)
    medians = {name: median(v) for name, v in per_notebook.items()}
    durations = [medians[name] for name in order if name in medians]
    bound = sum(durations) / greedy_makespan(durations, 2) if durations else None
    imports = import_costs(tree)
    sum_par = sum(median(v) for v in per_notebook_par.values())
    ctx["notebook_seconds"] = medians
    notes = [
        f"{len(order)} notebooks (chapters and solutions), executed in place in a fresh clone; each run's order "
        "alternates which of the two goes first.",
        f"Wall times --jobs 1: {', '.join(fmt_s(t) for t in times[1])}; "
        f"--jobs 2: {', '.join(fmt_s(t) for t in times[2])}.",
        f"CPU used (all processes, median): --jobs 1 {fmt_s(median(cpu[1]))}, --jobs 2 {fmt_s(median(cpu[2]))}; "
        f"cores kept busy: {median(cpu[1]) / seq:.2f} vs {median(cpu[2]) / par:.2f}." if seq and par else "",
        f"Best speed-up these notebook durations allow on 2 workers in the tool's order (list scheduling): "
        f"{fmt_x(bound)}; the longest notebook takes {fmt_s(max(durations) if durations else None)} of "
        f"{fmt_s(sum(durations))}.",
        f"Each notebook takes longer when two run at once: summed per-notebook times {fmt_s(sum(durations))} "
        f"with --jobs 1 vs {fmt_s(sum_par)} with --jobs 2 ({sum_par / sum(durations):.2f}×), which caps the "
        f"speed-up at {2 * sum(durations) / sum_par:.2f}×." if durations and sum_par else "",
        f"The machine itself, measured just before each pair: two CPU-bound Python processes finish "
        f"{fmt_x(median(scaling))} faster than one after the other ({', '.join(fmt_x(x) for x in scaling)}; "
        "2.00× on two idle cores).",
        "Import cost in a fresh interpreter (paid by every kernel): "
        + ", ".join(f"{k} {fmt_s(v, 2)}" for k, v in imports.items()) + ".",
        "",
        "| notebook | --jobs 1 time (median, incl. kernel start) |",
        "|---|---|",
    ]
    notes += [f"| `{name}` | {fmt_s(medians[name])} |" for name in order if name in medians]
    if failed:
        notes += ["", "A run failed; output tail:", "```", tail(out, 20), "```"]
    ctx["import_costs"] = imports
    return row, "\n".join(notes)


# ----------------------------------------------------------------------------------------------------------
# 3. The book build


def one_page_book(dest: Path, tree: Path) -> Path:
    """A book of one Markdown page with the course's configuration (same extensions, same execution mode)."""
    dest.mkdir(parents=True)
    shutil.copy2(tree / "_config.yml", dest / "_config.yml")
    shutil.copy2(tree / "references.bib", dest / "references.bib")
    (dest / "_toc.yml").write_text("format: jb-book\nroot: index\n")
    (dest / "index.md").write_text(
        "# One page\n\nThe fixed cost of a build: the course's configuration and extensions, one page, "
        "no notebook.\n"
    )
    return dest


def cache_records(tree: Path) -> dict[int, dict]:
    from jupyter_cache import get_cache

    path = tree / "_build" / ".jupyter_cache"
    if not path.exists():
        return {}
    cache = get_cache(path)
    records = cache.list_cache_records()
    return {r.pk: {"uri": r.uri, "seconds": (r.data or {}).get("execution_seconds")} for r in records}


def touch_code_cell(notebook: Path) -> None:
    """Change one code cell's source (append a comment to the last code cell), as an author would."""
    nb = json.loads(notebook.read_text())
    cell = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    text = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    cell["source"] = text.rstrip("\n") + "\n# touched by benchmarks/bench.py"
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")


def toc_chapters(tree: Path) -> list[Path]:
    text = (tree / "_toc.yml").read_text()
    files = re.findall(r"file:\s*(\S+)", text)
    return [tree / f"{f}.ipynb" for f in files if (tree / f"{f}.ipynb").exists() and f.startswith("chapters/")]


def nbformat_import_cost(tree: Path, runs: int) -> dict[str, float]:
    """Seconds to import nbformat in a fresh interpreter, as installed and with rfc3987_syntax blocked."""
    code = ("import sys, time\n{block}t = time.perf_counter()\nimport nbformat.validator\n"
            "print(time.perf_counter() - t)")
    samples = {"normal": [], "blocked": []}
    for _ in range(runs):
        for kind, block in (("normal", ""), ("blocked", "sys.modules['rfc3987_syntax'] = None\n")):
            out = subprocess.run([BIN / "python", "-c", code.format(block=block)], cwd=tree, env=child_env(tree),
                                 capture_output=True, text=True, check=True).stdout
            samples[kind].append(float(out.strip().splitlines()[-1]))
    return {k: median(v) for k, v in samples.items()}


def figure_book(tmp: Path, ctx: dict, runs: int) -> list[tuple[Row, str]]:
    row_a = Row("3a", "`make book` on a fresh clone ÷ one-page book (same extensions)", target="reported")
    row_b = Row("3b", "Rebuild after editing one chapter's code cell: notebooks re-executed",
                target="only that chapter")
    row_c = Row("3c", "No-change rebuild ÷ clean build", target="≤ 0.10")
    out = tmp / "book.log"
    clean, small, exec_share, failed = [], [], [], False
    tree = None
    for r in range(runs):
        if tree is not None:
            shutil.rmtree(tree)
        tree = fresh_tree(tmp / f"clone{r}", seed_mathjax=False)
        page = one_page_book(tmp / f"onepage{r}", tree)
        steps = ["book", "page"] if r % 2 == 0 else ["page", "book"]
        for step in steps:
            if step == "book":
                wall, rc, _ = make(tree, "book", out)
                records = cache_records(tree)
                executed = sum(v["seconds"] or 0 for v in records.values())
                clean.append(wall)
                exec_share.append(executed / wall)
                failed |= rc != 0
                log(f"figure 3: clean `make book` {wall:.1f} s (exit {rc}), {len(records)} notebooks executed "
                    f"in {executed:.1f} s")
            else:
                wall, rc, _ = run([BIN / "jupyter-book", "build", page, "-W", "-n", "--keep-going"], page,
                                  child_env(tree), out)
                small.append(wall)
                failed |= rc != 0
                log(f"figure 3: one-page book {wall:.1f} s (exit {rc})")
    # No-change rebuilds of the last clone, then one code edit.
    nochange = []
    for _ in range(max(3, runs)):
        wall, rc, _ = make(tree, "book", out)
        nochange.append(wall)
        failed |= rc != 0
        log(f"figure 3: no-change rebuild {wall:.1f} s (exit {rc})")
    chapters = toc_chapters(tree)
    before = cache_records(tree)
    edited = chapters[len(chapters) // 2] if chapters else None
    reexecuted, t_edit = [], None
    if edited is not None:
        touch_code_cell(edited)
        t_edit, rc, _ = make(tree, "book", out)
        failed |= rc != 0
        after = cache_records(tree)
        reexecuted = [v["uri"] for pk, v in after.items() if pk not in before]
        log(f"figure 3: rebuild after editing {edited.name}: {t_edit:.1f} s, re-executed {len(reexecuted)}")
    c, s, n = median(clean), median(small), median(nochange)
    row_a.measured = f"{fmt_s(c)} (median of {len(clean)}); notebook execution {median(exec_share):.0%} of it"
    row_a.compared = f"one-page book {fmt_s(s)}"
    row_a.ratio = fmt_x(c / s if c and s else None, 1)
    row_a.result = "reported" if not failed else "reported (a build exited non-zero: see notes)"
    names = [os.path.relpath(u, tree) for u in reexecuted]
    expected = os.path.relpath(edited, tree) if edited else None
    listed = ", ".join(f"`{x}`" for x in names)
    row_b.measured = f"{len(names)} re-executed: {listed}" if edited else "no chapter in the toc"
    row_b.compared = f"edited `{expected}`; rebuild {fmt_s(t_edit)}"
    row_b.ratio = f"{len(names)}/{len(chapters)}"
    row_b.result = verdict(names == [expected])
    row_c.measured = f"{fmt_s(n)} (median of {len(nochange)})"
    row_c.compared = f"clean build {fmt_s(c)}"
    ratio = n / c if n and c else None
    row_c.ratio = "–" if ratio is None else f"{ratio:.3f}"
    row_c.result = verdict(ratio is not None and ratio <= 0.10)
    imports = nbformat_import_cost(tree, 3)
    notes = [
        f"Clean builds: {', '.join(fmt_s(x) for x in clean)}; one-page builds: {', '.join(fmt_s(x) for x in small)}; "
        f"no-change rebuilds: {', '.join(fmt_s(x) for x in nochange)}.",
        f"Fixed Sphinx cost (one page) is {s / c:.0%} of a clean build; notebook execution (jupyter-cache's "
        f"`execution_seconds`, summed) {median(exec_share):.0%}; the rest is reading and writing "
        f"{len(chapters)} chapter pages and the other pages." if c and s else "",
        f"Start-up cost in every process that imports nbformat (jupyter-book, nbval workers, nbgrader, "
        f"execute_notebooks.py): `import nbformat` {fmt_s(imports['normal'], 2)}, of which compiling "
        f"`rfc3987_syntax`'s grammars (jsonschema's optional IRI format checker, pulled in by "
        f"jupyter-events' `jsonschema[format-nongpl]`) {fmt_s(imports['normal'] - imports['blocked'], 2)} "
        f"(import with that module blocked: {fmt_s(imports['blocked'], 2)}; medians of 3).",
        f"Notebooks in the toc: {len(chapters)}; the code edit appended a comment to the last code cell of "
        f"`{expected}`; jupyter-cache records added by the rebuild: {names or 'none'}.",
    ]
    if failed:
        notes += ["", "A build failed; output tail:", "```", tail(out, 25), "```"]
    return [(row_a, "\n".join(notes)), (row_b, ""), (row_c, "")]


# ----------------------------------------------------------------------------------------------------------
# 4. "Run all" of each chapter in a fresh kernel


def run_all(path: Path, tree: Path) -> dict:
    """Execute a notebook in a fresh kernel (as "Restart & Run all"), with nbclient's per-cell timing."""
    import nbformat
    from nbclient import NotebookClient

    os.environ.update(MAKE_EXPORTS)
    os.environ["PYTHONPATH"] = str(tree)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=True,
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    error = ""
    try:
        client.execute()
    except Exception as exc:  # a failing chapter is reported, not fatal
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    wall = time.perf_counter() - start

    def ts(text):
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    cells = []
    for index, cell in enumerate(nb.cells):
        timing = cell.get("metadata", {}).get("execution", {})
        if cell.cell_type == "code" and "iopub.status.busy" in timing and "shell.execute_reply" in timing:
            first = (cell.source.strip().splitlines() or [""])[0][:60]
            cells.append((ts(timing["iopub.status.busy"]), ts(timing["shell.execute_reply"]), index, first))
    if not cells:
        return {"wall": wall, "run_all": None, "slowest": None, "error": error or "no cell ran"}
    span = cells[-1][1] - cells[0][0]
    slowest = max(cells, key=lambda c: c[1] - c[0])
    return {"wall": wall, "run_all": span, "kernel": wall - span,
            "slowest": (slowest[1] - slowest[0], slowest[2], slowest[3]), "error": error}


def figure_run_all(tmp: Path, ctx: dict, runs: int) -> tuple[Row, str]:
    row = Row("4", "Each chapter's \"Run all\" in a fresh kernel (slowest chapter)", target="≤ 5 s each")
    tree = fresh_tree(tmp / "tree", seed_mathjax=False)
    reference = tmp / "reference.ipynb"
    reference.write_text(json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": "import numpy as np\nimport matplotlib.pyplot as plt\nimport l2course"}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}))
    chapters = sorted((tree / "chapters").glob("*.ipynb"))
    results: dict[str, list[dict]] = {p.name: [] for p in chapters}
    refs = []
    for r in range(runs):
        refs.append(run_all(reference, tree))
        for path in chapters if r % 2 == 0 else chapters[::-1]:
            res = run_all(path, tree)
            results[path.name].append(res)
            log(f"figure 4: run {r + 1}/{runs} {path.name}: run all {fmt_s(res['run_all'], 2)}"
                + (f" ERROR {res['error']}" if res["error"] else ""))
    ref_span = median(x["run_all"] for x in refs)
    ref_kernel = median(x.get("kernel") for x in refs)
    lines = ["| chapter | Run all (median) | slowest cell (in the median run) | kernel start + stop | result |",
             "|---|---|---|---|---|"]
    worst, worst_name, all_ok = None, None, True
    for name, res in results.items():
        spans = [x["run_all"] for x in res if x["run_all"] is not None]
        m = median(spans)
        error = next((x["error"] for x in res if x["error"]), "")
        ok = m is not None and m <= 5.0 and not error
        all_ok &= ok
        mid = min(res, key=lambda x: abs((x["run_all"] or 1e9) - (m or 0)))
        slow = mid["slowest"]
        slow_text = f"{slow[0]:.2f} s, cell {slow[1]} (`{slow[2]}`)" if slow else "–"
        lines.append(f"| `{name}` | {fmt_s(m, 2)} | {slow_text} | {fmt_s(median(x.get('kernel') for x in res), 2)} | "
                     f"{verdict(ok)}{' ' + error if error else ''} |")
        if m is not None and (worst is None or m > worst):
            worst, worst_name = m, name
    ctx["run_all"] = {name: median(x["run_all"] for x in res) for name, res in results.items()}
    row.measured = f"slowest: `{worst_name}` {fmt_s(worst, 2)} (median of {runs})"
    row.compared = f"one-cell notebook importing numpy, matplotlib, l2course: {fmt_s(ref_span, 2)}"
    row.ratio = fmt_x(worst / ref_span if worst and ref_span else None, 1)
    over = sum(1 for line in lines[2:] if "FAIL" in line)
    row.result = verdict(all_ok) + ("" if all_ok else f" ({over} of {len(results)} over)")
    notes = [
        "\"Run all\" = from the first cell's start to the last cell's reply (nbclient `record_timing`), in a "
        "fresh kernel each time; chapters run one at a time. Kernel start + stop of the reference: "
        f"{fmt_s(ref_kernel, 2)}.",
        "",
        *lines,
    ]
    return row, "\n".join(notes)


# ----------------------------------------------------------------------------------------------------------
# 5. `make test`

STAGE_MARKERS = [  # (stage, regular expression on a line of `make test` output that starts it)
    ("lint", re.compile(r"ruff check")),
    ("pytest (unit, nbval, grading)", re.compile(r"pytest l2course tests")),
    ("book-render", re.compile(r"book_config\.py --render-only|tools/offline && npm ci")),
    ("site-test", re.compile(r"pytest tests/site")),
]


def split_pytest_durations(text: str) -> dict[str, float]:
    """Sum pytest's --durations lines by kind of test: nbval notebooks, grading round trips, the rest."""
    kinds = {"nbval (chapters, solutions)": 0.0, "grading round trips": 0.0, "other tests": 0.0}
    for secs, _, nodeid in re.findall(r"^\s*([0-9.]+)s (setup|call|teardown)\s+(\S+)", text, re.MULTILINE):
        if nodeid.startswith(("chapters/", "solutions/")):
            kinds["nbval (chapters, solutions)"] += float(secs)
        elif "grading" in nodeid:
            kinds["grading round trips"] += float(secs)
        else:
            kinds["other tests"] += float(secs)
    return kinds


def read_timings(path: Path) -> dict | None:
    """Stage seconds from ``make test`` (``{"stages": {...}, "total": s, "passed": bool}``), flattened to
    ``{stage: seconds, ..., "total": s}`` plus ``"passed"`` when recorded."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if isinstance(data.get("stages"), dict):
        flat = {k: float(v) for k, v in data["stages"].items()}
        flat["total"] = float(data.get("total", sum(flat.values())))
        if "passed" in data:
            flat["passed"] = bool(data["passed"])
        return flat
    return data


def figure_make_test(tmp: Path, ctx: dict, really_run: bool) -> tuple[Row, str]:
    row = Row("5", "`make test` wall time", target="≤ 600 s")
    if not really_run:
        data = read_timings(ROOT / "_build" / "test-timings.json")
        if not data:
            row.measured = "not measured (run `make bench BENCH_ARGS=--with-make-test`)"
            row.result = "not run"
            return row, "No `_build/test-timings.json` from an earlier `make test` (see benchmarks/README.md)."
        total = data.get("total")
        passed = data.pop("passed", True)
        stamp = datetime.fromtimestamp((ROOT / "_build" / "test-timings.json").stat().st_mtime, UTC)
        row.measured = (f"{fmt_s(total)} (last `make test` in the repository, {stamp:%H:%M} UTC, one run"
                        + ("" if passed else ", which FAILED before its last stage") + ")")
        row.compared = "; ".join(f"{k} {v / total:.0%}" for k, v in data.items() if k != "total" and total)
        row.ratio = f"{total / 600:.2f} of budget" if total else "–"
        row.result = verdict(total is not None and total <= 600 and passed) + ("" if passed else " (incomplete run)")
        return row, "Stage seconds from `_build/test-timings.json`: " + json.dumps(data)
    tree = fresh_tree(tmp / "tree")
    klog = tmp / "kernels.log"
    env = kernel_log_env(tmp, tree, "", klog)
    env["PYTEST_ADDOPTS"] = "--durations=0 --durations-min=0.2"
    log("figure 5: `make test` in a fresh clone")
    start = time.perf_counter()
    marks = []
    lines = []
    proc = subprocess.Popen(["make", "--no-print-directory", "-o", STAMP, "test"], cwd=tree, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for line in proc.stdout:
        now = time.perf_counter() - start
        lines.append(line)
        for stage, pattern in STAGE_MARKERS:
            if pattern.search(line) and not any(s == stage for s, _ in marks):
                marks.append((stage, now))
    rc = proc.wait()
    total = time.perf_counter() - start
    (tmp / "make-test.log").write_text("".join(lines))
    log(f"figure 5: `make test` {total:.1f} s (exit {rc})")
    stages = {}
    for i, (stage, t0) in enumerate(marks):
        t1 = marks[i + 1][1] if i + 1 < len(marks) else total
        stages[stage] = t1 - t0
    recorded = read_timings(tree / "_build" / "test-timings.json")
    if recorded:
        recorded.pop("passed", None)  # the Makefile's own per-stage record, when it writes one, is the better source
        stages = {k: v for k, v in recorded.items() if k != "total"}
    kinds = split_pytest_durations("".join(lines))
    pytest_stage = next((v for k, v in stages.items() if k.startswith("pytest")), None)
    summed = sum(kinds.values())
    row.measured = f"{fmt_s(total)} (one run, exit {rc})"
    row.compared = "; ".join(f"{k} {v / total:.0%}" for k, v in stages.items())
    row.ratio = f"{total / 600:.2f} of budget"
    row.result = verdict(rc == 0 and total <= 600)
    notes = [
        "Stage seconds: " + ", ".join(f"{k} {fmt_s(v)}" for k, v in stages.items())
        + (" (from the Makefile's `_build/test-timings.json`)" if recorded
           else " (from the output's stage boundaries)"),
    ]
    if pytest_stage and summed:
        notes.append("Inside the pytest stage (test durations summed over both xdist workers, scaled to its wall "
                     "time): " + ", ".join(f"{k} ≈ {fmt_s(pytest_stage * v / summed)}" for k, v in kinds.items()))
    attributed = attribute_kernels(read_kernel_log(klog), tree)
    ok, table, _ = summarize_executions(attributed, tree)
    ctx["make_test_executions"] = (ok, table)
    notes += ["", "Notebook executions during this `make test` (kernel starts; every stage):", "", table]
    if rc:
        notes += ["", "Output tail:", "```", "".join(lines[-25:]), "```"]
    return row, "\n".join(notes)


# ----------------------------------------------------------------------------------------------------------
# 6. l2course.mse on 10**7 float64


def figure_mse(tmp: Path, ctx: dict, runs: int) -> tuple[Row, str]:
    import tracemalloc

    import numpy as np

    sys.path.insert(0, str(ROOT))
    import l2course

    n = 10**7
    rng = np.random.default_rng(0)
    y = rng.standard_normal(n)
    y_hat = y + 0.1 * rng.standard_normal(n)

    def ours():
        return l2course.mse(y, y_hat)

    def numpy_one_liner():
        return ((y - y_hat) ** 2).mean()

    a, b = ours(), numpy_one_liner()
    agree = abs(a - b) <= 1e-12 * abs(b)
    t_ours, t_np = [], []
    reps = max(7, 2 * runs + 1)
    for r in range(reps):
        for name, fn in ((("ours", ours), ("np", numpy_one_liner)) if r % 2 == 0 else
                         (("np", numpy_one_liner), ("ours", ours))):
            start = time.perf_counter()
            fn()
            (t_ours if name == "ours" else t_np).append(time.perf_counter() - start)

    def peak_extra(fn):
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak - base

    mem_ours, mem_np = peak_extra(ours), peak_extra(numpy_one_liner)
    temp = n * 8
    m_ours, m_np = median(t_ours), median(t_np)
    ratio = m_ours / m_np
    row = Row("6a", "`l2course.mse` on 10⁷ float64: time", f"{m_ours * 1e3:.1f} ms (median of {reps})",
              f"`((y - y_hat) ** 2).mean()` {m_np * 1e3:.1f} ms", fmt_x(ratio), "≤ 1.1×",
              verdict(ratio <= 1.1 and agree))
    row_m = Row("6b", "`l2course.mse` on 10⁷ float64: peak extra memory (tracemalloc)",
                f"{mem_ours / 1e6:.1f} MB", f"one n-sized temporary {temp / 1e6:.1f} MB (the one-liner: "
                f"{mem_np / 1e6:.1f} MB)", f"{mem_ours / temp:.2f} temporaries", "≤ 1 temporary",
                verdict(mem_ours <= temp * 1.01))
    try:
        from threadpoolctl import threadpool_info

        blas = "; ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture')}, "
                         f"{i.get('num_threads')} thread(s))" for i in threadpool_info())
    except Exception:  # threadpoolctl is optional
        blas = "unknown"
    coretype = f"set to {os.environ['OPENBLAS_CORETYPE']}" if "OPENBLAS_CORETYPE" in os.environ else "not set"
    notes = (f"Results agree: {agree} ({a!r} vs {b!r}). BLAS in this process: {blas}. "
             f"`OPENBLAS_CORETYPE` is {coretype} "
             "(left as it is; see benchmarks/README.md).")
    return [(row, notes), (row_m, "")]


# ----------------------------------------------------------------------------------------------------------
# 7. Grading throughput (issue 8's benchmarks/grading_bench.py)


def figure_grading(tmp: Path, ctx: dict) -> tuple[Row, str]:
    row = Row("7", "Grading throughput vs plain `nbgrader autograde`", target="(set by the grading issue)")
    script = ROOT / "benchmarks" / "grading_bench.py"
    if not script.exists():
        row.measured = "not available yet (`benchmarks/grading_bench.py` does not exist)"
        return row, ""
    log("figure 7: benchmarks/grading_bench.py")
    logfile = tmp / "grading.log"
    wall, rc, _ = run([BIN / "python", script], ROOT, child_env(None), logfile)
    data = None
    for line in logfile.read_text(errors="replace").splitlines():
        if line.startswith("{") and "ratio" in line:
            try:
                data = json.loads(line)
            except ValueError:
                pass
    if rc != 0 or not data:
        row.measured = f"grading_bench.py failed (exit {rc})"
        row.result = "**FAIL**"
        return row, "```\n" + tail(logfile, 20) + "\n```"
    ratio = data.get("ratio")
    row.measured = f"`python -m l2course.grading`: {fmt_s(data.get('ours_s'))} for {data.get('copies')} submissions"
    row.compared = f"`nbgrader autograde`: {fmt_s(data.get('nbgrader_s'))} (same submissions)"
    row.ratio = f"{fmt_x(ratio)} faster" if isinstance(ratio, (int, float)) else str(ratio)
    row.target = "reported (target set by the grading issue)"
    row.result = "reported"
    return row, (f"From `benchmarks/grading_bench.py` (one run, {wall:.0f} s, ratio = nbgrader time ÷ ours, with "
                 f"every limit and check of ours on): `{json.dumps(data)[:600]}`")


# ----------------------------------------------------------------------------------------------------------
# 8. Distributed grading: 1 vs 2 Dask worker processes (issue 11)


def figure_scaling(tmp: Path, ctx: dict, runs: int, copies: int = 40) -> tuple[Row, str]:
    row = Row("8", "Distributed grading: 1 vs 2 Dask worker processes, PostgreSQL gradebook",
              target="reported (2 cores: at most 2×)")
    log(f"figure 8: benchmarks/grading_bench.py --scaling --copies {copies} --runs {runs}")
    logfile = tmp / "scaling.log"
    wall, rc, _ = run([BIN / "python", ROOT / "benchmarks" / "grading_bench.py", "--scaling", "--copies",
                       str(copies), "--runs", str(runs)], ROOT, child_env(None), logfile)
    data = None
    for line in logfile.read_text(errors="replace").splitlines():
        if line.startswith("{") and "workers_ratio" in line:
            data = json.loads(line)
    if rc != 0 or not data:
        row.measured = f"grading_bench.py --scaling failed (exit {rc})"
        row.result = "**FAIL**"
        return row, "```\n" + tail(logfile, 20) + "\n```"
    row.measured = (f"2 workers: {fmt_s(data['two_workers_s'])} for {copies} submissions "
                    f"({data['per_minute_2']}/min)")
    row.compared = f"1 worker: {fmt_s(data['one_worker_s'])} ({data['per_minute_1']}/min)"
    row.ratio = f"{fmt_x(data['workers_ratio'])} faster"
    row.result = "reported"
    return row, (f"Median of {runs} alternating runs each (clusters started before the clock; the time includes "
                 f"preparing the assignment, the reference run, grading, gradebook writes and every report). "
                 f"All times: `{json.dumps(data['all_s'])}`; load average before: {data['load_before']:.2f}.")


# ----------------------------------------------------------------------------------------------------------


def machine() -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        changed, deleted = worktree_changes()
        dirty = (f" + {len(changed)} uncommitted file(s) laid over the clones" if changed or deleted
                 else " (clean work tree)")
    except Exception:
        commit, dirty = "unknown", ""
    import numpy

    blas_env = {k: v for k, v in os.environ.items() if "BLAS" in k or k in {"OMP_NUM_THREADS", "MKL_NUM_THREADS"}}
    return [
        f"- Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; git commit `{commit}`{dirty}",
        f"- Machine: {os.cpu_count()} cores (nproc), {cpu}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()}, numpy {numpy.__version__}; BLAS environment: "
        + (", ".join(f"`{k}={v}`" for k, v in sorted(blas_env.items())) or "none"),
    ]


def write_results(path: Path, rows_notes, header: list[str], load_start: str, load_end: str, elapsed: float, args):
    lines = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/bench.py` (`make bench`); do not edit by hand. Ratios are what count: the machine "
        "is shared and noisy, so each figure is compared with a reference measured in the same run, interleaved.",
        "",
        *header,
        f"- Load average (1 / 5 / 15 min) at start: {load_start}; at end: {load_end}; the run took "
        f"{elapsed / 60:.1f} min (`{' '.join(args)}`)",
        "",
        "| # | figure | measured | compared with (same run) | ratio | target | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for row, _ in rows_notes:
        lines.append("| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in row.cells()) + " |")
    lines.append("")
    for row, notes in rows_notes:
        if notes:
            lines += [f"## {row.number}. {row.figure}", "", notes, ""]
    path.write_text("\n".join(lines).rstrip() + "\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each timed figure (default 3)")
    parser.add_argument("--book-runs", type=int, default=None, help="clean book builds (default: --runs, at most 2)")
    parser.add_argument("--parallel-runs", type=int, default=None,
                        help="pairs of --jobs 1 / --jobs 2 runs (default: --runs, at most 2)")
    parser.add_argument("--with-make-test", action="store_true", help="also run `make test` in a clone (slow)")
    parser.add_argument("--only", default="", help="comma-separated figures to run, e.g. 1,6 (default: all)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, clones)")
    args = parser.parse_args(argv)
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    book_runs = args.book_runs or min(args.runs, 2)
    load_start, start = load_average(), time.perf_counter()
    header = machine()
    tmp_root = Path(tempfile.mkdtemp(prefix="l2bench-"))
    log(f"temporary folder {tmp_root}; load average {load_start}")
    ctx: dict = {}
    plan = [
        ("6", lambda t: figure_mse(t, ctx, args.runs)),
        ("1", lambda t: figure_executions(t, ctx)),
        ("4", lambda t: figure_run_all(t, ctx, args.runs)),
        ("2", lambda t: figure_parallel(t, ctx, args.parallel_runs or min(args.runs, 2))),
        ("3", lambda t: figure_book(t, ctx, book_runs)),
        ("5", lambda t: figure_make_test(t, ctx, args.with_make_test)),
        ("7", lambda t: figure_grading(t, ctx)),
        ("8", lambda t: figure_scaling(t, ctx, min(args.runs, 3))),
    ]
    order = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 4, "6": 5, "7": 6, "8": 7}
    results = []
    for number, fn in plan:
        if only and number not in only:
            continue
        folder = tmp_root / f"figure{number}"
        folder.mkdir()
        try:
            out = fn(folder)
        except Exception as exc:
            log(f"figure {number} crashed: {exc!r}")
            out = (Row(number, f"figure {number}", result=f"**error**: {type(exc).__name__}: {exc}"),
                   "```\n" + traceback.format_exc()[-2000:] + "\n```")
        for item in out if isinstance(out, list) else [out]:
            results.append((order[number], item))
    results.sort(key=lambda x: x[0])
    write_results(args.out, [item for _, item in results], header, load_start, load_average(),
                  time.perf_counter() - start, ["bench.py", *(argv if argv is not None else sys.argv[1:])])
    log(f"wrote {args.out} in {(time.perf_counter() - start) / 60:.1f} min")
    if args.keep:
        log(f"kept {tmp_root}")
    else:
        shutil.rmtree(tmp_root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
