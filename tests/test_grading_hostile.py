"""Hostile submissions against ``python -m l2course.grade``: every one ends as a row with the exact score and
the reason, the batch completes, and nothing outside the sandbox is read or written.

The fixture assignment ``tests/grading_fixtures/fx`` has three parts: ``p1`` (2 points, implement ``sq``),
``p2`` (1 point, a number ``total``) and ``p3`` (1 point, ``answer_q3 = "b"``). Each hostile notebook is the
solution notebook with some cells changed, so the expected score is the full mark minus the parts the change
breaks, counted from the cell metadata here, never from the grader's output.

The cases after ``two_notebooks`` are the attacks of issue 17 (each stopped the batch, reached the grader's
channel or memory, or changed a grade before); ``guide/threat_model.md`` lists which defence stops each.
Zip members, Unicode id collisions and injected grader faults are in ``test_grading_faults.py``, the
feedback page in a browser in ``test_grading_feedback_browser.py``.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from course import ASSIGNMENTS, BIN, ROOT, SOLUTIONS, nbgrader, nbgrader_env, read_notebook, source

FIXTURE = Path(__file__).parent / "grading_fixtures" / "fx"
POINTS = {"p1_tests": 2.0, "p2_tests": 1.0, "p3_tests": 1.0}
FULL = sum(POINTS.values())
LIMITS = dict(cell_timeout=4.0, wall=6.5, memory_mb=512, max_output=200_000)



def test_bubblewrap_is_installed():
    """The isolation tests below need it; CI installs it (.ci/run). Without it the grader still works, loudly."""
    assert shutil.which("bwrap"), "install bubblewrap: apt-get install bubblewrap"


def solution() -> dict:
    return read_notebook(FIXTURE / "fx.ipynb")


def with_cell(nb: dict, grade_id: str, text: str) -> dict:
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["source"] = text
            return nb
    raise KeyError(grade_id)


def without(nb: dict, grade_id: str) -> dict:
    nb = copy.deepcopy(nb)
    nb["cells"] = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != grade_id]
    return nb


def answer(grade_id: str) -> str:
    return source(next(c for c in solution()["cells"] if c["metadata"]["nbgrader"]["grade_id"] == grade_id))


# an input transformer that swaps the grader's probe for a display of made-up "correct" values
FORGE = """import json
from IPython.display import display
FAKE = json.dumps([{"ok": True, "r": {"k": "ndarray", "dtype": "f", "shape": [2], "v": [1.0, 4.0]}}] * 4)
def forge(lines):
    if '"call": "sq"' in "".join(lines):
        return [f"display({{'application/vnd.l2course.probe+json': {FAKE!r}}}, raw=True)\\n"]
    return lines
get_ipython().input_transformers_post.append(forge)
"""
WRONG_SQ = "def sq(y, y_hat):\n    return np.abs(np.asarray(y, dtype=float) - np.asarray(y_hat, dtype=float))\n"

# a post_run_cell hook that follows the grader's p1 probe with a forged reply whose ndarray shape is an int
FORGE_SHAPE = """import json
from IPython.display import display
BAD = json.dumps([{"ok": True, "r": {"k": "ndarray", "dtype": "f", "shape": 5, "v": [1.0]}}] * 4)
def forge(result):
    if '"call": "sq"' in (result.info.raw_cell or ""):
        display({'application/vnd.l2course.probe+json': BAD}, raw=True)
get_ipython().events.register('post_run_cell', forge)
"""
# forged runner records, written to every channel the kernel can open: the runner's stdout through /proc
# (its parent, pid 1 in the sandbox), in the old unsealed form and with a made-up MAC, then 30 MB without a
# newline; a flag records whether any of it got through, and answer_q3 is wrong unless nothing did
FORGE_CHANNEL = """import os, json
record = {"ev": "cell", "status": "ok", "outputs": [], "probe": json.dumps([{"ok": True, "r": {"k": "str", "v": "b"}}])}
lines = (json.dumps(record) + "\\n").encode() * 20 + ("0" * 64 + " " + json.dumps({"ev": "done", "stopped": None})
                                                     + "\\n").encode()
