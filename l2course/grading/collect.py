"""Find the submissions: a folder (``<student>/<notebook>.ipynb`` or nbgrader's
``submitted/<student>/<assignment>/…``) or a zip downloaded from an LMS, named the way nbgrader's
``zip_collect`` expects (a regular expression with ``student_id``, ``file_id`` and optionally ``timestamp``
groups; when a student uploaded several times, the latest timestamp wins).

In = out: every file or zip member received ends up in exactly one submission, graded or listed in its notes
with the reason it was not graded (a symbolic link, too large, damaged, a file/folder name clash, a
duplicate, not a notebook, an older upload, another notebook than the expected one). Student ids are the
received names, NFC-normalized (``Zoë`` and ``Zoé`` stay two students); two names that normalize to the
same id are refused, never merged. :func:`file_stem` escapes an id only where a file name needs it.

>>> match_lms_name("smithjane_1234_56789_01_definition.ipynb", None)
('smithjane', '01_definition.ipynb', '')
>>> match_lms_name("Set 1_jsmith_attempt_2026-11-02-10-00-00_01_definition.ipynb", None)
('jsmith', '01_definition.ipynb', '2026-11-02-10-00-00')
>>> student_id("Zoe\\u0308") == student_id("Zo\\u00eb") == "Zo\\u00eb", student_id("Zo\\u00e9") == "Zo\\u00eb"
(True, False)
>>> file_stem("Zo\\u00eb"), file_stem("jane.smith@uni.edu"), file_stem("../x")
('Zo%C3%AB', 'jane.smith@uni.edu', '%2E.%2Fx')
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

# nbgrader zip_collect style: named groups student_id, file_id and optionally timestamp
LMS_PATTERNS = [
    r"^.+_(?P<student_id>[^_]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)$",  # Blackboard
    r"^(?P<student_id>[^_]+)_\d+_assignsubmission_file_(?P<file_id>.+)$",  # Moodle
    r"^(?P<student_id>[A-Za-z0-9]+)(?:_late)?_\d+_\d+_(?P<file_id>.+)$",  # Canvas
]
MAX_MEMBER = 200 * 1024 * 1024
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_LISTED = 10  # names listed per kind of note; the rest are counted
OS_LITTER = {"__MACOSX", ".DS_Store", "Thumbs.db", "desktop.ini", ".ipynb_checkpoints"}


@dataclass
class Submission:
    student: str
    notebooks: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    refused: bool = False  # something received was refused (the notes say what and why)


def student_id(name: str) -> str:
    """The id of a received name: NFC-normalized Unicode, undecodable bytes shown as ``\\xNN``."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return unicodedata.normalize("NFC", text).strip() or "unnamed"


def file_stem(student: str) -> str:
    """A file name for an id: injective (``%`` itself is escaped), ASCII, never starting with a dot."""
    stem = quote(student, safe="@-_.")
    return "%2E" + stem[1:] if stem.startswith(".") else stem


def match_lms_name(name: str, regexp: str | None) -> tuple[str, str, str] | None:
    for pattern in [regexp] if regexp else LMS_PATTERNS:
        m = re.match(pattern, name, flags=re.IGNORECASE)
        if m and m.groupdict().get("student_id"):
            groups = m.groupdict()
            return groups["student_id"], groups.get("file_id") or name, groups.get("timestamp") or ""
    return None


def _listing(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:MAX_LISTED])
    return shown + (f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else "")


def choose_notebook(notebooks, expected: str | None) -> tuple[Path | None, list[str], bool]:
    """The notebook to grade among those received: the one named ``expected``, or the only one.

    ``notebooks``: paths, or (path, received name) pairs. Returns (path or None, notes, refused). Never the
    best of several: with several and not exactly one of the expected name, none is graded.

    >>> choose_notebook([Path("s/fx_b.ipynb"), Path("s/fx.ipynb")], "fx.ipynb")[:2]
    (PosixPath('s/fx.ipynb'), ["also received 'fx_b.ipynb': not graded (only fx.ipynb is)"])
    >>> choose_notebook([Path("s/a.ipynb"), Path("s/b.ipynb")], "fx.ipynb")[0] is None
    True
    """
    items = [item if isinstance(item, tuple) else (Path(item), Path(item).name) for item in notebooks]
    if not items:
        return None, [], False
    if len(items) == 1:
        path, name = items[0]
        notes = [] if expected in (None, name) else [f"graded {name!r} (the expected name is {expected})"]
        return path, notes, False
    matches = [item for item in items if item[1] == expected]
    if len(matches) == 1:
        others = [name for path, name in items if path != matches[0][0]]
        return matches[0][0], [f"also received {_listing(others)}: not graded (only {expected} is)"], False
    names = [name for _, name in items]
    which = "none" if not matches else "more than one"
    return None, [f"{len(items)} notebooks ({_listing(names)}) and {which} named {expected}: none graded "
                  f"(choosing one would be a guess); submit one {expected}"], True


def _member_parts(name: str) -> list[str]:
    return [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]


