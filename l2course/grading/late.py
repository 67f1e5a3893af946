"""A late policy applied to graded results: deadline (with time zone), grace period, penalty per day or per
hour, a cap, per-student extensions.

The policy lives in the course configuration, ``course.toml`` at the course root, one table per assignment
(or ``[late_policy.default]`` for all)::

    [late_policy."01_definition"]
    deadline = "2026-10-05 23:59 America/New_York"   # or ISO 8601 with an offset: 2026-10-05T23:59-04:00
    grace_minutes = 15          # submissions up to 15 min after the deadline count as on time
    penalty_percent = 10        # of the assignment's maximum, per started day (or hour) late
    per = "day"                 # "day" or "hour"
    cap_percent = 50            # never more than this in total
    extensions = "extensions.csv"   # optional: student,deadline (a new deadline, with its time zone)

The rule: ``late = submitted − deadline`` (the student's extended deadline when there is one). On time when
``late ≤ grace``; otherwise the penalty is ``min(cap, penalty × ⌈late / unit⌉)`` percent of the maximum,
counted from the deadline itself (the grace period forgives, it does not move the deadline), and the final
score is ``max(0, raw − penalty)``.

>>> from datetime import timedelta
>>> policy = LatePolicy(parse_time("2026-10-05 23:59 UTC", "deadline"), timedelta(minutes=15), "day", 10, 50)
>>> c = policy.apply("ana", 8.0, 10.0, parse_time("2026-10-07 09:00 UTC", "submitted"))
>>> c.units, c.penalty_percent, c.final
(2, 20.0, 6.0)
>>> parse_time("2026-10-05 23:59", "deadline")
Traceback (most recent call last):
...
ValueError: deadline '2026-10-05 23:59' has no time zone: write it with an offset \
(2026-10-05T23:59-04:00), Z/UTC, or a zone name (2026-10-05 23:59 America/New_York)
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import tomllib
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .roster import norm

UNITS = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
_TIME = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(.*?)\s*$")


def parse_time(text: str, what: str, default_zone: str | None = None) -> datetime:
    """An aware datetime from ``YYYY-MM-DD HH:MM[:SS[.ffffff]]`` followed by an offset (``+02:00``), ``Z``,
    ``UTC`` or an IANA zone name (``Europe/Paris``). ``default_zone`` is used when the text has none;
    without it a time with no zone is an error naming ``what``."""
    m = _TIME.match(str(text))
    if not m:
        raise ValueError(f"{what} {text!r} is not a date and time (expected e.g. 2026-10-05 23:59 Europe/Paris)")
    day, clock, zone = m.groups()
    if len(clock.split(":")[0]) == 1:
        clock = "0" + clock
    zone = zone or (default_zone or "")
    if not zone:
        raise ValueError(f"{what} {text!r} has no time zone: write it with an offset ({day}T{clock}-04:00), "
                         f"Z/UTC, or a zone name ({day} {clock} America/New_York)")
    if zone.upper() in ("Z", "UTC", "GMT"):
        tz = UTC
    elif re.fullmatch(r"[+-]\d{2}:?\d{2}", zone):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    else:
        try:
            tz = ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{what} {text!r}: unknown time zone {zone!r} (use an IANA name such as "
                             "America/Chicago, or an offset such as -05:00)") from exc
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=tz)


def describe(delta: timedelta) -> str:
    """A duration for people, to the second (so "1 d 1 s" late is visibly more than a day).

    >>> describe(timedelta(days=1, seconds=1)), describe(timedelta(hours=30, minutes=1)), describe(timedelta(0))
    ('1 d 1 s', '1 d 6 h 1 min', '0 s')
    """
    seconds = int(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min"), (rest, "s")) if n]
    return " ".join(parts) or "0 s"


@dataclass
class Computation:
    """One student's lateness and penalty, every step kept for the CSV and the feedback."""

    student: str
    raw: float
    max_score: float
    submitted: datetime | None
    deadline: datetime
    extended: bool
    late: timedelta | None
    units: int
    penalty_percent: float
    penalty: float
    final: float
    note: str

    def explain(self, policy: LatePolicy) -> str:
        if self.submitted is None:
            return self.note
        when = f"submitted {self.submitted.isoformat(' ')}; deadline {self.deadline.isoformat(' ')}"
        when += " (your extension)" if self.extended else ""
        if self.late is None or self.late <= timedelta(0):
            return f"{when}: on time, no penalty"
        if self.units == 0:
            return f"{when}: {describe(self.late)} late, within the {describe(policy.grace)} grace period, no penalty"
        capped = " (the cap)" if self.penalty_percent == policy.cap_percent and \
            self.units * policy.penalty_percent > policy.cap_percent else ""
        return (f"{when}: {describe(self.late)} late = {self.units} started {policy.per}(s) × "
                f"{policy.penalty_percent:g}% = {self.penalty_percent:g}%{capped} of {self.max_score:g} = "
                f"{self.penalty:g} points; {self.raw:g} − {self.penalty:g} → {self.final:g}")


