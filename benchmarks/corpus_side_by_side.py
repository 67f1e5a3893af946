"""The answer corpus graded two ways: plain ``nbgrader autograde`` (the notebooks' own hidden tests, run in the
student's kernel) and ``python -m l2course.grade``'s ``grade()`` (the specs in ``solutions/*/grading.json``,
compared outside the kernel). Writes the misgrade counts of both into a section of ``benchmarks/RESULTS.md``.

A report, not a test: ``tests/test_grading_corpus.py`` is the test (it asserts 0 misgrades for ours). Usage::

    .venv/bin/python benchmarks/corpus_side_by_side.py [--sets 01_definition ...] [--out benchmarks/RESULTS.md]

A misgrade is a wrong corpus answer that gets the part's full points, or a correct one that gets less; a part
the variant does not touch that loses points counts too ("untouched").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from corpus_lib import corpus_sets, misgrades, points, submissions, write  # noqa: E402
from course import SOLUTIONS  # noqa: E402

BIN = Path(sys.executable).parent
BEGIN, END = "<!-- corpus side by side: begin -->", "<!-- corpus side by side: end -->"


def env() -> dict:
    e = dict(os.environ)
    e["PATH"] = f"{BIN}{os.pathsep}{e.get('PATH', '')}"
    e.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return e


def nbgrader_scores(assignment: str, subs, tmp: Path) -> dict[str, dict[str, float]]:
    """Per-part scores from plain nbgrader autograde (read from its gradebook, per graded cell)."""
    course = tmp / "nbgrader-course"
    shutil.copytree(SOLUTIONS / assignment, course / "source" / assignment,
                    ignore=shutil.ignore_patterns("grading.json", ".ipynb_checkpoints"))
    db = course / "gradebook.db"
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{db}'\n"
        "c.CourseDirectory.course_id = 'corpus'\n"
        "c.Execute.timeout = 60\n")
    for cmd in (["generate_assignment", assignment, "--force"], ["autograde", assignment, "--create", "--force"]):
        result = subprocess.run([str(BIN / "nbgrader"), *cmd, "--log-level=ERROR"], cwd=course, env=env(),
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"nbgrader {cmd[0]} failed:\n{result.stderr[-3000:]}")
    from nbgrader.api import Gradebook

    name = next((SOLUTIONS / assignment).glob("*.ipynb")).stem
    scores: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{db}") as gb:
        for sub in subs:
            try:
                nb = gb.find_submission_notebook(name, assignment, sub.student)
            except Exception:  # noqa: BLE001 -- not graded at all: no row
                continue
            scores[sub.student] = {g.name: float(g.score) for g in nb.grades}
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=corpus_sets())
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS.md")
    args = parser.parse_args()
    from l2course.grading.core import grade
    from l2course.grading.sandbox import Limits

    rows, details = [], []
    started = time.perf_counter()
    for assignment in args.sets:
        subs = submissions(assignment)
        with tempfile.TemporaryDirectory(prefix="l2corpus-") as tmp:
            tmp = Path(tmp)
            nb_name = next((SOLUTIONS / assignment).glob("*.ipynb")).name
            for sub in subs:
                folder = tmp / "nbgrader-course" / "submitted" / sub.student / assignment
                folder.mkdir(parents=True)
                (folder / nb_name).write_text(json.dumps(sub.notebook), encoding="utf-8")
            theirs = nbgrader_scores(assignment, subs, tmp)
            write(tmp / "subs", assignment, subs)
            ours_rows = grade(assignment, tmp / "subs", tmp / "out", jobs=2, limits=Limits(cell_timeout=30, wall=120),
                              course_root=ROOT, quiet=True, feedback=False)
            ours = {r.student: r.scores for r in ours_rows}
        n_wrong = sum(1 for s in subs for v in s.variants.values() if v.kind == "wrong")
        n_right = sum(1 for s in subs for v in s.variants.values() if v.kind == "right")
        counts = {}
        for who, scores in (("nbgrader", theirs), ("ours", ours)):
            found = misgrades(assignment, subs, scores)
            counts[who] = (sum(" wrong: " in p for p in found), sum(" right: " in p for p in found),
                           sum("(untouched)" in p for p in found))
            details += [f"- {assignment}, {who}: {p}" for p in found]
        rows.append((assignment, len(points(assignment)), n_wrong, n_right, len(subs), counts["nbgrader"],
                     counts["ours"]))
        print(assignment, counts, file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - started

    def cell(c):
        return f"{sum(c)} ({c[0]} wrong passed, {c[1]} right failed, {c[2]} untouched lost)"

    lines = [BEGIN, "## Answer corpus: plain `nbgrader autograde` vs `python -m l2course.grade`", "",
             "Written by `benchmarks/corpus_side_by_side.py` (not by `bench.py`; a report, not a test: "
             "`tests/test_grading_corpus.py` asserts the corpus for ours). The corpus is `tests/corpus/*.yaml`; "
             "each variant changes one part of the reference answers, classified from the part's text; "
             f"variants touching different parts share a notebook. One run, {elapsed:.0f} s.", "",
             "| set | graded parts | wrong answers | right answers | notebooks | nbgrader misgrades | our misgrades |",
             "|---|---|---|---|---|---|---|"]
    total_n, total_o, total_w, total_r = [0, 0, 0], [0, 0, 0], 0, 0
    for assignment, parts, w, r, nbs, cn, co in rows:
        lines.append(f"| {assignment} | {parts} | {w} | {r} | {nbs} | {cell(cn)} | {cell(co)} |")
        total_n = [a + b for a, b in zip(total_n, cn, strict=True)]
        total_o = [a + b for a, b in zip(total_o, co, strict=True)]
        total_w, total_r = total_w + w, total_r + r
    lines.append(f"| **all** | | {total_w} | {total_r} | | **{cell(total_n)}** | **{cell(total_o)}** |")
    lines += ["", "Every misgrade:", ""] + (details or ["- none"]) + [END]
    section = "\n".join(lines) + "\n"
    text = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    if BEGIN in text and END in text:
        text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END) + 1:]
    else:
        text = text.rstrip() + "\n\n" + section
    args.out.write_text(text, encoding="utf-8")
    print(section)


if __name__ == "__main__":
    main()