def extract_zip(archive: Path, target: Path) -> tuple[list[tuple[list[str], str]], int]:
    """Unpack safely: no absolute or ``..`` paths, no links, size limits, CRC checked, no name clashes.

    Returns (refused members as (path parts, why), number of OS litter members skipped)."""
    refused: list[tuple[list[str], str]] = []
    litter = 0
    total = 0
    seen: set[tuple[str, ...]] = set()
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            name = info.filename
            parts = _member_parts(name)
            if info.is_dir() or not parts:
                continue
            if parts[0] in OS_LITTER or parts[-1] in OS_LITTER or parts[-1].startswith("._"):
                litter += 1
                continue
            key = tuple(unicodedata.normalize("NFC", p) for p in parts)
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                refused.append((parts, f"zip member {name!r} is a symbolic link: refused"))
                continue
            if name.startswith(("/", "\\")) or ".." in name.replace("\\", "/").split("/") or ":" in parts[0]:
                refused.append((parts, f"zip member {name!r} has an unsafe path: refused"))
                continue
            if key in seen:
                refused.append((parts, f"zip member {name!r} appears twice: the second copy was refused"))
                continue
            seen.add(key)
            total += info.file_size
            if info.file_size > MAX_MEMBER or total > MAX_TOTAL:
                refused.append((parts, f"zip member {name!r} is too large ({info.file_size // 2**20} MB; limits "
                                       f"{MAX_MEMBER // 2**20} MB per file, {MAX_TOTAL // 2**30} GB per zip): "
                                       "refused"))
                continue
            dest = target.joinpath(*parts)
            clash = next((p for p in [*dest.parents][::-1] if p.is_relative_to(target) and p.is_file()), None)
            if clash is not None or dest.exists():
                refused.append((parts, f"zip member {name!r} has the name of another member's folder or file: "
                                       "refused"))
                continue
            try:
                dest.parent.mkdir(parents=True, exist_ok=True)
                with z.open(info) as src, open(dest, "wb") as out:
                    copied = 0
                    while chunk := src.read(1 << 20):
                        copied += len(chunk)
                        if copied > MAX_MEMBER:
                            raise OverflowError
                        out.write(chunk)
            except OverflowError:
                dest.unlink(missing_ok=True)
                refused.append((parts, f"zip member {name!r} unpacks to over {MAX_MEMBER // 2**20} MB: refused"))
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
                dest.unlink(missing_ok=True)
                refused.append((parts, f"zip member {name!r} is damaged or unreadable in the zip "
                                       f"({type(exc).__name__}: {str(exc)[:80]}): refused"))
    return refused, litter


class _Class:
    """Submissions by id, refusing to merge two received names that normalize to the same id."""

    def __init__(self):
        self.subs: dict[str, Submission] = {}
        self.origin: dict[str, set[str]] = {}

    def get(self, raw: str) -> Submission:
        sid = student_id(raw)
        sub = self.subs.setdefault(sid, Submission(sid))
        names = self.origin.setdefault(sid, set())
        names.add(raw)
        return sub

    def finish(self) -> list[Submission]:
        for sid, names in self.origin.items():
            if len(names) > 1:
                sub = self.subs[sid]
                sub.notes.insert(0, f"received under {len(names)} names that are one id after Unicode "
                                    f"normalization ({_listing(sorted(names))}): not merged, not graded; rename "
                                    "them apart and grade again")
                sub.notebooks, sub.refused = [], True
        return [self.subs[k] for k in sorted(self.subs)]


def _walk(folder: Path) -> tuple[list[Path], list[str], list[str]]:
    """(notebooks, symbolic links, other files) under a student's folder; links are never followed."""
    notebooks, links, other = [], [], []
    for top, dirs, files in os.walk(folder, followlinks=False):
        here = Path(top)
        for d in list(dirs):
            if (here / d).is_symlink():
                links.append(str((here / d).relative_to(folder)))
                dirs.remove(d)
            elif d in OS_LITTER:
                dirs.remove(d)
        for f in files:
            p = here / f
            rel = str(p.relative_to(folder))
            if p.is_symlink():
                links.append(rel)
            elif f in OS_LITTER or f.startswith("._"):
                continue
            elif p.suffix == ".ipynb":
                notebooks.append(p)
            else:
                other.append(rel)
    return sorted(notebooks), sorted(links), sorted(other)