@dataclass
class LatePolicy:
    deadline: datetime
    grace: timedelta
    per: str
    penalty_percent: float
    cap_percent: float
    extensions: dict[str, datetime] = field(default_factory=dict)

    def __post_init__(self):
        if self.deadline.tzinfo is None:
            raise ValueError("deadline has no time zone")
        if self.per not in UNITS:
            raise ValueError(f"per must be 'day' or 'hour' (got {self.per!r})")
        for name in ("penalty_percent", "cap_percent"):
            value = getattr(self, name)
            if not 0 <= value <= 100:
                raise ValueError(f"{name} must be between 0 and 100 (got {value})")
        if self.grace < timedelta(0):
            raise ValueError(f"grace must not be negative (got {self.grace})")

    def text(self) -> str:
        return (f"deadline {self.deadline.isoformat(' ')} ({self.deadline.tzname()}); grace {describe(self.grace)}; "
                f"{self.penalty_percent:g}% of the maximum per started {self.per} late, at most "
                f"{self.cap_percent:g}%; {len(self.extensions)} extension(s)")

    def apply(self, student: str, raw: float, max_score: float, submitted: datetime | None) -> Computation:
        deadline = self.extensions.get(norm(student), self.deadline)
        extended = norm(student) in self.extensions
        if submitted is None:
            return Computation(student, raw, max_score, None, deadline, extended, None, 0, 0.0, 0.0, raw,
                               "no submission time found: not penalized (check by hand)")
        late = submitted.astimezone(UTC) - deadline.astimezone(UTC)  # elapsed time: same-zone subtraction is wall-clock
        units = 0 if late <= self.grace else math.ceil(late / UNITS[self.per])
        percent = float(min(self.cap_percent, units * self.penalty_percent))
        penalty = round(max_score * percent / 100, 6)
        final = max(0.0, round(raw - penalty, 6))
        return Computation(student, raw, max_score, submitted, deadline, extended, late, units, percent, penalty,
                           final, "")


def read_extensions(path: Path) -> dict[str, datetime]:
    """``student,deadline`` rows; each deadline with its time zone."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"extensions file {path}: no such file")
    out: dict[str, datetime] = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("student", "deadline") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"extensions file {path}: missing column(s) {', '.join(missing)} "
                             "(expected student,deadline)")
        for line, row in enumerate(reader, start=2):
            out[norm(row["student"])] = parse_time(row["deadline"], f"{path} line {line}: deadline")
    return out


def load_policy(config: Path, assignment: str) -> LatePolicy:
    """The assignment's policy from ``course.toml`` (its own table, else ``default``)."""
    config = Path(config)
    if not config.is_file():
        raise FileNotFoundError(f"course configuration {config}: no such file")
    with open(config, "rb") as handle:
        try:
            data = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{config}: not valid TOML ({exc})") from exc
    tables = data.get("late_policy", {})
    table = tables.get(assignment) or tables.get("default")
    if table is None:
        raise ValueError(f"{config}: no [late_policy.\"{assignment}\"] (or [late_policy.default]) table")
    where = f"{config} [late_policy.{assignment if assignment in tables else 'default'}]"
    if "deadline" not in table:
        raise ValueError(f"{where}: no deadline")
    unknown = set(table) - {"deadline", "grace_minutes", "penalty_percent", "per", "cap_percent", "extensions"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    extensions = {}
    if table.get("extensions"):
        extensions = read_extensions(config.parent / table["extensions"])
    try:
        return LatePolicy(parse_time(table["deadline"], f"{where}: deadline"),
                          timedelta(minutes=float(table.get("grace_minutes", 0))), table.get("per", "day"),
                          float(table.get("penalty_percent", 0)), float(table.get("cap_percent", 100)),
                          extensions)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


# --- submission times: from what the instructor has -------------------------------------------------------

def times_from_submitted(folder: Path, assignment: str) -> dict[str, datetime]:
    """nbgrader's ``submitted/<student>/<assignment>/timestamp.txt`` (nbgrader writes the zone name, UTC by
    default)."""
    folder = Path(folder)
    if (folder / "submitted").is_dir():
        folder = folder / "submitted"
    out = {}
    for stamp in sorted(folder.glob(f"*/{assignment}/timestamp.txt")):
        text = stamp.read_text(encoding="utf-8").strip()
        out[norm(stamp.parent.parent.name)] = parse_time(text, f"{stamp}")
    return out


def times_from_zip(archive: Path, zone: str, regexp: str | None = None) -> dict[str, datetime]:
    """The timestamps in an LMS zip's file names (Blackboard's ``…_attempt_2026-11-02-10-00-00_…``, or a
    ``timestamp`` group in ``regexp``); the LMS writes local time, so ``zone`` is required. The latest upload
    of each student counts, as in collection."""
    from .collect import match_lms_name, student_id

    if not zone:
        raise ValueError("times from an LMS zip need --zone (the LMS's time zone, e.g. America/Chicago): "
                         "its file names carry local times without a zone")
    out: dict[str, datetime] = {}
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            matched = match_lms_name(Path(name).name, regexp)
            if not matched or not matched[2]:
                continue
            student, _, stamp = matched
            parts = re.split(r"[-_: T]", stamp)
            if len(parts) < 5:
                continue
            when = parse_time(f"{'-'.join(parts[:3])} {':'.join(parts[3:6])}", f"{name}: timestamp", zone)
            key = norm(student_id(student))
            out[key] = max(out.get(key, when), when)
    return out


def times_from_csv(path: Path, zone: str | None = None) -> dict[str, datetime]:
    """A ``student,submitted_at`` CSV (times with a zone, or ``zone`` for all)."""
    out = {}
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in ("student", "submitted_at") if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"submission times {path}: missing column(s) {', '.join(missing)} "
                             "(expected student,submitted_at)")
        for line, row in enumerate(reader, start=2):
            out[norm(row["student"])] = parse_time(row["submitted_at"], f"{path} line {line}: submitted_at", zone)
    return out