written = []
for target in {f"/proc/{os.getppid()}/fd/1", "/proc/1/fd/1", "/proc/1/fd/2"}:
    try:
        fd = os.open(target, os.O_WRONLY)
        os.write(fd, lines)
        os.write(fd, b"x" * 30_000_000)
        os.close(fd)
        written.append(target)
    except OSError:
        pass
stolen = []
for target in [f"/proc/{os.getppid()}/mem", f"/proc/{os.getppid()}/environ", "/proc/1/mem"]:
    try:
        open(target, "rb").close()
        stolen.append(target)
    except OSError:
        pass
answer_q3 = "b" if not written and not stolen else "a"
"""
RUNNER_MEMORY = """import os, re
found = 0
try:
    maps = open(f"/proc/{os.getppid()}/maps").read().splitlines()
    with open(f"/proc/{os.getppid()}/mem", "rb") as mem:
        for line in maps:
            lo, hi = (int(x, 16) for x in line.split()[0].split("-"))
            try:
                mem.seek(lo)
                found += mem.read(min(hi - lo, 1 << 24)).count(b"_l2course_probe")
            except OSError:
                pass
except OSError:
    pass
answer_q3 = "b" if found == 0 else "a"
"""


def hostile(paths: dict) -> dict[str, tuple[object, float, str, str]]:
    """student -> (notebook dict, raw text or None for an empty folder, expected score, status, reason fragment)."""
    sol = solution()
    canary = paths["canary"]
    snoop = (
        "import os, socket\n"
        "leaks = []\n"
        f"for p in [{str(SOLUTIONS)!r}, {str(ROOT / 'nbgrader_config.py')!r}, {str(paths['other'])!r},\n"
        f"          {str(FIXTURE / 'grading.json')!r}, {str(Path.home() / '.cache')!r}, '/etc/shadow',\n"
        f"          {str(paths['out'])!r}]:\n"
        "    try:\n"
        "        os.listdir(p) if os.path.isdir(p) else open(p).read(1)\n"
        "        leaks.append(p)\n"
        "    except OSError:\n"
        "        pass\n"
        "for host, port in [('1.1.1.1', 80), ('8.8.8.8', 53)]:\n"
        "    try:\n"
        "        socket.create_connection((host, port), timeout=1).close()\n"
        "        leaks.append(host)\n"
        "    except OSError:\n"
        "        pass\n"
        "try:\n"
        f"    open({str(canary)!r}, 'w').write('escaped')\n"
        "    leaks.append('write')\n"
        "except OSError:\n"
        "    pass\n"
        "answer_q3 = 'b' if not leaks else 'a'\n"
    )
    fake_probe = FORGE + WRONG_SQ
    reorder = copy.deepcopy(sol)
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in reorder["cells"]]
    tail = [c for c in reorder["cells"] if c["metadata"]["nbgrader"]["grade_id"].startswith("p3")]
    reorder["cells"] = reorder["cells"][:2] + tail + [c for c in reorder["cells"][2:] if c not in tail]
    assert [c["metadata"]["nbgrader"]["grade_id"] for c in reorder["cells"]] != ids
    meta_edit = copy.deepcopy(sol)
    for cell in meta_edit["cells"]:
        m = cell["metadata"]["nbgrader"]
        if m["grade_id"] == "p1_tests":
            m["points"] = 100
        if m["grade_id"] == "p2_answer":
            m["grade_id"] = "renamed"
    other = copy.deepcopy(sol)
    for cell in other["cells"]:
        cell["metadata"]["nbgrader"]["grade_id"] = "other_" + cell["metadata"]["nbgrader"]["grade_id"]
    truncated = json.dumps(sol)[: len(json.dumps(sol)) // 2]
    # an honest notebook with cells of its own: a helper before the answer that uses it, a cell after the last
    helper_cells = with_cell(sol, "p1_answer", "def sq(y, y_hat):\n    return _diff(y, y_hat) ** 2\n")
    at = next(i for i, c in enumerate(helper_cells["cells"]) if c["metadata"]["nbgrader"]["grade_id"] == "p1_answer")
    code = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
    helper_cells["cells"].insert(at, {**code, "id": "helper", "source": "def _diff(a, b):\n"
                                      "    return np.asarray(a, dtype=float) - np.asarray(b, dtype=float)\n"})
    helper_cells["cells"].append({**code, "id": "last", "source": "print('done')\n"})
    P1, P2, P3 = POINTS["p1_tests"], POINTS["p2_tests"], POINTS["p3_tests"]
    return {
        "honest": (sol, FULL, "ok", ""),
        "blank": (release_of(sol), 0.0, "error", "p2_answer raised NotImplementedError"),
        "syntax": (with_cell(sol, "p1_answer", "def sq(y, y_hat)\n    return y\n"), FULL - P1, "error",
                   "p1_answer raised SyntaxError"),
        "exception": (with_cell(sol, "p2_answer", "total = 1 / 0\n"), FULL - P2, "error",
                      "p2_answer raised ZeroDivisionError"),
        "loop": (with_cell(sol, "p3_answer", "while True:\n    pass\nanswer_q3 = 'b'\n"), FULL - P3, "timeout",
                 "p3_answer ran over the 4 s cell time limit (interrupted)"),
        "swallow": (with_cell(sol, "p2_answer", "import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                                                "    except KeyboardInterrupt:\n        pass\n"), P1,
                    "interrupt-ignored", "p2_answer ran over the 4 s cell time limit and ignored the interrupt"),
        "sysexit": (with_cell(sol, "p2_answer", "import sys\nsys.exit(3)\ntotal = 30.0\n"), FULL - P2, "error",
                    "p2_answer raised SystemExit"),
        "osexit": (with_cell(sol, "p2_answer", "import os\nos._exit(0)\n"), P1, "kernel-died",
                   "the kernel died in p2_answer"),
        "memory": (with_cell(sol, "p2_answer", "big = np.ones(10**9)\ntotal = 30.0\n"), FULL - P2, "memory",
                   "p2_answer ran out of memory (512 MB limit)"),
        "memory_py": (with_cell(sol, "p2_answer", "hog = []\nwhile True:\n    hog.append(bytearray(10**7))\n"),
                      FULL - P2, "memory", "memory"),
        "output": (with_cell(sol, "p3_answer", "answer_q3 = 'b'\nwhile True:\n    print('x' * 1000)\n"), FULL,
                   "output-limit", "p3_answer printed over 200000 characters (interrupted)"),
        "wall": (with_cell(with_cell(with_cell(sol, "p1_answer", answer("p1_answer") + "\nimport time\n"
                                               "time.sleep(2.5)\n"),
                                     "p2_answer", "import time\ntime.sleep(2.5)\ntotal = 30.0\n"),
                           "p3_answer", "import time\ntime.sleep(2.5)\nanswer_q3 = 'b'\n"),
                 P1 + P2, "wall-clock", "over the 6.5 s limit per submission"),
        "deleted_test": (without(sol, "p1_tests"), FULL, "tampered", "test cell p1_tests deleted (restored)"),
        "edited_test": (with_cell(with_cell(sol, "p1_tests", "pass\n"), "p1_answer", WRONG_SQ), FULL - P1,
                        "tampered", "test cell p1_tests edited (restored)"),
        "reordered": (reorder, FULL, "tampered", "cells reordered (run in the student's order, as in Jupyter)"),
        "helper_cells": (helper_cells, FULL, "ok", ""),
        # the grader's earlier probe (the inputs of p1's calls) must not be readable from the kernel's history
        "history_snoop": (with_cell(sol, "p3_answer", "_seen = ' '.join(map(str, In)) + ' '.join(\n"
                                    "    str(x) for x in get_ipython().history_manager.get_range(raw=True))\n"
                                    "_seen += ' '.join(str(v) for k, v in globals().items() if k.startswith('_i'))\n"
                                    "answer_q3 = 'a' if ('\"call\": \"s' + 'q\"') in _seen else 'b'\n"),
                          FULL, "ok", ""),
        "metadata": (meta_edit, FULL, "ok", "answer cell p2_answer missing"),
        "monkeypatch": (with_cell(sol, "p1_answer", "import numpy, math, builtins\n"
                                  "numpy.allclose = lambda *a, **k: True\nnumpy.isclose = lambda *a, **k: True\n"
                                  "math.isclose = lambda *a, **k: True\nbuiltins.abs = lambda x: 0\n" + WRONG_SQ),
                        FULL - P1, "ok", "p1_tests: sq(): wrong value"),
        "liar": (with_cell(sol, "p1_answer", "class Liar(float):\n    def __eq__(self, o): return True\n"
                           "    __lt__ = __le__ = __gt__ = __ge__ = __eq__\n"
                           "    def __float__(self): return 1.0\n    def __array__(self, *a, **k): return np.ones(1)\n"
                           "def sq(y, y_hat):\n    return Liar(0.0)\n"),
                 FULL - P1, "ok", "p1_tests: sq(): not a NumPy array"),
        "forged_probe": (with_cell(sol, "p1_answer", fake_probe), FULL - P1, "ok", "p1_tests: sq(): wrong shape"),
        "settrace": (with_cell(sol, "p1_answer", "import sys\n"
                               "def tracer(frame, event, arg):\n"
                               "    if event == 'return' and frame.f_code.co_name == '_enc':\n"
                               "        pass\n    return tracer\n"
                               "sys.settrace(tracer)\n" + WRONG_SQ), FULL - P1, "ok", "p1_tests"),
        "snoop": (with_cell(sol, "p3_answer", snoop), FULL, "ok", ""),
        "invalid_json": ("{ this is not json", 0.0, "invalid-notebook", "is not valid JSON"),
        "truncated": (truncated, 0.0, "invalid-notebook", "truncated or not a notebook"),
        "other_assignment": (other, 0.0, "wrong-assignment", "is from another assignment"),
        "empty": (None, 0.0, "no-notebook", "no .ipynb notebook in the submission"),
        "two_notebooks": ([("first_try.ipynb", release_of(sol)), ("final.ipynb", sol)], 0.0, "refused",
                          "2 notebooks ('final.ipynb', 'first_try.ipynb') and none named fx.ipynb: none graded"),
        # issue 17: each of these stopped the batch, reached the channel, or changed a grade
        "forged_shape": (with_cell(sol, "p1_answer", answer("p1_answer") + "\n" + FORGE_SHAPE), FULL - P1, "ok",
                         "p1_tests: malformed reply from the kernel"),
        "list_grade_id": (grade_id_list(sol, "p2_text"), FULL, "ok", ""),
        "forge_channel": (with_cell(with_cell(with_cell(sol, "p1_answer", WRONG_SQ), "p2_answer", "total = 0.0\n"),
                                    "p3_answer", FORGE_CHANNEL), P3, "ok",
                          "p1_tests: sq(): wrong value on one of the grader's inputs"),
        "runner_memory": (with_cell(sol, "p3_answer", RUNNER_MEMORY), FULL, "ok", ""),
        "markdown_int": (with_cell(sol, "p3_answer", "from IPython.display import display\n"
                                   "display({'text/markdown': 5}, raw=True)\nanswer_q3 = 'b'\n"), FULL, "ok", ""),
        "surrogate": (with_cell(sol, "p3_answer", "answer_q3 = 'b'  # \ud800 lone surrogate\n"), FULL, "ok", ""),
        "metadata_flood": (with_cell(sol, "p3_answer", "answer_q3 = 'b'\nfrom IPython.display import display\n"
                                     "for _ in range(300):\n"
                                     "    display({'text/plain': 'x'}, metadata={'junk': 'y' * 10**6}, raw=True)\n"),
                           FULL, "output-limit", "p3_answer printed over 200000 characters (interrupted)"),
        "tmpfs_fill": (with_cell(sol, "p2_answer", "with open('/tmp/fill', 'wb') as f:\n"
                                 "    for _ in range(3 * 2**6):\n        f.write(bytes(2**24))\ntotal = 30.0\n"),
                       FULL - P2, "memory", "p2_answer filled the sandbox's /tmp: over its 256 MB disk quota"),
        "html_output": (with_cell(sol, "p3_answer", "from IPython.display import HTML, display\n"
                                  f"display(HTML({XSS!r}))\nprint({XSS!r})\nanswer_q3 = 'b'\n"), FULL, "ok", ""),
        "expected_name": ([("fx.ipynb", release_of(sol)), ("fx_b.ipynb", sol), ("fx_c.ipynb", sol),
                           ("fx_d.ipynb", sol)], 0.0, "error",
                          "also received 'fx_b.ipynb', 'fx_c.ipynb', 'fx_d.ipynb': not graded (only fx.ipynb is)"),
        "symlink": (("symlink", FIXTURE), 0.0, "refused", "'symlink' is a symbolic link: refused"),
        "symlink_file": ([("fx.ipynb", ("symlink", FIXTURE / "fx.ipynb"))], 0.0, "refused",
                         "symbolic link(s) 'fx.ipynb' refused"),
        "Zo\u00eb": (sol, FULL, "ok", ""),
        "Zo\u00e9": (with_cell(sol, "p3_answer", "answer_q3 = 'a'\n"), FULL - P3, "ok", "p3_tests"),
    }


XSS = ("<script>document.title = 'pwned-script'</script>"
       "<img src=x onerror=\"document.title = 'pwned-onerror'\">"
       "<a href=\"javascript:document.title = 'pwned-link'\">link</a>")


def grade_id_list(nb: dict, grade_id: str) -> dict:
    """A markdown cell whose nbgrader grade_id is a list (it stopped plan.build with 'unhashable type')."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        if cell["metadata"]["nbgrader"]["grade_id"] == grade_id:
            cell["metadata"]["nbgrader"]["grade_id"] = [grade_id]
    return nb


