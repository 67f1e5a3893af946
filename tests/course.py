"""Shared facts about the course repository for the tests: where things are and how to run nbgrader."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SOLUTIONS = ROOT / "solutions"
EXERCISES = ROOT / "exercises"
CHAPTERS = ROOT / "chapters"

ASSIGNMENTS = sorted(p.name for p in SOLUTIONS.glob("[0-9]*") if p.is_dir())
CHAPTER_NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
SOLUTION_NOTEBOOKS = sorted(SOLUTIONS.glob("[0-9]*/*.ipynb"))

MARKER = re.compile(r"^\s*### (BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")


def read_notebook(path: Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else text


def nbgrader_meta(cell: dict) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def graded_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if nbgrader_meta(c).get("grade")]


def max_points(nb: dict) -> float:
    """Total points, read from the cell metadata (independently of nbgrader's own bookkeeping)."""
    return float(sum(nbgrader_meta(c).get("points", 0) for c in graded_cells(nb)))


def marked_regions(text: str, kind: str) -> list[str]:
    """The lines between ``### BEGIN <kind>`` and ``### END <kind>`` markers."""
    regions, current = [], None
    for line in text.splitlines():
        match = MARKER.match(line)
        if match and match.group(2) == kind:
            if match.group(1) == "BEGIN":
                current = []
            else:
                regions.append("\n".join(current or []))
                current = None
        elif current is not None:
            current.append(line)
    return regions


def unmarked_lines(text: str) -> list[str]:
    """The lines outside every ``### BEGIN …``/``### END …`` region (what students are meant to see)."""
    lines, depth = [], 0
    for line in text.splitlines():
        match = MARKER.match(line)
        if match:
            depth += 1 if match.group(1) == "BEGIN" else -1
        elif depth == 0:
            lines.append(line)
    return lines


def nbgrader_env() -> dict:
    """nbgrader shells out to alembic: the venv's bin/ must be on PATH."""
    env = dict(os.environ)
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def nbgrader(*args: str, cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(BIN / "nbgrader"), *args],
        cwd=cwd,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def make_course(tmp: Path, assignment: str) -> Path:
    """A throw-away nbgrader course holding one assignment's source, with its own gradebook."""
    course = tmp / "course"
    (course / "source").mkdir(parents=True)
    shutil.copytree(SOLUTIONS / assignment, course / "source" / assignment)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{course / 'gradebook.db'}'\n"
        "c.CourseDirectory.course_id = 'l2-loss-test'\n"
        "c.Execute.timeout = 60\n"
    )
    return course
