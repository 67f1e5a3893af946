"""The answer corpus (``tests/corpus/NN_x.yaml``) turned into submissions, and their expected scores.

Each corpus entry changes one part's answer cell of an otherwise correct notebook (the release notebook with
every answer cell filled from the solution). Variants share notebooks when they touch different parts, except
that a wrong answer never shares a notebook with a part that depends on it (``depends``: e.g. set 5's
``map_estimate`` calls part 1's ``fit_ridge``); ``base`` replaces solution answers by other correct ones
that do not call earlier parts, so that fewer notebooks are needed. In every notebook, a part with a wrong
variant must score below its points, a part with a right variant full, and every other part full too
(nothing leaks between parts).
Used by ``tests/test_grading_corpus.py`` and ``benchmarks/corpus_side_by_side.py``.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from course import EXERCISES, MARKER, SOLUTIONS, nbgrader_meta, read_notebook, source

CORPUS = Path(__file__).parent / "corpus"


@dataclass
class Variant:
    part: str
    kind: str  # "wrong" or "right"
    why: str
    code: str
    before: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.part} {self.kind}: {self.why}"


@dataclass
class Submission:
    student: str
    notebook: dict
    variants: dict[str, Variant]  # part -> variant
    expected_full: set[str]  # parts (without a variant) that must keep full marks


def load(assignment: str) -> dict:
    return yaml.safe_load((CORPUS / f"{assignment}.yaml").read_text(encoding="utf-8"))


def corpus_sets() -> list[str]:
    return sorted(p.stem for p in CORPUS.glob("*.yaml"))


def variants(corpus: dict) -> list[Variant]:
    out = []
    for part, body in corpus["parts"].items():
        for kind in ("wrong", "right"):
            for entry in body.get(kind, []):
                out.append(Variant(part, kind, entry["why"], entry["code"], list(entry.get("before", []))))
    return out


def points(assignment: str) -> dict[str, float]:
    nb = read_notebook(next((SOLUTIONS / assignment).glob("*.ipynb")))
    return {nbgrader_meta(c)["grade_id"]: float(nbgrader_meta(c).get("points", 0)) for c in nb["cells"]
            if nbgrader_meta(c).get("grade") and not nbgrader_meta(c).get("solution")}


def _strip_markers(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not MARKER.match(line)) + "\n"


def honest_notebook(assignment: str, base: dict[str, str] | None = None) -> dict:
    """The release notebook with every answer cell filled in from the solution (markers removed), or from
    ``base`` (answer cell id -> code: another correct answer, e.g. one that does not call an earlier part)."""
    solution = read_notebook(next((SOLUTIONS / assignment).glob("*.ipynb")))
    answers = {nbgrader_meta(c)["grade_id"]: _strip_markers(source(c)) for c in solution["cells"]
               if nbgrader_meta(c).get("solution")}
    answers.update(base or {})
    release = read_notebook(next((EXERCISES / assignment).glob("*.ipynb")))
    for cell in release["cells"]:
        gid = nbgrader_meta(cell).get("grade_id")
        if gid in answers:
            cell["source"] = answers[gid]
    return release


def _code_cell(text: str) -> dict:
    import hashlib

    cell_id = "corpus-" + hashlib.sha1(text.encode()).hexdigest()[:12]
    return {"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {}, "outputs": [], "source": text}


def apply(nb: dict, answer_id: str, variant: Variant) -> dict:
    nb = copy.deepcopy(nb)
    cells = []
    for cell in nb["cells"]:
        if nbgrader_meta(cell).get("grade_id") == answer_id:
            cells.extend(_code_cell(text) for text in variant.before)
            cell = dict(cell, source=variant.code)
        cells.append(cell)
    nb["cells"] = cells
    return nb


def _dependents(depends: dict[str, list[str]], part: str) -> set[str]:
    """Parts whose answers use ``part`` (directly or through another part)."""
    out, frontier = set(), {part}
    while frontier:
        new = {p for p, deps in depends.items() for d in deps if d in frontier} - out
        out |= new
        frontier = new
    return out


def submissions(assignment: str) -> list[Submission]:
    corpus = load(assignment)
    depends = corpus.get("depends") or {}
    base = honest_notebook(assignment, corpus.get("base"))
    all_parts = set(points(assignment))
    groups: list[dict[str, Variant]] = []
    for v in variants(corpus):
        for group in groups:
            if v.part in group:
                continue
            broken = set().union(*[_dependents(depends, g.part) for g in group.values() if g.kind == "wrong"])
            if v.part in broken or (v.kind == "wrong" and _dependents(depends, v.part) & set(group)):
                continue
            group[v.part] = v
            break
        else:
            groups.append({v.part: v})
    out = []
    for k, group in enumerate(groups):
        nb = base
        for part, v in group.items():
            nb = apply(nb, corpus["parts"][part]["answer"], v)
        broken = set().union(*[_dependents(depends, v.part) for v in group.values() if v.kind == "wrong"])
        out.append(Submission(f"v{k:02d}", nb, group, all_parts - set(group) - broken))
    return out


def misgrades(assignment: str, subs: list[Submission], scores: dict[str, dict[str, float]]) -> list[str]:
    """Every disagreement between a grader's scores (student -> part -> points) and the corpus."""
    pts = points(assignment)
    problems = []
    for sub in subs:
        got = scores.get(sub.student)
        if got is None:
            problems.append(f"{sub.student}: no row")
            continue
        for part, v in sub.variants.items():
            ok = got.get(part, 0.0) < pts[part] if v.kind == "wrong" else got.get(part, 0.0) == pts[part]
            if not ok:
                problems.append(f"{sub.student} {v.label}: scored {got.get(part)} of {pts[part]}")
        for part in sorted(sub.expected_full):
            if got.get(part, 0.0) != pts[part]:
                problems.append(f"{sub.student} {part} (untouched): scored {got.get(part)} of {pts[part]}")
    return problems


def write(folder: Path, assignment: str, subs: list[Submission]) -> None:
    name = next((SOLUTIONS / assignment).glob("*.ipynb")).name
    for sub in subs:
        (folder / sub.student).mkdir(parents=True, exist_ok=True)
        (folder / sub.student / name).write_text(json.dumps(sub.notebook), encoding="utf-8")