def release_of(nb: dict) -> dict:
    """The student version, made here by hand (independently of nbgrader): solutions replaced, hidden tests cut."""
    nb = copy.deepcopy(nb)
    for cell in nb["cells"]:
        text = source(cell)
        if cell["metadata"]["nbgrader"].get("solution"):
            body = "# YOUR CODE HERE\nraise NotImplementedError()"
            if text.startswith("def"):
                body = text.splitlines()[0] + "\n" + "\n".join("    " + line for line in body.splitlines())
            cell["source"] = body
        elif "### BEGIN HIDDEN TESTS" in text:
            cell["source"] = text.split("### BEGIN HIDDEN TESTS")[0].rstrip() + "\n"
    return nb


def write_submission(folder: Path, student: str, content) -> None:
    target = folder / student
    if isinstance(content, tuple) and content[0] == "symlink":  # the whole submission is a link elsewhere
        folder.mkdir(parents=True, exist_ok=True)
        target.symlink_to(content[1], target_is_directory=True)
        return
    target.mkdir(parents=True)
    if content is None:
        return
    files = content if isinstance(content, list) else [("fx.ipynb", content)]
    for name, nb in files:
        if isinstance(nb, tuple):
            (target / name).symlink_to(nb[1])
            continue
        (target / name).write_text(nb if isinstance(nb, str) else json.dumps(nb), encoding="utf-8")


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def run_grade(assignment, submissions: Path, out: Path, **limits):
    from l2course.grading.core import grade
    from l2course.grading.sandbox import Limits

    return grade(str(assignment), submissions, out, jobs=2, limits=Limits(**limits), course_root=ROOT, quiet=True)


