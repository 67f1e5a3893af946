"""Execute course notebooks in place so that their stored outputs are fresh and reproducible.

Authors run this (``make notebooks``) after editing a chapter or a solution notebook; nbval then checks in
CI that re-executing gives exactly the stored outputs. Notebooks run in parallel, one kernel each, with BLAS
single-threaded, in the notebook's own folder, and their metadata is normalized so that diffs stay small.

After executing, the stored outputs are scanned for round-off-sized numbers (``tools/scan_outputs.py``): such
digits change with the CPU's BLAS kernel, so nbval would fail on another machine.

Usage::

    python tools/execute_notebooks.py                      # every chapter and solution notebook
    python tools/execute_notebooks.py chapters/01_*.ipynb  # just these
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDERS = ("chapters", "solutions")
SINGLE_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def course_notebooks() -> list[Path]:
    """Every chapter and solution notebook, sorted."""
    found = []
    for folder in DEFAULT_FOLDERS:
        found += [p for p in (ROOT / folder).rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
    return sorted(found)


def normalize(nb) -> None:
    """Drop metadata that changes from run to run (timings, widget state, kernel language version)."""
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        cell.metadata.pop("ExecuteTime", None)
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)


def merge_streams(outputs: list) -> list:
    """Join consecutive prints to the same stream: how a busy kernel splits them is not reproducible."""
    merged = []
    for output in outputs:
        previous = merged[-1] if merged else None
        if (
            previous is not None
            and output.get("output_type") == "stream"
            and previous.get("output_type") == "stream"
            and previous.get("name") == output.get("name")
        ):
            previous["text"] += output["text"]
        else:
            merged.append(output)
    return merged


def execute(path: Path, timeout: int = 120) -> tuple[str, float, str]:
    """Execute one notebook in place; return (path, seconds, error message or '')."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    os.environ.update(SINGLE_THREAD)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    )
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        return str(path), time.perf_counter() - start, str(error).splitlines()[0]
    normalize(nb)
    nbformat.write(nb, path)
    return str(path), time.perf_counter() - start, ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="notebooks (default: all course notebooks)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="notebooks run at once")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or course_notebooks()
    missing = [p for p in paths if not p.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(map(str, missing))}")
    failures = 0
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, seconds, error in pool.map(execute, paths):
            shown = os.path.relpath(name, ROOT)
            if error:
                failures += 1
                print(f"FAILED {shown} after {seconds:.1f} s: {error}", flush=True)
            else:
                print(f"executed {shown} in {seconds:.1f} s", flush=True)
    # what was just written must print facts, not round-off (tests/test_output_scan.py checks the same)
    import nbformat
    from scan_outputs import scan_notebook

    noisy = []
    for path in paths:
        noisy += scan_notebook(nbformat.read(path, as_version=4), os.path.relpath(path, ROOT))
    for finding in noisy:
        print(f"ROUND-OFF {finding}", flush=True)
    if noisy:
        print(f"{len(noisy)} printed number(s) would differ on another CPU's BLAS kernel: print a verdict at a "
              "tolerance (l2course.agree, l2course.value_or_bound) instead", flush=True)
    return 1 if failures or noisy else 0


if __name__ == "__main__":
    sys.exit(main())