def collect(path: Path, assignment: str, regexp: str | None = None, unpack_to: Path | None = None,
            notebook_name: str | None = None) -> tuple[list[Submission], list[str], Path | None]:
    """Return (submissions sorted by student, global notes, unpacked zip folder to delete or None).

    A zip is unpacked into a new temporary folder, or into ``unpack_to`` (emptied first) when other machines
    must read the notebooks too. ``notebook_name``: the release's notebook, the one graded when a student
    sent several (each submission then lists at most one notebook)."""
    path = Path(path)
    tmp = None
    notes: list[str] = []
    refused: list[tuple[list[str], str]] = []
    if path.is_symlink():
        raise SystemExit(f"{path} is a symbolic link: give the folder or zip itself")
    if path.is_file():
        if not zipfile.is_zipfile(path):
            raise SystemExit(f"{path} is neither a folder nor a zip file")
        if unpack_to is not None:
            shutil.rmtree(unpack_to, ignore_errors=True)
            Path(unpack_to).mkdir(parents=True)
            tmp = Path(unpack_to)
        else:
            tmp = Path(tempfile.mkdtemp(prefix="l2grade-zip-"))
        try:
            refused, litter = extract_zip(path, tmp)
        except BaseException as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, zipfile.BadZipFile | OSError):
                raise SystemExit(f"{path}: the zip cannot be read ({exc})") from exc
            raise
        if litter:
            notes.append(f"{litter} operating-system file(s) (__MACOSX, .DS_Store, …) in the zip skipped")
        path = tmp
    elif not path.is_dir():
        raise SystemExit(f"no such folder or zip: {path}")
    try:
        return _gather(path, tmp, assignment, regexp, notebook_name, refused), notes, tmp
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def _gather(path: Path, tmp: Path | None, assignment: str, regexp: str | None, notebook_name: str | None,
            refused: list[tuple[list[str], str]]) -> list[Submission]:
    root = path
    while True:  # descend through wrappers: submitted/, or a single top folder holding student folders
        entries = [p for p in root.iterdir() if p.name not in OS_LITTER]
        dirs = [p for p in entries if p.is_dir() and not p.is_symlink()]
        if len(entries) == 1 and dirs and dirs[0].name != assignment:
            children = list(dirs[0].iterdir())
            wrapper = tmp is not None and len(children) >= 2 and all(q.is_dir() for q in children)
            if dirs[0].name == "submitted" or wrapper:
                root = dirs[0]
                continue
        break
    prefix = list(root.relative_to(path).parts)

    klass = _Class()
    candidates: dict[str, list[tuple[Path, str]]] = {}
    stamps: dict[str, dict[str, tuple[str, Path]]] = {}

    def folder_student(name: str) -> Submission:
        m = re.match(r"^(?P<student_id>.+?)_\d+_assignsubmission_file_?$", name)
        return klass.get(m.group("student_id") if m else name)

    def file_student(name: str) -> tuple[Submission, str, str, bool]:
        matched = match_lms_name(name, regexp)
        raw, file_id, stamp = matched if matched else (Path(name).stem, name, "")
        return klass.get(raw), file_id, stamp, bool(matched)

    for entry in sorted(root.iterdir()):
        if entry.name in OS_LITTER or entry.name.startswith("._"):
            continue
        if entry.is_symlink():
            sub = folder_student(entry.name) if entry.is_dir() else file_student(entry.name)[0]
            sub.notes.append(f"{entry.name!r} is a symbolic link: refused")
            sub.refused = True
        elif entry.is_dir():
            sub = folder_student(entry.name)
            inner = entry / assignment
            base = inner if inner.is_dir() and not inner.is_symlink() else entry
            notebooks, links, other = _walk(entry)
            if base is inner:  # nbgrader's collected layout: its own timestamp.txt beside the notebook
                other = [o for o in other if o != f"{assignment}/timestamp.txt"]
            for nb in notebooks:
                candidates.setdefault(sub.student, []).append((nb, str(nb.relative_to(base)) if
                                                               nb.is_relative_to(base) else str(nb.relative_to(entry))))
            if links:
                sub.notes.append(f"symbolic link(s) {_listing(links)} refused")
                sub.refused = True
            if other:
                sub.notes.append(f"also received {_listing(other)}: not notebooks, not graded")
        elif entry.is_file():
            sub, file_id, stamp, matched = file_student(entry.name)
            if entry.suffix != ".ipynb":
                sub.notes.append(f"also received {entry.name!r}: not a notebook, not graded")
                continue
            if not matched:
                sub.notes.append(f"file name {entry.name!r} not in a known LMS pattern: student id taken from it")
            previous = stamps.setdefault(sub.student, {}).get(file_id)
            if previous and previous[0] != stamp:
                newer, older = (entry, previous[1]) if stamp > previous[0] else (previous[1], entry)
                sub.notes.append(f"older upload {older.name!r} ignored")
                if newer is entry:
                    candidates[sub.student] = [c for c in candidates[sub.student] if c[0] != previous[1]]
                    candidates[sub.student].append((entry, file_id))
                    stamps[sub.student][file_id] = (stamp, entry)
                continue
            stamps[sub.student][file_id] = (stamp, entry)
            candidates.setdefault(sub.student, []).append((entry, file_id))
    for parts, why in refused:  # zip members never unpacked: they belong to whoever sent them
        rel = parts[len(prefix):] if parts[:len(prefix)] == prefix else parts
        if len(rel) > 1:
            sub = folder_student(rel[0])
        else:
            sub = file_student(rel[-1])[0]
        sub.notes.append(why)
        sub.refused = True
    for sid, items in candidates.items():
        sub = klass.subs[sid]
        chosen, why, ambiguous = choose_notebook(items, notebook_name)
        sub.notebooks = [chosen] if chosen is not None else []
        sub.notes.extend(why)
        sub.refused = sub.refused or ambiguous
    return klass.finish()
