"""The late policy: its boundaries (exactly at the deadline, inside grace, an extension, the cap; per day and
per hour; time zones), every source of submission times, and a really graded nbgrader ``submitted/`` tree
whose ``grades_late.csv`` and feedback show each student's computation.

Expected penalties are worked out here from the written rule (late = submitted − deadline; on time when
late ≤ grace; else min(cap, rate × ⌈late / unit⌉) percent of the maximum), not read from the module.
"""

from __future__ import annotations

import csv
import json
import subprocess
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
from course import BIN, ROOT
from term_class import FIXTURE, FULL, grade_class, with_answers

from l2course.grading.late import LatePolicy, load_policy, parse_time, submission_times

DEADLINE = "2026-10-05 23:59 America/New_York"  # EDT, UTC-4: 2026-10-06 03:59 UTC
D = parse_time(DEADLINE, "deadline")
EXT = {"eva": D + timedelta(days=2)}
DAY = LatePolicy(D, timedelta(minutes=15), "day", 10, 50, EXT)
HOUR = LatePolicy(D, timedelta(0), "hour", 5, 30)

# (name, policy, student, submitted (UTC), expected percent)
BOUNDARIES = [
    ("one minute early", DAY, "ana", "2026-10-06 03:58 UTC", 0),
    ("exactly at the deadline", DAY, "ana", "2026-10-06 03:59 UTC", 0),
    ("inside grace (14 min 59 s)", DAY, "ana", "2026-10-06 04:13:59 UTC", 0),
    ("exactly at the end of grace", DAY, "ana", "2026-10-06 04:14 UTC", 0),
    ("one second after grace: day 1", DAY, "ana", "2026-10-06 04:14:01 UTC", 10),
    ("23 h 59 min late: still day 1", DAY, "ana", "2026-10-07 03:58 UTC", 10),
    ("24 h late exactly: day 1", DAY, "ana", "2026-10-07 03:59 UTC", 10),
    ("24 h + 1 s: day 2", DAY, "ana", "2026-10-07 03:59:01 UTC", 20),
    ("5 days late: the 50% cap", DAY, "ana", "2026-10-11 03:59 UTC", 50),
    ("9 days late: still the cap", DAY, "ana", "2026-10-15 03:00 UTC", 50),
    ("extension: 1 day after the deadline", DAY, "eva", "2026-10-07 03:59 UTC", 0),
    ("extension: 1 h after the extended one", DAY, "eva", "2026-10-08 04:59 UTC", 10),
    ("per hour: 2 h 30 min late", HOUR, "ana", "2026-10-06 06:29 UTC", 15),
    ("per hour: 1 s late, no grace", HOUR, "ana", "2026-10-06 03:59:01 UTC", 5),
    ("per hour: 10 h late, 30% cap", HOUR, "ana", "2026-10-06 13:59 UTC", 30),
]


