"""From a submitted notebook to the list of cells the grading kernel executes, and what looks wrong with it.

Cells run as in Jupyter's "Run all": in the student's notebook order, every code cell the student wrote or
added included (a helper in a cell of its own, a cell after the last part). Answer cells come from the
student (matched by their nbgrader ``grade_id``); locked cells (setup, data) come from the source, as
``nbgrader autograde`` restores them; in place of each test cell runs a *probe* that asks the kernel for
plain values (see :mod:`l2course.grading.spec`). Test cells the student deleted, edited or moved are
reported; they cannot change a grade, since the student's copies never run.

>>> src = {"cells": [_code("a", "x = 1", solution=True), _code("t", "assert x == 1", grade=True, points=2)]}
>>> student = {"cells": [_code("t", "pass", grade=True, points=2), _code("a", "x = 2", solution=True)]}
>>> plan = build(src, src, student, {"t": []})
>>> [c.label for c in plan.cells], plan.findings
(['probe t', 'a'], ['test cell t edited (restored)', "cells reordered (run in the student's order, as in Jupyter)"])
>>> helper = {"cell_type": "code", "source": "def h(): return 1", "metadata": {}, "outputs": []}
>>> [c.label for c in build(src, src, {"cells": [helper] + src["cells"] + [helper]}, {"t": []}).cells]
['added cell 1', 'a', 'probe t', 'added cell 4']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .spec import probe_source


def _code(grade_id, text, solution=False, grade=False, points=0, locked=None):
    meta = {"grade_id": grade_id, "solution": solution, "grade": grade, "locked": not solution if locked is None
            else locked, "schema_version": 3}
    if grade:
        meta["points"] = points
    return {"cell_type": "code", "source": text, "metadata": {"nbgrader": meta}, "outputs": []}


def text_of(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def meta(cell: dict) -> dict:
    m = cell.get("metadata", {})
    m = m.get("nbgrader", {}) if isinstance(m, dict) else {}
    return m if isinstance(m, dict) else {}


@dataclass
class ExecCell:
    label: str
    source: str
    role: str  # answer, extra, locked, probe, test
    part: str | None = None
    student_index: int | None = None


@dataclass
class Part:
    grade_id: str
    points: float
    checks: list[dict] | None  # None: no spec for this part (in-kernel fallback)


@dataclass
class Plan:
    cells: list[ExecCell] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    known: int = 0


def parts_of(source_nb: dict, checks: dict | None) -> list[Part]:
    parts = []
    for cell in source_nb["cells"]:
        m = meta(cell)
        if cell.get("cell_type") == "code" and m.get("grade") and not m.get("solution"):
            gid = m["grade_id"]
            if not isinstance(gid, str):
                continue
            parts.append(Part(gid, float(m.get("points", 0)), None if checks is None else checks.get(gid)))
    return parts


def build(source_nb: dict, release_nb: dict, student_nb: dict, checks: dict | None) -> Plan:
    """The cells to execute, in the student's notebook order, as Jupyter's "Run all" would run them.

    Every code cell the student wrote or added runs where it stands; locked cells run as in the source; in
    place of each test cell runs its part's probe. A locked or test cell the student deleted is restored
    right after the nearest source cell before it that is still there.
    """
    plan = Plan()
    source_cells = [c for c in source_nb["cells"] if isinstance(_gid(c), str)]
    by_id = {_gid(c): c for c in source_cells}
    release = {_gid(c): c for c in release_nb["cells"] if isinstance(_gid(c), str)}
    part_checks = {p.grade_id: p.checks for p in parts_of(source_nb, checks)}

    def source_cell(gid: str, student: tuple[int, dict] | None) -> ExecCell | None:
        cell = by_id[gid]
        m = meta(cell)
        if cell.get("cell_type") != "code":
            return None
        index = None if student is None else student[0]
        if m.get("solution"):
            return None if student is None else ExecCell(gid, text_of(student[1]), "answer", None, index)
        if m.get("grade"):
            expected = text_of(release.get(gid, cell))
            if student is None:
                plan.findings.append(f"test cell {gid} deleted (restored)")
            elif text_of(student[1]).strip() not in (expected.strip(), text_of(cell).strip()):
                plan.findings.append(f"test cell {gid} edited (restored)")
            return ExecCell(f"probe {gid}", probe_source(part_checks.get(gid) or []), "probe", gid, index)
        if m.get("locked"):
            if student is None:
                plan.findings.append(f"locked cell {gid} deleted (restored)")
            elif text_of(student[1]).strip() not in (text_of(release.get(gid, cell)).strip(),
                                                     text_of(cell).strip()):
                plan.findings.append(f"locked cell {gid} edited (restored)")
        return ExecCell(gid, text_of(cell), "locked", None, index)

    seen: dict[str, int] = {}  # grade_id -> position in plan.cells after which its followers may be restored
    order: list[str] = []
    for index, cell in enumerate(student_nb.get("cells", [])):
        if not isinstance(cell, dict):
            continue
        gid = _gid(cell)
        if isinstance(gid, str) and gid in by_id and gid not in seen:
            order.append(gid)
            planned = source_cell(gid, (index, cell))
            if planned is not None:
                plan.cells.append(planned)
            seen[gid] = len(plan.cells)
        elif isinstance(gid, str) and gid in by_id:
            plan.findings.append(f"cell {gid} appears twice (the first copy is graded)")
            if meta(by_id[gid]).get("solution") and cell.get("cell_type") == "code" and text_of(cell).strip():
                plan.cells.append(ExecCell(f"added cell {index + 1}", text_of(cell), "extra", None, index))
        elif cell.get("cell_type") == "code" and text_of(cell).strip():
            plan.cells.append(ExecCell(f"added cell {index + 1}", text_of(cell), "extra", None, index))
    plan.known = len(seen)

    # restore what the student deleted, each right after the nearest earlier source cell that is present
    inserted = 0
    anchor = 0
    restored: list[tuple[int, ExecCell]] = []
    for cell in source_cells:
        gid = _gid(cell)
        if gid in seen:
            anchor = seen[gid]
            continue
        m = meta(cell)
        if m.get("solution") and cell.get("cell_type") == "code":
            plan.findings.append(f"answer cell {gid} missing")
            continue
        planned = source_cell(gid, None)
        if planned is not None:
            restored.append((anchor, planned))
    for anchor, planned in restored:
        plan.cells.insert(anchor + inserted, planned)
        inserted += 1

    source_order = [_gid(c) for c in source_cells if _gid(c) in seen]
    if order != source_order:
        plan.findings.append("cells reordered (run in the student's order, as in Jupyter)")
    return plan


def _gid(cell: dict):
    return meta(cell).get("grade_id") if isinstance(cell, dict) else None
