"""Regrades with history, on a really graded class in a throw-away course (a git repository holding
``solutions/fx``):

1. ``grade``: ana submits the solution, ben answers part 3 with "a", cai gets part 2 wrong (29 instead of 30);
2. the answer key of part 3 is fixed to "a" (solution and hidden test), then ``regrade`` of everyone;
3. the spec of part 2 gets a tolerance of 1.5 and cai asks for a regrade: ``regrade --student cai`` alone.

After each step the printed diff, grades.csv, the gradebook and the history are checked against scores worked
out here from the cell metadata.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess

import pytest
from course import BIN, ROOT
from term_class import FIXTURE, LIMITS, POINTS, solution, with_answers

P1, P2, P3 = POINTS["p1_tests"], POINTS["p2_tests"], POINTS["p3_tests"]
FULL = P1 + P2 + P3
LIMIT_ARGS = ["--jobs", "2", "--cell-timeout", str(LIMITS["cell_timeout"]), "--timeout", str(LIMITS["wall"]),
              "--memory", str(LIMITS["memory_mb"])]


def git(course, *args):
    return subprocess.run(["git", "-C", str(course), "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                          capture_output=True, text=True, check=True).stdout.strip()


def run(*args):
    result = subprocess.run([str(BIN / "python"), "-m", "l2course.grade", *args], cwd=ROOT, capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def table(stdout: str) -> dict[str, tuple[float, float, str]]:
    """The regrade diff: student -> (old, new, parts changed)."""
    rows = {}
    for line in stdout.splitlines()[1:]:
        fields = line.split(None, 3)
        if len(fields) == 4 and fields[1].replace(".", "").isdigit():
            rows[fields[0]] = (float(fields[1]), float(fields[2]), fields[3])
    return rows


def totals(path) -> dict[str, float]:
    with open(path, newline="") as handle:
        return {r["student"]: float(r["total"]) for r in csv.DictReader(handle)}


def set_key(course, letter: str):
    """Change the answer of part 3 in the source: the solution cell and the hidden test."""
    path = course / "solutions" / "fx" / "fx.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
        text = "".join(cell["source"])
        if gid == "p3_answer":
            cell["source"] = text.replace('answer_q3 = "b"', f'answer_q3 = "{letter}"')
        if gid == "p3_tests":
            cell["source"] = text.replace('answer_q3 == "b"', f'answer_q3 == "{letter}"')
    path.write_text(json.dumps(nb, indent=1))


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    base = tmp_path_factory.mktemp("regrade")
    course, subs, out = base / "course", base / "subs", base / "out"
    shutil.copytree(FIXTURE, course / "solutions" / "fx")
    git(course, "init", "-q")
    git(course, "add", "-A")
    git(course, "commit", "-qm", "fx")
    originals = {}
    for student, changed in {"ana": [], "ben": ["p3_answer"], "cai": ["p2_answer"]}.items():
        nb, _ = with_answers(changed)
        (subs / student).mkdir(parents=True)
        (subs / student / "fx.ipynb").write_text(json.dumps(nb))
        originals[student] = nb
    common = ["--course", str(course), "--out", str(out), *LIMIT_ARGS]
    steps = {"grade": run("fx", str(subs), *common)}
    steps["csv1"] = totals(out / "grades.csv")
    shutil.rmtree(subs)  # the regrades must work from the history alone
    set_key(course, "a")
    steps["regrade"] = run("regrade", "fx", *common)
    steps["csv2"] = totals(out / "grades.csv")
    spec = json.loads((course / "solutions" / "fx" / "grading.json").read_text())
    spec["parts"]["p2_tests"]["checks"][0]["atol"] = 1.5
    (course / "solutions" / "fx" / "grading.json").write_text(json.dumps(spec))
    steps["single"] = run("regrade", "fx", "--student", "cai", *common)
    steps["csv3"] = totals(out / "grades.csv")
    return {"course": course, "out": out, "steps": steps, "originals": originals, "common": common}


def test_first_run_recorded(term):
    from l2course.grading.history import History, canonical, environment, sha256

    assert term["steps"]["csv1"] == {"ana": FULL, "ben": FULL - P3, "cai": FULL - P2}
    with History(f"sqlite:///{term['out'] / 'history.sqlite'}") as h:
        (first, *_) = h.run_list("fx")
        assert first["kind"] == "grade" and first["students"] == 3
        assert first["course_commit"] == git(term["course"], "rev-parse", "HEAD"), "the commit graded with"
        env = json.loads(first["environment"])
        assert env["nbgrader"] == environment()["nbgrader"] == "0.9.6"
        ana = h.student_results("fx", "ana")[0]
        blob = h.blob(ana["submission_hash"])
        assert sha256(blob) == ana["submission_hash"]
        stored = json.loads(blob)
        assert [c["source"] for c in stored["cells"]] == ["".join(c["source"]) if isinstance(c["source"], list)
                                                           else c["source"] for c in term["originals"]["ana"]["cells"]]
        assert canonical(stored) == blob


def test_regrade_after_key_fix_prints_the_diff(term):
    diff = table(term["steps"]["regrade"].stdout)
    assert diff == {
        "ana": (FULL, FULL - P3, f"p3_tests {P3:g}→0"),
        "ben": (FULL - P3, FULL, f"p3_tests 0→{P3:g}"),
        "cai": (FULL - P2, FULL - P2 - P3, f"p3_tests {P3:g}→0"),
    }
    assert "3 regraded, 3 changed" in term["steps"]["regrade"].stdout
    assert term["steps"]["csv2"] == {s: new for s, (_, new, _) in diff.items()}


def test_single_student_regrade(term):
    """Only cai is regraded; the others keep their regraded scores in grades.csv and the gradebook."""
    from l2course.grading.gradebook import scores

    diff = table(term["steps"]["single"].stdout)
    assert diff == {"cai": (FULL - P2 - P3, FULL - P3, f"p2_tests 0→{P2:g}")}
    expected = {"ana": FULL - P3, "ben": FULL, "cai": FULL - P3}
    assert term["steps"]["csv3"] == expected
    assert scores(f"sqlite:///{term['out'] / 'gradebook.db'}", "fx") == pytest.approx(expected)
    assert "p2_tests: 1 / 1" in (term["out"] / "feedback" / "cai.html").read_text()


def test_nothing_overwritten_without_a_record(term):
    """Every version of every student's score is in the history, with the spec and source it was graded by."""
    from l2course.grading.history import History

    with History(f"sqlite:///{term['out'] / 'history.sqlite'}") as h:
        runs = h.run_list("fx")
        assert [r["kind"] for r in runs] == ["grade", "regrade", "regrade"]
        assert [r["parent_run"] for r in runs] == [None, runs[0]["id"], runs[1]["id"]]
        assert runs[0]["source_hash"] != runs[1]["source_hash"], "the key fix changed the source notebook"
        assert runs[1]["spec_hash"] != runs[2]["spec_hash"], "the tolerance changed the spec"
        assert runs[1]["course_commit"].endswith("+dirty")
        for version, step in enumerate(("csv1", "csv2", "csv3")):
            for student, total in term["steps"][step].items():
                history = [r["total"] for r in h.student_results("fx", student)]
                assert total in history, (version, student)
        assert [r["total"] for r in h.student_results("fx", "cai")] == [FULL - P2, FULL - P2 - P3, FULL - P3]
        assert len(h.student_results("fx", "ana")) == 2


