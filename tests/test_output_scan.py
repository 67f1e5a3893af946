"""Stored notebook outputs print facts, not round-off: the scan of tools/scan_outputs.py, and its own tests.

nbval compares stored outputs exactly; a cell that prints ``4.8e-16`` passes on the CPU that wrote it and fails
on one whose BLAS kernel rounds differently. The scan reads the stored outputs only (no execution).
"""

from __future__ import annotations

import copy
import json
import sys

import pytest
from course import ROOT

sys.path.insert(0, str(ROOT / "tools"))
import scan_outputs  # noqa: E402

NOTEBOOKS = scan_outputs.course_notebooks()


def notebook_printing(*texts: str, tags: list[str] | None = None) -> dict:
    """A minimal notebook whose second cell printed ``texts`` (one stream output each)."""
    outputs = [{"output_type": "stream", "name": "stdout", "text": [t]} for t in texts]
    return {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# title"]},
        {"cell_type": "code", "metadata": {"tags": tags or []}, "source": ["print(...)"], "outputs": outputs,
         "execution_count": 1},
    ]}


def test_the_course_notebooks_exist():
    assert len(NOTEBOOKS) >= 8, NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_stored_outputs_print_no_round_off(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    findings = scan_outputs.scan_notebook(nb, str(path.relative_to(ROOT)))
    assert not findings, "print a verdict at a tolerance instead:\n" + "\n".join(map(str, findings))


def test_the_scan_fails_on_the_output_that_broke_ci_and_names_notebook_and_cell():
    nb = notebook_printing("max |w_formula - fit_ridge| = 4.8e-16, |b_formula - b| = 5.6e-17\n")
    findings = scan_outputs.scan_notebook(nb, "chapters/05a_ridge_regularization.ipynb")
    assert [(f.notebook, f.cell, f.number) for f in findings] == [
        ("chapters/05a_ridge_regularization.ipynb", 1, "4.8e-16"),
        ("chapters/05a_ridge_regularization.ipynb", 1, "5.6e-17"),
    ]
    assert "05a_ridge_regularization.ipynb cell 1: prints 4.8e-16" in str(findings[0])


@pytest.mark.parametrize("text", [
    "excess MSE after 30 steps = 1.721e-22",      # converged to round-off
    "smallest gap 3e-17",                         # a bare mantissa is still a measurement
    "difference 1.0e-16",                         # a power of ten written with a fraction digit: measured
    "gap = 0.0000000000123",                      # fixed notation, below 1e-9
    "w = [1.1175000000000002, 0.5]",              # an unrounded float
    "E = -0.30000000000000004",
])
def test_the_scan_flags_noise(text):
    assert scan_outputs.scan_notebook(notebook_printing(text), "nb"), text


@pytest.mark.parametrize("text", [
    "agree to 1e-12: True",                        # a verdict at a stated tolerance
    "error after 300 steps / start = < 1e-12",
    "||w|| from 396.4 at lambda = 1e-7 to 0.0218",  # a parameter, rounded values
    "SSE: excess MSE after 30 steps = 2.682e+17",
    "sequential float32 relative error 4.2e-03",
    "n = 4,000,000 and 123456789012",
    "cond(X)² = 4.1e+14, seed 20261102",
])
def test_the_scan_accepts_facts(text):
    assert scan_outputs.scan_notebook(notebook_printing(text), "nb") == [], text


def test_the_scan_reads_rich_text_outputs_but_skips_ignored_cells_and_images():
    nb = notebook_printing()
    nb["cells"][1]["outputs"] = [{"output_type": "execute_result", "execution_count": 1, "metadata": {},
                                  "data": {"text/plain": ["np.float64(2.9e-15)"]}}]
    assert [f.number for f in scan_outputs.scan_notebook(nb, "nb")] == ["2.9e-15"]
    ignored = copy.deepcopy(nb)
    ignored["cells"][1]["metadata"]["tags"] = ["nbval-ignore-output"]
    assert scan_outputs.scan_notebook(ignored, "nb") == []
    image = notebook_printing()
    image["cells"][1]["outputs"] = [{"output_type": "display_data", "metadata": {},
                                     "data": {"image/png": "iVBOR 1.234e-20", "text/plain": ["<Figure>"]}}]
    assert scan_outputs.scan_notebook(image, "nb") == []


def test_the_command_line_exits_1_and_names_the_cell(tmp_path, capsys):
    path = ROOT / "_build" / "scan-selftest.ipynb"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(notebook_printing("diff = 4.8e-16")), encoding="utf-8")
    try:
        assert scan_outputs.main([str(path)]) == 1
        assert "_build/scan-selftest.ipynb cell 1: prints 4.8e-16" in capsys.readouterr().out
    finally:
        path.unlink()
