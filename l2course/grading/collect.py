"""Find the submissions: a folder (``<student>/<notebook>.ipynb`` or nbgrader's
``submitted/<student>/<assignment>/…``) or a zip downloaded from an LMS, named the way nbgrader's
``zip_collect`` expects (a regular expression with ``student_id``, ``file_id`` and optionally ``timestamp``
groups; when a student uploaded several times, the latest timestamp wins).

>>> match_lms_name("smithjane_1234_56789_01_definition.ipynb", None)
('smithjane', '01_definition.ipynb', '')
>>> match_lms_name("Set 1_jsmith_attempt_2026-11-02-10-00-00_01_definition.ipynb", None)
('jsmith', '01_definition.ipynb', '2026-11-02-10-00-00')
>>> safe_id("Jane Smith/../x")
'Jane_Smith_.._x'
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

# nbgrader zip_collect style: named groups student_id, file_id and optionally timestamp
LMS_PATTERNS = [
    r"^.+_(?P<student_id>[^_]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)$",  # Blackboard
    r"^(?P<student_id>[^_]+)_\d+_assignsubmission_file_(?P<file_id>.+)$",  # Moodle
    r"^(?P<student_id>[A-Za-z0-9]+)(?:_late)?_\d+_\d+_(?P<file_id>.+)$",  # Canvas
]
MAX_MEMBER = 200 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024


@dataclass
class Submission:
    student: str
    notebooks: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def safe_id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.@\-]", "_", name).strip(".") or "unnamed"


def match_lms_name(name: str, regexp: str | None) -> tuple[str, str, str] | None:
    for pattern in [regexp] if regexp else LMS_PATTERNS:
        m = re.match(pattern, name, flags=re.IGNORECASE)
        if m and m.groupdict().get("student_id"):
            groups = m.groupdict()
            return groups["student_id"], groups.get("file_id") or name, groups.get("timestamp") or ""
    return None


def _notebooks(folder: Path, assignment: str) -> list[Path]:
    inner = folder / assignment
    base = inner if inner.is_dir() else folder
    found = [p for p in base.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()]
    return sorted(found)


def extract_zip(archive: Path, target: Path) -> list[str]:
    """Unpack safely (no absolute or ``..`` paths, no links, size limits); return notes about skipped members."""
    notes = []
    total = 0
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            name = info.filename
            parts = Path(name).parts
            if info.is_dir() or not parts:
                continue
            if name.startswith("/") or ".." in parts or (info.external_attr >> 16) & 0o170000 == 0o120000:
                notes.append(f"unsafe zip member {name!r} skipped")
                continue
            if name.startswith("__MACOSX/"):
                continue
            total += info.file_size
            if info.file_size > MAX_MEMBER or total > MAX_TOTAL:
                notes.append(f"zip member {name!r} too large, skipped")
                continue
            dest = target.joinpath(*parts)
            dest.parent.mkdir(parents=True, exist_ok=True)
            with z.open(info) as src, open(dest, "wb") as out:
                shutil.copyfileobj(src, out)
    return notes


def collect(path: Path, assignment: str, regexp: str | None = None,
            unpack_to: Path | None = None) -> tuple[list[Submission], list[str], Path | None]:
    """Return (submissions sorted by student, global notes, unpacked zip folder to delete or None).

    A zip is unpacked into a new temporary folder, or into ``unpack_to`` (emptied first) when other machines
    must read the notebooks too."""
    path = Path(path)
    tmp = None
    notes: list[str] = []
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise SystemExit(f"{path} is neither a folder nor a zip file")
        if unpack_to is not None:
            shutil.rmtree(unpack_to, ignore_errors=True)
            Path(unpack_to).mkdir(parents=True)
            tmp = Path(unpack_to)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="l2grade-zip-"))
        notes += extract_zip(path, tmp)
        path = tmp
    elif not path.is_dir():
        raise SystemExit(f"no such folder or zip: {path}")
    root = path
    while True:  # descend through wrappers: submitted/, or a single top folder holding student folders
        entries = [p for p in root.iterdir() if p.name != "__MACOSX"]
        dirs = [p for p in entries if p.is_dir()]
        if len(entries) == 1 and dirs and dirs[0].name != assignment:
            children = list(dirs[0].iterdir())
            wrapper = tmp is not None and len(children) >= 2 and all(q.is_dir() for q in children)
            if dirs[0].name == "submitted" or wrapper:
                root = dirs[0]
                continue
        break

    subs: dict[str, Submission] = {}
    stamps: dict[str, dict[str, tuple[str, Path]]] = {}
    for entry in sorted(root.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX":
            continue
        if entry.is_dir():
            m = re.match(r"^(?P<student_id>.+?)_\d+_assignsubmission_file_?$", entry.name)
            student = safe_id(m.group("student_id") if m else entry.name)
            sub = subs.setdefault(student, Submission(student))
            sub.notebooks += _notebooks(entry, assignment)
        elif entry.suffix == ".ipynb":
            matched = match_lms_name(entry.name, regexp)
            student, file_id, stamp = matched if matched else (entry.stem, entry.name, "")
            student = safe_id(student)
            sub = subs.setdefault(student, Submission(student))
            if not matched:
                sub.notes.append(f"file name {entry.name!r} not in a known LMS pattern: student id taken from it")
            previous = stamps.setdefault(student, {}).get(file_id)
            if previous and previous[0] != stamp:
                newer, older = (entry, previous[1]) if stamp > previous[0] else (previous[1], entry)
                sub.notes.append(f"older upload {older.name!r} ignored")
                if newer is entry:
                    sub.notebooks.remove(previous[1])
                    sub.notebooks.append(entry)
                    stamps[student][file_id] = (stamp, entry)
                continue
            stamps[student][file_id] = (stamp, entry)
            sub.notebooks.append(entry)
    return [subs[k] for k in sorted(subs)], notes, tmp
