"""exercises/ is generated from solutions/ and must match it byte for byte, without leaking answers."""

from __future__ import annotations

import pytest
from course import (
    ASSIGNMENTS,
    EXERCISES,
    ROOT,
    SOLUTIONS,
    marked_regions,
    nbgrader,
    nbgrader_meta,
    read_notebook,
    source,
    unmarked_lines,
)


def test_there_are_exercise_sets():
    assert ASSIGNMENTS, "no exercise sets found in solutions/"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_what_solutions_generate(assignment, tmp_path):
    out = tmp_path / "release"
    nbgrader(
        "generate_assignment", assignment, "--force", "--no-db", "--log-level=WARN",
        f"--CourseDirectory.release_directory={out}",
        cwd=ROOT,
    )
    generated = sorted(p.relative_to(out / assignment) for p in (out / assignment).rglob("*") if p.is_file())
    committed = sorted(
        p.relative_to(EXERCISES / assignment) for p in (EXERCISES / assignment).rglob("*") if p.is_file()
    )
    assert generated == committed, "exercises/ and solutions/ hold different files: run `make exercises`"
    for relative in generated:
        fresh = (out / assignment / relative).read_bytes()
        stored = (EXERCISES / assignment / relative).read_bytes()
        assert fresh == stored, f"exercises/{assignment}/{relative} is stale: run `make exercises` and commit"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_leaks_no_solution_or_hidden_test(assignment):
    for notebook in (SOLUTIONS / assignment).glob("*.ipynb"):
        released_path = EXERCISES / assignment / notebook.name
        released = released_path.read_text(encoding="utf-8")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in released, f"{released_path} contains {marker!r}"
        released_cells = "\n".join(source(c) for c in read_notebook(released_path)["cells"])
        secret_lines, public_lines = set(), set()
        for cell in read_notebook(notebook)["cells"]:
            text = source(cell)
            public_lines |= {line.strip() for line in unmarked_lines(text)}
            for region in marked_regions(text, "SOLUTION") + marked_regions(text, "HIDDEN TESTS"):
                secret_lines |= {line.strip() for line in region.splitlines() if len(line.strip()) > 12}
        # A line that also stands outside the markers (e.g. `except ValueError:`) gives nothing away.
        leaked = sorted(line for line in secret_lines - public_lines if line in released_cells)
        assert not leaked, f"{released_path} shows solution or hidden-test lines: {leaked[:3]}"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_graded_part_has_visible_and_hidden_tests(assignment):
    for notebook in (SOLUTIONS / assignment).glob("*.ipynb"):
        nb = read_notebook(notebook)
        tests = [c for c in nb["cells"] if nbgrader_meta(c).get("grade")]
        answers = [c for c in nb["cells"] if nbgrader_meta(c).get("solution")]
        minimum = 6 if assignment.startswith("05") else 5
        assert len(tests) >= minimum, f"{notebook.name}: {len(tests)} graded parts, need at least {minimum}"
        assert answers, f"{notebook.name} has no solution cells"
        for cell in tests:
            text = source(cell)
            grade_id = nbgrader_meta(cell)["grade_id"]
            assert nbgrader_meta(cell).get("points", 0) > 0, f"{grade_id} has no points"
            hidden = marked_regions(text, "HIDDEN TESTS")
            assert hidden and any("assert" in h for h in hidden), f"{grade_id} has no hidden asserts"
            visible = text.split("### BEGIN HIDDEN TESTS")[0]
            assert "assert" in visible, f"{grade_id} has no visible assert for instant feedback"
            assert "print(" not in "\n".join(hidden), f"{grade_id}'s hidden tests print something"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_import_only_numpy_and_matplotlib(assignment):
    import ast

    allowed = {"numpy", "matplotlib", "math", "random", "itertools", "functools"}
    for notebook in (SOLUTIONS / assignment).glob("*.ipynb"):
        for cell in read_notebook(notebook)["cells"]:
            if cell["cell_type"] != "code":
                continue
            tree = ast.parse(source(cell))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                else:
                    continue
                for name in names:
                    assert name.split(".")[0] in allowed, f"{notebook.name} imports {name}"
