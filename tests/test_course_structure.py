"""The course's promises about its own pages: table of contents, chapter anatomy, stored outputs."""

from __future__ import annotations

import re
import sys

import pytest
import yaml
from course import (
    ASSIGNMENTS,
    CHAPTER_NOTEBOOKS,
    EXERCISES,
    ROOT,
    SOLUTION_NOTEBOOKS,
    read_notebook,
    source,
)


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        for chapter in part.get("chapters", []):
            files.append(chapter["file"])
            files += [section["file"] for section in chapter.get("sections", [])]
    return files


def resolve(entry: str):
    matches = [ROOT / f"{entry}{suffix}" for suffix in ("", ".md", ".ipynb")]
    return next((m for m in matches if m.is_file()), None)


def test_every_toc_entry_exists():
    missing = [entry for entry in toc_files() if resolve(entry) is None]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_chapter_and_exercise_set_is_in_the_toc():
    listed = set(toc_files())
    assert CHAPTER_NOTEBOOKS, "no chapters found"
    for notebook in CHAPTER_NOTEBOOKS:
        assert f"chapters/{notebook.stem}" in listed, f"{notebook.name} is not in _toc.yml"
    for assignment in ASSIGNMENTS:
        for notebook in (EXERCISES / assignment).glob("*.ipynb"):
            assert f"exercises/{assignment}/{notebook.stem}" in listed, f"{notebook} is not in _toc.yml"


def test_solutions_are_not_in_the_public_toc():
    assert not [entry for entry in toc_files() if entry.startswith("solutions")]


def h1_titles(nb: dict) -> list[str]:
    return [
        line
        for cell in nb["cells"]
        if cell["cell_type"] == "markdown"
        for line in source(cell).splitlines()
        if re.match(r"^# \S", line)
    ]


@pytest.mark.parametrize(
    "notebook",
    CHAPTER_NOTEBOOKS + SOLUTION_NOTEBOOKS + sorted(EXERCISES.glob("*/*.ipynb")),
    ids=lambda p: p.name,
)
def test_notebook_starts_with_exactly_one_title(notebook):
    nb = read_notebook(notebook)
    assert source(nb["cells"][0]).startswith("# "), f"{notebook.name} must open with '# Title'"
    assert len(h1_titles(nb)) == 1, f"{notebook.name} has H1 titles {h1_titles(nb)}"


@pytest.mark.parametrize("notebook", CHAPTER_NOTEBOOKS + SOLUTION_NOTEBOOKS, ids=lambda p: p.name)
def test_stored_outputs_are_complete_and_clean(notebook):
    for index, cell in enumerate(read_notebook(notebook)["cells"]):
        if cell["cell_type"] != "code" or not source(cell).strip():
            continue
        assert cell.get("execution_count") is not None, f"cell {index} was never executed: make notebooks"
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", f"cell {index} stores an error"
            if output["output_type"] == "stream" and "show-warning" not in cell["metadata"].get("tags", []):
                assert output["name"] == "stdout", f"cell {index} writes to stderr: {output['text'][:200]}"
            text = "".join(output.get("data", {}).get("text/plain", "")) if "data" in output else ""
            assert not re.search(r" at 0x[0-9a-f]+", text), f"cell {index} prints a memory address"


def install_cell_source() -> str:
    """The install cell publish.yml gives (tools/course_publish.py; tests/test_publish_setting.py tests it)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import course_publish

    return course_publish.install_cell_source(course_publish.load())


@pytest.mark.parametrize("notebook", CHAPTER_NOTEBOOKS, ids=lambda p: p.name)
def test_chapter_anatomy(notebook):
    nb = read_notebook(notebook)
    markdown = "\n".join(source(c) for c in nb["cells"] if c["cell_type"] == "markdown")
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    if notebook.stem.startswith("claims"):
        return
    assert re.search(r"In this (chapter|section) you will", markdown), "learning objectives at the top"
    assert re.search(r"\{prf:(definition|theorem)\}", markdown), "a formal statement in sphinx-proof"
    assert "{cite" in markdown, "references through {cite}"
    assert "{exercise}" in markdown and "{solution}" in markdown, "conceptual exercises with solutions"
    assert "../exercises/" in markdown, "a link to the chapter's exercise set"

    install = code_cells[0]
    assert "remove-cell" in install["metadata"].get("tags", []), "the install cell is hidden"
    assert source(install) == install_cell_source(), "the first code cell is publish.yml's: make publish-setting"
    assert not install.get("outputs"), "the install cell prints nothing"

    figures = 0
    for cell in code_cells:
        if any("image/png" in o.get("data", {}) for o in cell.get("outputs", [])):
            figures += 1
            meta = cell["metadata"].get("mystnb", {})
            assert meta.get("figure", {}).get("caption"), f"figure without a caption: {source(cell)[:80]}"
            assert meta.get("image", {}).get("alt"), f"figure without alt text: {source(cell)[:80]}"
    assert figures >= 2, f"at least two figures, found {figures}"
    assert "l2course" in "\n".join(source(c) for c in code_cells), "figures and helpers come from l2course"
