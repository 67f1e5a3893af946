"""Batch survival and in = out: a fault injected in any stage of one submission's pipeline costs that
submission its grade (a ``grader-error`` row naming the stage and the exception) and nothing else; every
file or zip member received appears in the CSV exactly once; temporary folders are gone afterwards; the
grader's channel drops what its runner did not write.

The fixture is ``tests/grading_fixtures/fx`` (see ``test_grading_hostile.py``). Expected scores come from
the cell metadata there, never from the grader's output.
"""

from __future__ import annotations

import io
import json
import queue
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import pytest
from course import ROOT
from test_grading_hostile import FIXTURE, FULL, LIMITS, POINTS, read_csv, release_of, solution, with_cell

STAGES = {"read": "read_submission", "plan": "plan_submission", "run": "run_submission", "score": "score",
          "feedback": "render_feedback", "gradebook": "gradebook_row"}


def grade_into(subs: Path, out: Path, tmp: Path, monkeypatch, **kwargs):
    """Grade with temporary folders under ``tmp`` (so the test can see that none is left behind)."""
    from l2course.grading.core import grade
    from l2course.grading.sandbox import Limits

    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    monkeypatch.setenv("TMPDIR", str(tmp))
    return grade(str(FIXTURE), subs, out, jobs=2, limits=Limits(**LIMITS), course_root=ROOT, quiet=True, **kwargs)


def _student_of(args) -> str | None:
    """The student a stage function is working for, from its arguments (a submission, attempt or row)."""
    for arg in args:
        if hasattr(arg, "student"):
            return arg.student
        path = getattr(arg, "path", None)
        if path is not None:
            return Path(path).parent.name
    return None


