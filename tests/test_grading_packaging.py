"""Packaging: ``pip install l2course[grading]`` brings every distribution the grader imports, and a student's
``pip install l2course`` brings NumPy and Matplotlib only (the helpers never import the grader's stack).

The imports are read from the source with :mod:`ast` and mapped to distributions with
:func:`importlib.metadata.packages_distributions`, so a new import without its extra fails here.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from course import ROOT

PACKAGE = ROOT / "l2course"


def top_level_imports(files) -> set[str]:
    names = set()
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names and n != "l2course"}


def distributions(modules: set[str]) -> set[str]:
    owners = packages_distributions()
    missing = sorted(m for m in modules if m not in owners)
    assert not missing, f"imported but installed by no distribution: {missing}"
    return {_norm(d) for m in modules for d in owners[m]}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_names(requirements: list[str]) -> set[str]:
    return {_norm(re.split(r"[\[<>=!~ ;]", r, maxsplit=1)[0]) for r in requirements}


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_grading_extra_brings_everything_the_grader_imports():
    grader = sorted((PACKAGE / "grading").glob("*.py"))
    needed = distributions(top_level_imports(grader))
    declared = requirement_names(project()["optional-dependencies"]["grading"]) | requirement_names(
        project()["dependencies"])
    # a module may be provided by several distributions (e.g. psycopg and psycopg-binary): one declared suffices
    owners = packages_distributions()
    missing = sorted(m for m in top_level_imports(grader) if not {_norm(d) for d in owners[m]} & declared)
    assert not missing, f"the grading extra lacks the distributions of {missing} (needs {sorted(needed)})"


def test_student_install_is_numpy_and_matplotlib():
    assert requirement_names(project()["dependencies"]) == {"numpy", "matplotlib"}
    helpers = [p for p in PACKAGE.rglob("*.py") if "grading" not in p.relative_to(PACKAGE).parts]
    assert distributions(top_level_imports(helpers)) <= {"numpy", "matplotlib"}, \
        "the helpers import something a student's install does not bring"