def submission_times(source: Path, assignment: str, zone: str | None = None,
                     regexp: str | None = None) -> dict[str, datetime]:
    """Times from an nbgrader tree (a folder), an LMS zip, or a CSV, whichever ``source`` is."""
    source = Path(source)
    if source.is_dir():
        return times_from_submitted(source, assignment)
    if zipfile.is_zipfile(source):
        return times_from_zip(source, zone or "", regexp)
    if source.suffix.lower() == ".csv":
        return times_from_csv(source, zone)
    raise ValueError(f"submission times: {source} is neither an nbgrader submitted/ folder, an LMS zip nor a CSV")


# --- applying it to grades.csv ----------------------------------------------------------------------------

LATE_COLUMNS = ["submitted_at", "deadline", "late_by", "late_minutes", "penalty_percent", "penalty", "final",
                "late_note"]


def apply_to_results(results: Path, policy: LatePolicy, times: dict[str, datetime],
                     feedback: bool = True) -> list[Computation]:
    """Read ``results/grades.csv``, write ``results/grades_late.csv`` (every column of grades.csv, then raw
    score = ``total``, lateness, penalty and final score) and add the policy and the student's computation to
    ``results/feedback/<student>.html`` (the id escaped as the grader names the file). ``grades.csv`` itself
    is left as the grader wrote it."""
    from types import SimpleNamespace

    from .report import atomic_write, feedback_names

    results = Path(results)
    source = results / "grades.csv"
    with open(source, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    if not {"student", "total", "max"} <= set(header):
        raise ValueError(f"{source}: not the grader's grades.csv (needs student, total, max columns)")
    computations = []
    out_rows = []
    for row in rows:
        c = policy.apply(row["student"], float(row["total"]), float(row["max"]), times.get(norm(row["student"])))
        computations.append(c)
        late_minutes = "" if c.late is None else f"{max(c.late, timedelta(0)).total_seconds() / 60:.1f}"
        out_rows.append([row.get(h, "") for h in header] + [
            c.submitted.isoformat(" ") if c.submitted else "", c.deadline.isoformat(" "),
            describe(c.late) if c.late is not None and c.late > timedelta(0) else "",
            late_minutes, f"{c.penalty_percent:g}", f"{c.penalty:g}", f"{c.final:g}", c.explain(policy)])
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    w.writerow(header + LATE_COLUMNS)
    w.writerows(out_rows)
    atomic_write(results / "grades_late.csv", text.getvalue().encode("utf-8"))
    if feedback:
        pages = feedback_names([SimpleNamespace(student=c.student) for c in computations])
        for c in computations:
            add_to_feedback(results / "feedback" / pages[c.student], policy, c)
    return computations


BEGIN, END = "<!-- l2course:late-policy -->", "<!-- /l2course:late-policy -->"


def add_to_feedback(page: Path, policy: LatePolicy, c: Computation) -> None:
    """Insert (or replace) a "Late policy" section before ``</body>``; every text is HTML-escaped."""
    from .report import atomic_write

    if not page.is_file():
        return
    text = page.read_text(encoding="utf-8")
    text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), "", text, flags=re.DOTALL)
    block = (f"{BEGIN}<section style='margin:2em;padding:1em;border:1px solid #999'><h2>Late policy</h2>"
             f"<p>{html.escape(policy.text())}</p><p><b>Your submission:</b> {html.escape(c.explain(policy))}</p>"
             f"<p><b>Score:</b> {c.raw:g} − {c.penalty:g} = {c.final:g} / {c.max_score:g}</p></section>{END}")
    index = text.lower().rfind("</body>")
    text = text[:index] + block + text[index:] if index >= 0 else text + block
    atomic_write(page, text.encode("utf-8"))