def inject(monkeypatch, stage: str, victim: str) -> None:
    from l2course.grading import core

    real = getattr(core, STAGES[stage])

    def faulty(*args, **kwargs):
        if _student_of(args) == victim:
            raise RuntimeError(f"injected fault in {stage}")
        return real(*args, **kwargs)

    monkeypatch.setattr(core, STAGES[stage], faulty)


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults") / "subs"
    sol = solution()
    notebooks = {"ctl_full": sol, "ctl_wrong": with_cell(sol, "p3_answer", "answer_q3 = 'a'\n"),
                 "ctl_blank": release_of(sol)}
    notebooks.update({f"v_{stage}": sol for stage in [*STAGES, "db"]})
    for student, nb in notebooks.items():
        (folder / student).mkdir(parents=True)
        (folder / student / "fx.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return folder


def test_a_fault_in_any_stage_costs_only_that_submission(class_folder, tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    from l2course.grading.core import STAGE_WORDS

    (tmp_path / "t1").mkdir()
    (tmp_path / "t2").mkdir()
    with monkeypatch.context() as m:
        grade_into(class_folder, tmp_path / "clean", tmp_path / "t1", m)
    clean = read_csv(tmp_path / "clean" / "grades.csv")
    assert {s: float(r["total"]) for s, r in clean.items() if s.startswith("ctl")} == {
        "ctl_full": FULL, "ctl_wrong": FULL - POINTS["p3_tests"], "ctl_blank": 0.0}
    assert all(float(r["total"]) == FULL for s, r in clean.items() if s.startswith("v_")), clean

    with monkeypatch.context() as m:
        for stage in STAGES:
            inject(m, stage, f"v_{stage}")
        import nbgrader.api

        real_student = nbgrader.api.Gradebook.update_or_create_student

        def refuse(self, student_id, **kw):
            if student_id == "v_db":
                raise nbgrader.api.InvalidEntry("injected database refusal")
            return real_student(self, student_id, **kw)

        m.setattr(nbgrader.api.Gradebook, "update_or_create_student", refuse)
        rows = grade_into(class_folder, tmp_path / "faulty", tmp_path / "t2", m)
    faulty = read_csv(tmp_path / "faulty" / "grades.csv")
    assert sorted(faulty) == sorted(clean) and len(rows) == len(clean), "one row per submission, none lost"
    for student, row in faulty.items():
        if student.startswith("ctl"):
            assert row == clean[student], f"{student} changed because of another student's fault"
    for stage in STAGES:
        row = faulty[f"v_{stage}"]
        assert (row["status"], float(row["total"])) == ("grader-error", 0.0), row
        assert f"grader error while {STAGE_WORDS[stage]} (RuntimeError: injected fault in {stage})" in row["reason"]
    assert faulty["v_db"]["status"] == "grader-error" and float(faulty["v_db"]["total"]) == 0.0
    assert "the gradebook refused this row (InvalidEntry: injected database refusal)" in faulty["v_db"]["reason"]
    pages = {p.name for p in (tmp_path / "faulty" / "feedback").iterdir()}
    assert pages == {f"{s}.html" for s in faulty}, "every student has a feedback page"
    with Gradebook(f"sqlite:///{tmp_path / 'faulty' / 'gradebook.db'}") as gb:
        stored = {s.student.id: s.score for s in gb.find_assignment("fx").submissions}
    assert stored == {s: float(r["total"]) for s, r in faulty.items() if s != "v_db"}
    for folder in ("t1", "t2"):
        assert not list((tmp_path / folder).iterdir()), f"temporary folders left behind: {folder}"


def test_a_failed_run_leaves_no_temporary_folder(tmp_path, monkeypatch):
    from l2course.grading import core

    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "fx.ipynb").write_text(json.dumps(solution()), encoding="utf-8")
    (tmp_path / "t").mkdir()

    def broken(a, ref):
        raise SystemExit("the reference run of the solution notebook failed: injected")

    monkeypatch.setattr(core, "reference_values", broken)
    with pytest.raises(SystemExit, match="injected"):
        grade_into(subs, tmp_path / "out", tmp_path / "t", monkeypatch)
    assert not list((tmp_path / "t").iterdir())


def _bad_crc(data: bytes, name: str) -> bytes:
    """The zip with one byte of ``name``'s stored content flipped (its CRC no longer matches)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        info = z.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 5
    return data[:start] + bytes([data[start] ^ 0xFF]) + data[start + 1:]


def test_every_zip_member_appears_once_with_its_reason(tmp_path, monkeypatch):
    from l2course.grading import collect

    monkeypatch.setattr(collect, "MAX_MEMBER", 1_000_000)
    sol = json.dumps(solution())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:  # stored, not deflated: the flipped byte is in the notebook itself
        z.writestr("alice_1001_2001_fx.ipynb", sol)
        z.writestr("bob_1002_2002_fx.ipynb", sol)
        z.writestr("carol", "a file named like the folder below")
        z.writestr("carol/fx.ipynb", sol)
        link = zipfile.ZipInfo("dave_1004_2004_fx.ipynb")
        link.external_attr = (0o120777 << 16)
        z.writestr(link, "../../solutions/01_definition/01_definition.ipynb")
        z.writestr("erin_1005_2005_fx.ipynb", sol + " " * 1_200_000)
        z.writestr("frank_1006_2006_fx.ipynb", sol)
        z.writestr("__MACOSX/._frank_1006_2006_fx.ipynb", "resource fork")
    data = _bad_crc(buffer.getvalue(), "bob_1002_2002_fx.ipynb")
    archive = tmp_path / "lms.zip"
    archive.write_bytes(_append(data, "frank_1006_2006_fx.ipynb", json.dumps(release_of(solution()))))
    (tmp_path / "t").mkdir()
    grade_into(archive, tmp_path / "out", tmp_path / "t", monkeypatch)
    rows = read_csv(tmp_path / "out" / "grades.csv")
    assert sorted(rows) == ["alice", "bob", "carol", "dave", "erin", "frank"]
    expect = {"alice": (FULL, "ok", ""),
              "bob": (0.0, "refused", "'bob_1002_2002_fx.ipynb' is damaged or unreadable in the zip (BadZipFile"),
              "carol": (0.0, "refused", "'carol/fx.ipynb' has the name of another member's folder or file"),
              "dave": (0.0, "refused", "'dave_1004_2004_fx.ipynb' is a symbolic link: refused"),
              "erin": (0.0, "refused", "'erin_1005_2005_fx.ipynb' is too large"),
              "frank": (FULL, "ok", "'frank_1006_2006_fx.ipynb' appears twice: the second copy was refused")}
    for student, (total, status, fragment) in expect.items():
        row = rows[student]
        assert (float(row["total"]), row["status"]) == (total, status), row
        assert fragment in row["reason"], row["reason"]
    assert "also received 'carol'" in rows["carol"]["reason"], "the file named carol is listed too"
    assert not list((tmp_path / "t").iterdir()), "the unpacked zip was not removed"


def _append(data: bytes, name: str, text: str) -> bytes:
    """The zip with a second member of the same name appended (as some LMS exports contain)."""
    import warnings

    buffer = io.BytesIO(data)
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "a") as z:
        warnings.simplefilter("ignore")
        z.writestr(name, text)
    return buffer.getvalue()


def test_unicode_ids_are_kept_and_never_merged(tmp_path, monkeypatch):
    sol = solution()
    subs = tmp_path / "subs"
    names = {"Zo\u00eb": sol, "Zo\u00e9": with_cell(sol, "p3_answer", "answer_q3 = 'a'\n"),
             unicodedata.normalize("NFD", "Andr\u00e9"): sol, "Andr\u00e9": release_of(sol)}
    for name, nb in names.items():
        (subs / name).mkdir(parents=True)
        (subs / name / "fx.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    (tmp_path / "t").mkdir()
    grade_into(subs, tmp_path / "out", tmp_path / "t", monkeypatch)
    rows = read_csv(tmp_path / "out" / "grades.csv")
    assert sorted(rows) == sorted(["Zo\u00eb", "Zo\u00e9", "Andr\u00e9"])
    assert float(rows["Zo\u00eb"]["total"]) == FULL
    assert float(rows["Zo\u00e9"]["total"]) == FULL - POINTS["p3_tests"]
    andre = rows["Andr\u00e9"]
    assert (andre["status"], float(andre["total"])) == ("refused", 0.0)
    assert "received under 2 names that are one id after Unicode normalization" in andre["reason"]
    pages = sorted(p.name for p in (tmp_path / "out" / "feedback").iterdir())
    assert pages == ["Andr%C3%A9.html", "Zo%C3%A9.html", "Zo%C3%AB.html"]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'out' / 'gradebook.db'}") as gb:
        assert {s.student.id for s in gb.find_assignment("fx").submissions} == set(rows)


def test_channel_drops_lines_its_runner_did_not_write():
    """The grader's reader on a stream holding genuine sealed records, forged lines (old unsealed form, a
    guessed MAC, a record sealed with another key), a line over the size cap and one without a newline."""
    from l2course.grading import sandbox as sb
    from l2course.grading.runner import seal

    key, other = bytes(range(32)), bytes(32)
    genuine = [{"ev": "ready"}, {"ev": "cell", "status": "ok", "outputs": [], "i": 0},
               {"ev": "cell", "status": "error", "ename": "ValueError", "evalue": "x", "outputs": [], "i": 1},
               {"ev": "done", "stopped": None}]
    forged = [json.dumps({"ev": "done", "stopped": None}).encode() + b"\n",
              b"0" * 64 + b" " + json.dumps({"ev": "cell", "status": "ok"}).encode() + b"\n",
              seal(other, 2, {"ev": "cell", "status": "ok", "outputs": [], "i": 2})]
    stream = (seal(key, 0, genuine[0]) + forged[0] + seal(key, 1, genuine[1]) + b"y" * 5000 + b"\n"
              + forged[1] + seal(key, 2, genuine[2]) + forged[2] + seal(key, 3, genuine[3])[:-1])
    box = sb.Sandbox.__new__(sb.Sandbox)
    box.key, box.lines, box.forged, box.dropped, box.overflow = key, queue.Queue(), 0, 0, False
    box.proc = type("P", (), {"stdout": io.BytesIO(stream), "pid": -1})()
    old = sb.MAX_LINE_BYTES
    sb.MAX_LINE_BYTES = 4096
    try:
        box._read()
    finally:
        sb.MAX_LINE_BYTES = old
    got = []
    while (item := box.lines.get_nowait()) is not None:
        got.append(item)
    assert [g["ev"] for g in got] == ["ready", "cell", "cell", "done"]
    assert [g.get("status") for g in got[1:3]] == ["ok", "error"] and got[2]["ename"] == "ValueError"
    assert (box.forged, box.dropped, box.overflow) == (3, 1, False)


def test_feedback_filter_renders_what_nbconvert_renders():
    """The nh3 replacement of nbconvert's bleach-based clean_html filter gives the same page for a notebook of
    the course (code highlighted, Markdown, outputs), and still removes what bleach removes."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.filters.strings import clean_html as bleach_clean

    from l2course.grading.report import clean_html

    nb = nbformat.read(ROOT / "solutions" / "01_definition" / "01_definition.ipynb", as_version=4)
    ours = HTMLExporter(template_name="classic", filters={"clean_html": clean_html}).from_notebook_node(nb)[0]
    assert ours == HTMLExporter(template_name="classic").from_notebook_node(nb)[0]
    attack = "<div class='x' onclick='f()'><script>f()</script><a href='javascript:f()'>y</a></div>"
    assert "script" not in clean_html(attack) and "onclick" not in clean_html(attack)
    assert "javascript" not in clean_html(attack) and "javascript" not in bleach_clean(attack)
