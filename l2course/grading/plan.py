"""From a submitted notebook to the list of cells the grading kernel executes, and what looks wrong with it.

The instructor's notebook (``solutions/``) fixes the order. Answer cells come from the student (matched by
their nbgrader ``grade_id``); locked cells (setup, data) come from the source, as ``nbgrader autograde``
restores them; cells the student added run just before the next known cell that followed them. In place of
each test cell runs a *probe* that asks the kernel for plain values (see :mod:`l2course.grading.spec`), or,
for a part without a spec, the source test cell itself (nbgrader's in-kernel grading, not tamper-proof).
Test cells the student deleted, edited or moved are reported; they cannot change a grade, since the
student's copies never run.

>>> src = {"cells": [_code("a", "x = 1", solution=True), _code("t", "assert x == 1", grade=True, points=2)]}
>>> student = {"cells": [_code("t", "pass", grade=True, points=2), _code("a", "x = 2", solution=True)]}
>>> plan = build(src, src, student, {"t": []})
>>> [c.label for c in plan.cells], plan.findings
(['a', 'probe t'], ['test cell t edited (restored)', 'cells reordered (graded in the source order)'])
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
            parts.append(Part(gid, float(m.get("points", 0)), None if checks is None else checks.get(gid)))
    return parts


def build(source_nb: dict, release_nb: dict, student_nb: dict, checks: dict | None) -> Plan:
    plan = Plan()
    source_ids = {meta(c).get("grade_id") for c in source_nb["cells"] if meta(c).get("grade_id")}
    release = {meta(c).get("grade_id"): c for c in release_nb["cells"] if meta(c).get("grade_id")}
    part_checks = {p.grade_id: p.checks for p in parts_of(source_nb, checks)}

    # the student's cells: the first one carrying each known id; extra code cells wait for the next known one
    found: dict[str, tuple[int, dict]] = {}
    extras_before: dict[str, list[tuple[int, dict]]] = {}
    pending: list[tuple[int, dict]] = []
    order: list[str] = []
    for index, cell in enumerate(student_nb.get("cells", [])):
        gid = meta(cell).get("grade_id")
        if gid in source_ids and gid not in found:
            found[gid] = (index, cell)
            order.append(gid)
            if pending:
                extras_before[gid] = pending
                pending = []
        elif gid in source_ids:
            plan.findings.append(f"cell {gid} appears twice (the first copy is graded)")
        elif cell.get("cell_type") == "code" and text_of(cell).strip():
            pending.append((index, cell))
    plan.known = len(found)

    source_order = [meta(c).get("grade_id") for c in source_nb["cells"] if meta(c).get("grade_id") in found]
    reordered = order != source_order

    for cell in source_nb["cells"]:
        m = meta(cell)
        gid = m.get("grade_id")
        if cell.get("cell_type") != "code":
            continue
        for index, extra in extras_before.get(gid, []):
            plan.cells.append(ExecCell(f"added cell {index + 1}", text_of(extra), "extra", None, index))
        student = found.get(gid)
        if m.get("solution"):
            if student is None:
                plan.findings.append(f"answer cell {gid} missing")
            else:
                plan.cells.append(ExecCell(gid, text_of(student[1]), "answer", None, student[0]))
        elif m.get("grade"):
            expected = text_of(release.get(gid, cell))
            if student is None:
                plan.findings.append(f"test cell {gid} deleted (restored)")
            elif text_of(student[1]).strip() not in (expected.strip(), text_of(cell).strip()):
                plan.findings.append(f"test cell {gid} edited (restored)")
            these = part_checks.get(gid)
            if these is None:
                plan.cells.append(ExecCell(f"test {gid}", text_of(cell), "test", gid))
            else:
                plan.cells.append(ExecCell(f"probe {gid}", probe_source(these), "probe", gid))
        else:
            if gid and m.get("locked"):
                if student is None:
                    plan.findings.append(f"locked cell {gid} deleted (restored)")
                elif text_of(student[1]).strip() not in (text_of(release.get(gid, cell)).strip(),
                                                         text_of(cell).strip()):
                    plan.findings.append(f"locked cell {gid} edited (restored)")
            plan.cells.append(ExecCell(gid or "source cell", text_of(cell), "locked"))
    if reordered:
        plan.findings.append("cells reordered (graded in the source order)")
    return plan