def test_history_command_and_bad_student(term):
    listing = run("history", "fx", "--out", str(term["out"])).stdout
    assert listing.count("regrade") == 2 and "grade" in listing
    bad = subprocess.run([str(BIN / "python"), "-m", "l2course.grade", "regrade", "fx", "--student", "nobody",
                          *term["common"]], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode != 0 and "nobody not in the history of fx" in bad.stderr
    assert solution()["cells"], "fixture readable"


def test_history_in_the_postgresql_gradebook(term):
    """With ``--db-url postgresql://…`` the history tables live beside nbgrader's in the same database: the runs
    of this class, recorded there, read back the same (scores, hashes, stored notebooks), and nbgrader's own
    tables are left as nbgrader made them."""
    from types import SimpleNamespace

    from nbgrader.api import Gradebook
    from pgserver import throwaway_postgres
    from sqlalchemy import create_engine, inspect

    from l2course.grading.history import PREFIX, History

    with History(f"sqlite:///{term['out'] / 'history.sqlite'}") as local:
        first = [r for r in local.latest("fx").values()]
        rows = [SimpleNamespace(student=r["student"], scores=json.loads(r["scores"]), total=r["total"], max=r["max"],
                                status=r["status"], reason=r["reason"],
                                attempt=SimpleNamespace(student_nb=json.loads(local.blob(r["submission_hash"])),
                                                        path=term["out"] / r["notebook_name"]))
                for r in first]
    with throwaway_postgres() as server:
        url = server.createdb("term")
        with Gradebook(url, course_id="l2-loss"):
            pass
        engine = create_engine(url)
        nbgrader_tables = set(inspect(engine).get_table_names())
        with History(url) as remote:
            run_id = remote.record("fx", rows, kind="grade", source_dir=term["course"] / "solutions" / "fx",
                                   course_root=term["course"])
            back = remote.latest("fx")
            assert {s: r["total"] for s, r in back.items()} == {r["student"]: r["total"] for r in first}
            for r in first:
                assert back[r["student"]]["submission_hash"] == r["submission_hash"], "same canonical bytes"
                assert remote.blob(r["submission_hash"]) == local_blob(term, r["submission_hash"])
            assert remote.run_list("fx")[0]["id"] == run_id
        tables = set(inspect(engine).get_table_names())
        engine.dispose()
        assert tables - nbgrader_tables == {f"{PREFIX}runs", f"{PREFIX}results", f"{PREFIX}blobs"}
        assert {"assignment", "grade"} <= nbgrader_tables and not any(t.startswith(PREFIX) for t in nbgrader_tables)


def local_blob(term, digest):
    from l2course.grading.history import History

    with History(f"sqlite:///{term['out'] / 'history.sqlite'}") as local:
        return local.blob(digest)
