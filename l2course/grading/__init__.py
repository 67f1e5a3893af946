"""Grading a class of exercise submissions: ``python -m l2course.grading ASSIGNMENT SUBMISSIONS``.

Submodules (heavy imports such as nbgrader and jupyter_client happen inside functions, so importing
:mod:`l2course` stays light):

- :mod:`~l2course.grading.collect` finds submissions in a folder or an LMS zip;
- :mod:`~l2course.grading.plan` turns a submitted notebook into the cells to execute;
- :mod:`~l2course.grading.spec` reads ``solutions/NN_x/grading.json`` and compares values outside the kernel;
- :mod:`~l2course.grading.sandbox` and :mod:`~l2course.grading.runner` execute cells in a bubblewrap sandbox;
- :mod:`~l2course.grading.core` orchestrates; :mod:`~l2course.grading.report` writes the outputs.
"""

from __future__ import annotations


def main(argv=None) -> int:
    """The command line; see ``python -m l2course.grading --help``."""
    from .cli import main as _main

    return _main(argv)