def read_csv(path: Path) -> dict[str, dict]:
    with open(path, newline="") as handle:
        return {row["student"]: row for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    subs, out = base / "submissions", base / "out"
    other = base / "elsewhere" / "secret.txt"
    other.parent.mkdir()
    other.write_text("another student's work")
    cases = hostile({"canary": base / "canary.txt", "other": other, "out": out})
    for student, (content, *_rest) in cases.items():
        write_submission(subs, student, content)
    before = tree_digest(base)
    rows = run_grade(FIXTURE, subs, out, **LIMITS)
    return {"cases": cases, "rows": {r.student: r for r in rows}, "csv": read_csv(out / "grades.csv"),
            "base": base, "out": out, "before": before}


STUDENTS = list(hostile({"canary": Path("/x"), "other": Path("/y"), "out": Path("/z")}))


@pytest.mark.parametrize("student", STUDENTS)
def test_hostile_submission(batch, student):
    _, expected, status, fragment = batch["cases"][student]
    row = batch["csv"][student]
    assert float(row["total"]) == pytest.approx(expected), row["reason"]
    assert float(row["max"]) == pytest.approx(FULL)
    assert row["status"] == status, row["reason"]
    assert fragment in row["reason"], row["reason"]
    assert sum(float(row[p]) for p in POINTS) == pytest.approx(float(row["total"]))


def test_batch_complete_and_isolated(batch):
    assert sorted(batch["csv"]) == sorted(STUDENTS), "exactly one row per received submission"
    after = tree_digest(batch["base"])
    changed = {k for k in set(after) | set(batch["before"]) if after.get(k) != batch["before"].get(k)}
    assert changed and all(k.startswith("out/") for k in changed), f"written outside the output folder: {changed}"
    assert not (batch["base"] / "canary.txt").exists()


def test_feedback_hides_tests(batch):
    html = (batch["out"] / "feedback" / "edited_test.html").read_text()
    hidden = source(next(c for c in solution()["cells"] if c["metadata"]["nbgrader"]["grade_id"] == "p1_tests"))
    hidden = hidden.split("### BEGIN HIDDEN TESTS")[1]
    for line in filter(None, (ln.strip() for ln in hidden.splitlines())):
        if "END HIDDEN" not in line:
            assert line not in html and line.replace('"', "&quot;") not in html
    for leak in ("_l2course_probe", "most recent call last", "Cell In[", "\x1b["):
        assert leak not in html, leak
    assert "p1_tests: 0 / 2" in html
    summary = (batch["out"] / "summary.html").read_text()
    assert "histograms.png" in summary and (batch["out"] / "histograms.png").stat().st_size > 1000


def test_gradebook_matches_csv(batch):
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{batch['out'] / 'gradebook.db'}") as gb:
        for student, row in batch["csv"].items():
            sub = gb.find_submission("fx", student)
            assert sub.score == pytest.approx(float(row["total"]))


def test_zip_from_lms_twice_gives_the_same_csv(tmp_path):
    sol = solution()
    wrong = with_cell(sol, "p3_answer", "answer_q3 = 'a'\n")
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("alice_1001_2001_fx.ipynb", json.dumps(sol))  # Canvas
        z.writestr("bob_1002_2002_fx.ipynb", json.dumps(wrong))
        z.writestr("fx_carol_attempt_2026-11-01-10-00-00_fx.ipynb", json.dumps(release_of(sol)))  # Blackboard
        z.writestr("fx_carol_attempt_2026-11-02-09-00-00_fx.ipynb", json.dumps(sol))
        z.writestr("../escape.ipynb", json.dumps(sol))
    first = run_grade(FIXTURE, archive, tmp_path / "out1", **LIMITS)
    second = run_grade(FIXTURE, archive, tmp_path / "out2", **LIMITS)
    assert (tmp_path / "out1" / "grades.csv").read_bytes() == (tmp_path / "out2" / "grades.csv").read_bytes()
    rows = {r.student: r for r in first}
    assert sorted(rows) == ["alice", "bob", "carol", "escape"], "every member received has a row"
    assert (rows["escape"].status, rows["escape"].total) == ("refused", 0.0)
    assert "zip member '../escape.ipynb' has an unsafe path: refused" in rows["escape"].reason
    assert rows["alice"].total == FULL and rows["carol"].total == FULL
    assert rows["bob"].total == FULL - POINTS["p3_tests"]
    assert "older upload" in rows["carol"].reason
    assert not (tmp_path / "escape.ipynb").exists()
    assert len(second) == 4


def test_command_line_without_spec_is_refused_and_without_sandbox_warns_loudly(tmp_path):
    """No part is graded inside the student's kernel: an assignment without grading.json is refused when it is
    prepared (before any submission runs); with its spec and --no-isolation, grading works and warns loudly."""
    import subprocess

    subs = tmp_path / "subs"
    sol = solution()
    write_submission(subs, "honest", sol)
    write_submission(subs, "wrong", with_cell(sol, "p3_answer", "answer_q3 = 'c'\n"))
    write_submission(subs, "cheat", with_cell(sol, "p1_answer", "np.allclose = lambda *a, **k: True\n" + WRONG_SQ))

    def run(source_dir, out):
        return subprocess.run([str(BIN / "python"), "-m", "l2course.grading", str(source_dir), str(subs), "--out",
                               str(out), "--jobs", "2", "--cell-timeout", "10", "--no-isolation"],
                              cwd=tmp_path, env=nbgrader_env(), capture_output=True, text=True, timeout=600)

    bare = tmp_path / "fx"
    shutil.copytree(FIXTURE, bare, ignore=shutil.ignore_patterns("grading.json"))
    refused = run(bare, tmp_path / "refused")
    assert refused.returncode != 0 and "no grading.json" in refused.stderr, refused.stderr
    assert not (tmp_path / "refused" / "grades.csv").exists()

    result = run(FIXTURE, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert "3/3 graded, 0 failed" in result.stderr
    assert "WITHOUT isolation" in result.stderr
    assert "WITHOUT isolation" in (tmp_path / "out" / "summary.html").read_text()
    rows = read_csv(tmp_path / "out" / "grades.csv")
    assert float(rows["honest"]["total"]) == FULL
    assert float(rows["wrong"]["total"]) == FULL - POINTS["p3_tests"]
    # the monkeypatch that fooled in-kernel grading changes nothing: the comparison happens in the grader
    assert float(rows["cheat"]["total"]) == FULL - POINTS["p1_tests"]


SPEC_SETS = [a for a in ASSIGNMENTS if (SOLUTIONS / a / "grading.json").exists()]


@pytest.mark.parametrize("assignment", SPEC_SETS)
def test_exercise_set_spec_round_trip(assignment, tmp_path):
    """Solution: full marks; release: 0; one wrong multiple-choice answer: exactly that part lost."""
    (notebook,) = sorted((SOLUTIONS / assignment).glob("*.ipynb"))
    sol = read_notebook(notebook)
    total = sum(float(c["metadata"]["nbgrader"].get("points", 0)) for c in sol["cells"]
                if c["metadata"].get("nbgrader", {}).get("grade"))
    rel = tmp_path / "release"
    nbgrader("generate_assignment", assignment, "--force", "--no-db",
             f"--CourseDirectory.release_directory={rel}", "--log-level=ERROR", cwd=ROOT)
    wrong = copy.deepcopy(sol)
    lost = None
    for index, cell in enumerate(wrong["cells"]):
        text = source(cell)
        if cell["metadata"].get("nbgrader", {}).get("solution") and "answer_q" in text and lost is None:
            letter = text.split('"')[1]
            cell["source"] = text.replace(f'"{letter}"', '"a"' if letter != "a" else '"b"')
            test = next(c for c in wrong["cells"][index + 1:] if c["metadata"].get("nbgrader", {}).get("grade"))
            lost = float(test["metadata"]["nbgrader"]["points"])
    assert lost is not None, "each set has a multiple-choice part"
    subs = tmp_path / "subs"
    write_submission(subs, "alice", sol)
    write_submission(subs, "bob", (rel / assignment / notebook.name).read_text())
    write_submission(subs, "carol", wrong)
    rows = {r.student: r for r in run_grade(assignment, subs, tmp_path / "out", cell_timeout=60, wall=300)}
    graded = {c["metadata"]["nbgrader"]["grade_id"] for c in sol["cells"]
              if c["metadata"].get("nbgrader", {}).get("grade")}
    covered = set(json.loads((SOLUTIONS / assignment / "grading.json").read_text())["parts"])
    assert graded <= covered, f"parts without a spec entry: {sorted(graded - covered)}"
    expected_status = "ok"
    assert rows["alice"].total == pytest.approx(total), rows["alice"].reason
    assert rows["alice"].status == expected_status, rows["alice"].reason
    assert rows["bob"].total == 0.0
    assert rows["carol"].total == pytest.approx(total - lost), rows["carol"].reason


def test_specs_never_reach_exercises():
    """grading.json stays in solutions/: nbgrader must be told to ignore it, and no release may hold one."""
    config = (ROOT / "nbgrader_config.py").read_text()
    assert "grading.json" in config, "add 'grading.json' to CourseDirectory.ignore in nbgrader_config.py"
    assert not list((ROOT / "exercises").glob("*/grading.*"))