@pytest.mark.parametrize("name, policy, student, submitted, percent", BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_boundaries(name, policy, student, submitted, percent):
    raw = 3.0
    c = policy.apply(student, raw, FULL, parse_time(submitted, "submitted"))
    assert c.penalty_percent == pytest.approx(percent)
    assert c.final == pytest.approx(max(0.0, raw - FULL * percent / 100))
    assert c.explain(policy)


def test_same_instant_in_another_zone():
    """23:30 in New York is 04:30 UTC and 05:30 in Paris (CEST): all three are on time."""
    for text in ("2026-10-05 23:30 America/New_York", "2026-10-06 03:30 UTC", "2026-10-06T05:30+02:00",
                 "2026-10-06 05:30 Europe/Paris"):
        assert DAY.apply("ana", 4, 4, parse_time(text, "t")).penalty_percent == 0, text
    assert parse_time("2026-10-06 05:30 Europe/Paris", "t") == datetime(2026, 10, 6, 3, 30, tzinfo=UTC)


def test_elapsed_time_across_a_clock_change():
    """Daylight saving ends in New York on 2026-11-01 at 02:00: from 23:59 EDT on Oct 31 to 23:30 EST on Nov 1 is
    24 h 31 min of real time (23 h 31 min on the wall clock), so the second started day is due."""
    policy = LatePolicy(parse_time("2026-10-31 23:59 America/New_York", "deadline"), timedelta(0), "day", 10, 50)
    c = policy.apply("ana", 4, 4, parse_time("2026-11-01 23:30 America/New_York", "submitted"))
    assert c.late == timedelta(hours=24, minutes=31) and c.penalty_percent == 20


def test_penalty_never_below_zero():
    c = DAY.apply("ana", 0.5, FULL, parse_time("2026-10-09 00:00 UTC", "t"))  # 2 d 20 h 1 min: 3 days, 30%
    assert c.penalty == pytest.approx(FULL * 0.3) and c.final == 0.0


@pytest.mark.parametrize("text, message", [
    ("2026-10-05 23:59", "has no time zone"),
    ("2026-10-05 23:59 Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
    ("next friday", "is not a date and time"),
])
def test_bad_times_name_the_input(text, message):
    with pytest.raises(ValueError, match="deadline") as err:
        parse_time(text, "deadline")
    assert message in str(err.value)


def test_config_errors_name_the_key(tmp_path):
    cfg = tmp_path / "course.toml"
    cfg.write_text('[late_policy.fx]\ndeadline = "2026-10-05 23:59"\n')
    with pytest.raises(ValueError, match=r"late_policy.fx\]: deadline '2026-10-05 23:59' has no time zone"):
        load_policy(cfg, "fx")
    cfg.write_text('[late_policy.fx]\ndeadline = "2026-10-05 23:59 UTC"\npenalty = 10\n')
    with pytest.raises(ValueError, match="unknown key.*penalty"):
        load_policy(cfg, "fx")
    cfg.write_text('[late_policy.fx]\ndeadline = "2026-10-05 23:59 UTC"\nper = "week"\n')
    with pytest.raises(ValueError, match="per must be 'day' or 'hour'"):
        load_policy(cfg, "fx")
    with pytest.raises(ValueError, match='no \\[late_policy."other"\\]'):
        load_policy(cfg, "other")


def test_times_from_zip_and_csv(tmp_path):
    """Blackboard's zip names carry local times (so --zone is required); a CSV carries its own zones."""
    archive = tmp_path / "lms.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("fx_ana_attempt_2026-10-05-23-00-00_fx.ipynb", "{}")
        z.writestr("fx_ana_attempt_2026-10-06-01-30-00_fx.ipynb", "{}")  # the later upload counts
    with pytest.raises(ValueError, match="need --zone"):
        submission_times(archive, "fx")
    times = submission_times(archive, "fx", zone="America/New_York")
    assert times == {"ana": datetime(2026, 10, 6, 5, 30, tzinfo=UTC)}
    sheet = tmp_path / "times.csv"
    sheet.write_text("student,submitted_at\nana,2026-10-06T05:30+00:00\nben,2026-10-06 01:00\n")
    with pytest.raises(ValueError, match="line 3: submitted_at '2026-10-06 01:00' has no time zone"):
        submission_times(sheet, "fx")


@pytest.fixture(scope="module")
def late_class(tmp_path_factory):
    """An nbgrader tree: submitted/<student>/fx/fx.ipynb + timestamp.txt, graded for real, then the policy."""
    base = tmp_path_factory.mktemp("late")
    stamps = {"ana": "2026-10-06 03:59:00.000000 UTC",   # exactly at the deadline
              "ben": "2026-10-06 04:10:00.000000 UTC",   # inside grace
              "cai": "2026-10-07 10:00:00.000000 UTC",   # day 2
              "eva": "2026-10-07 10:00:00.000000 UTC",   # the same, with an extension
              "max": "2026-10-20 10:00:00.000000 UTC"}   # the cap
    changed = {"ana": [], "ben": ["p3_answer"], "cai": [], "eva": [], "max": []}
    expected = {}
    for student, stamp in stamps.items():
        folder = base / "submitted" / student / "fx"
        folder.mkdir(parents=True)
        nb, expected[student] = with_answers(changed[student])
        (folder / "fx.ipynb").write_text(json.dumps(nb))
        (folder / "timestamp.txt").write_text(stamp)
    grade_class(base / "submitted", base / "out")
    (base / "extensions.csv").write_text("student,deadline\neva,2026-10-07 23:59 America/New_York\n")
    (base / "course.toml").write_text(
        f'[late_policy.fx]\ndeadline = "{DEADLINE}"\ngrace_minutes = 15\npenalty_percent = 10\nper = "day"\n'
        'cap_percent = 50\nextensions = "extensions.csv"\n')
    run = subprocess.run([str(BIN / "python"), "-m", "l2course.grade", "late", "fx", "--results",
                          str(base / "out"), "--times", str(base), "--config", str(base / "course.toml")],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    with open(base / "out" / "grades_late.csv", newline="") as handle:
        rows = {r["student"]: r for r in csv.DictReader(handle)}
    return {"base": base, "rows": rows, "raw": expected, "run": run}


def test_late_csv_from_a_graded_class(late_class):
    percent = {"ana": 0, "ben": 0, "cai": 20, "eva": 0, "max": 50}
    rows = late_class["rows"]
    assert sorted(rows) == sorted(percent)
    for student, pct in percent.items():
        row = rows[student]
        assert float(row["total"]) == pytest.approx(late_class["raw"][student]), "raw score as graded"
        assert float(row["penalty_percent"]) == pytest.approx(pct), student
        assert float(row["final"]) == pytest.approx(max(0, late_class["raw"][student] - FULL * pct / 100))
    assert rows["cai"]["late_by"] == "1 d 6 h 1 min" and rows["ana"]["late_by"] == ""
    assert "your extension" in rows["eva"]["late_note"]
    assert "policy: deadline 2026-10-05 23:59:00-04:00" in late_class["run"].stdout


def test_feedback_shows_policy_and_computation(late_class):
    page = (late_class["base"] / "out" / "feedback" / "cai.html").read_text()
    assert page.count("<h2>Late policy</h2>") == 1
    assert "10% of the maximum per started day late, at most 50%" in page
    assert "2 started day(s) × 10% = 20% of 4 = 0.8 points; 4 − 0.8 → 3.2" in page


def test_export_uses_the_final_score(late_class, tmp_path):
    """``export`` reads grades_late.csv when it is there: the LMS gets the score after the penalty."""
    from l2course.grading.roster import read_grades_csv

    grades = read_grades_csv(late_class["base"] / "out" / "grades_late.csv", "fx")
    assert grades.scores["cai"].points == pytest.approx(FULL * 0.8)
    assert "late: " in grades.scores["cai"].reason and "20% of 4" in grades.scores["cai"].reason
    assert "late: " not in grades.scores["ana"].reason, "no penalty, no late note in the LMS feedback"
    assert FIXTURE.name == "fx"


def test_export_refuses_a_stale_late_file(late_class, tmp_path):
    """After a regrade grades.csv changes; the penalties computed on the old scores must not reach the LMS."""
    import shutil

    from l2course.grading.term import _graded

    folder = tmp_path / "fx"
    shutil.copytree(late_class["base"] / "out", folder)
    assert _graded(folder).scores["cai"].points == pytest.approx(FULL * 0.8)
    text = (folder / "grades.csv").read_text().splitlines()
    header = text[0].split(",")
    cells = next(line for line in text if line.startswith("cai,")).split(",")
    cells[header.index("total")] = "1"
    (folder / "grades.csv").write_text("\n".join([*[t for t in text if not t.startswith("cai,")], ",".join(cells)]))
    with pytest.raises(ValueError, match=r"does not match .*grades.csv \(regraded since\? cai\)"):
        _graded(folder)
