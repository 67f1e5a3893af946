"""What the instructor opens: grades.csv, the gradebook, feedback HTML per student, summary.html.

Every file is written to a temporary name and moved into place, so a crash never leaves half a CSV. Feedback
shows the student's answer cells with their outputs, the *visible* tests as released, and in place of each
test cell's output the grader's own one-line message: hidden tests, probe inputs and test tracebacks never
appear in it.
"""

from __future__ import annotations

import csv
import html
import io
import os
import shutil
import tempfile
from pathlib import Path

from .plan import meta, text_of


def atomic_write(path: Path, data: bytes) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _fmt(x: float) -> str:
    return f"{x:g}"


def csv_bytes(a, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *[p.grade_id for p in a.parts], "total", "max", "status", "reason"])
    for row in sorted(rows, key=lambda r: r.student):
        writer.writerow([row.student, *[_fmt(row.scores.get(p.grade_id, 0.0)) for p in a.parts], _fmt(row.total),
                         _fmt(row.max), row.status, row.reason])
    return buffer.getvalue().encode("utf-8")


def write_gradebook(a, rows, out: Path, db_url: str | None = None) -> None:
    """Scores into the gradebook. Default (``db_url`` None): the temporary course's SQLite gradebook, then
    copied to ``out/gradebook.db``. Otherwise straight into the database at ``db_url`` (which may already hold
    other assignments and earlier runs: rows are updated, never duplicated)."""
    from .gradebook import record, sqlite_url

    notebook = Path(a.notebook_name).stem
    parts = [p.grade_id for p in a.parts]
    ordered = sorted(rows, key=lambda r: r.student)
    if db_url:
        record(db_url, a.name, notebook, parts, ordered)
        return
    db = a.course / "gradebook.db"
    record(sqlite_url(db), a.name, notebook, parts, ordered)
    tmp = out / ".gradebook.db.tmp"
    shutil.copy(db, tmp)
    os.replace(tmp, out / "gradebook.db")


def feedback_notebook(a, row):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    attempt = row.attempt
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    head = (f"# Feedback: {a.name}\n\n**Student:** {row.student}  \n**Score:** {row.total:g} / {row.max:g}  \n"
            f"**Status:** {row.status}")
    if row.reason:
        head += "\n\n" + "\n".join(f"- {html.escape(r)}" for r in row.reason.split("; "))
    nb.cells.append(new_markdown_cell(head))
    release = {meta(c).get("grade_id"): c for c in a.release_nb["cells"] if meta(c).get("grade_id")}
    executed = {}
    if attempt is not None and attempt.plan is not None:
        for index, cell in enumerate(attempt.plan.cells):
            if cell.role == "answer" and index < len(attempt.records):
                executed[cell.label] = (cell.source, attempt.records[index].get("outputs", []))
            elif cell.role == "answer":
                executed[cell.label] = (cell.source, [])
    for cell in a.release_nb["cells"]:
        m = meta(cell)
        gid = m.get("grade_id")
        if cell.get("cell_type") == "markdown":
            nb.cells.append(new_markdown_cell(text_of(cell)))
        elif m.get("solution"):
            source, outputs = executed.get(gid, ("# (no answer cell submitted)", []))
            code = new_code_cell(source)
            code.outputs = [nbformat.from_dict(o) for o in outputs if o.get("output_type") != "error"]
            errors = [o for o in outputs if o.get("output_type") == "error"]
            if errors:
                code.outputs.append(nbformat.from_dict({"output_type": "stream", "name": "stderr",
                                                         "text": f"{errors[0]['ename']}: {errors[0]['evalue']}\n"}))
            nb.cells.append(code)
        elif m.get("grade"):
            nb.cells.append(new_code_cell(text_of(release.get(gid, cell))))
            points = next(p.points for p in a.parts if p.grade_id == gid)
            got = row.scores.get(gid, 0.0)
            message = "passed" if got == points else (attempt.messages.get(gid, "not graded") if attempt else
                                                      "not graded")
            nb.cells.append(new_markdown_cell(f"**{gid}: {got:g} / {points:g}** — {html.escape(message)}"))
        else:
            nb.cells.append(new_code_cell(text_of(cell)))
    return nb


def write_feedback(a, rows, out: Path) -> None:
    from nbconvert import HTMLExporter

    folder = out / "feedback"
    tmp = out / ".feedback.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    exporter = HTMLExporter(template_name="classic")
    for row in rows:
        body, _ = exporter.from_notebook_node(feedback_notebook(a, row))
        (tmp / f"{row.student}.html").write_text(body, encoding="utf-8")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)


def write_summary(a, rows, out: Path, environment) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = [(p.grade_id, p.points) for p in a.parts] + [("total", a.max_score)]
    fig, axes = plt.subplots(1, len(columns), figsize=(2.6 * len(columns), 2.6), squeeze=False)
    for ax, (name, points) in zip(axes[0], columns, strict=True):
        values = [r.total if name == "total" else r.scores.get(name, 0.0) for r in rows]
        ax.hist(values, bins=min(20, max(2, int(points) + 1)), range=(0, points), color="#0072B2",
                edgecolor="white")
        ax.set_title(f"{name} (/{points:g})", fontsize=9)
        ax.set_xlabel("points", fontsize=8)
    axes[0][0].set_ylabel("students", fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    atomic_write(out / "histograms.png", buffer.getvalue())
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    lines = [f"<tr><td>{html.escape(r.student)}</td><td>{r.total:g}</td><td>{html.escape(r.status)}</td>"
             f"<td>{html.escape(r.reason)}</td></tr>" for r in sorted(rows, key=lambda r: r.student)]
    warning = environment.warning() or ""
    page = (f"<!doctype html><meta charset='utf-8'><title>{a.name}: grading summary</title>"
            f"<h1>{html.escape(a.name)}: grading summary</h1>"
            f"<p><b>{html.escape(warning)}</b></p>"
            f"<p>Gradebook: {html.escape(gradebook_label(a))}</p>"
            f"<p>{len(rows)} submissions received; "
            + ", ".join(f"{n} {html.escape(s)}" for s, n in sorted(counts.items())) + "</p>"
            "<img src='histograms.png' alt='score histogram per question'>"
            "<table border='1' cellpadding='4'><tr><th>student</th><th>total</th><th>status</th><th>reason</th></tr>"
            + "".join(lines) + "</table>")
    atomic_write(out / "summary.html", page.encode("utf-8"))


def gradebook_label(a) -> str:
    """Where the scores went, with any password hidden."""
    from .gradebook import redact

    if a.db_url:
        return redact(a.db_url)
    return "gradebook.db (SQLite, next to this page)"


def write_all(a, rows, out: Path, environment, feedback: bool = True, db_url: str | None = None,
              gradebook: bool = True) -> None:
    """Every report; ``gradebook=False`` when the rows are already in the database (written by the workers)."""
    if gradebook:
        write_gradebook(a, rows, out, db_url)
    if feedback:
        write_feedback(a, rows, out)
    write_summary(a, rows, out, environment)
    atomic_write(out / "grades.csv", csv_bytes(a, rows))


def summary_table(a, rows) -> str:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.status] = counts.get(r.status, 0) + 1
    graded = sum(n for s, n in counts.items() if s in ("ok", "not-tamper-proof", "tampered", "error"))
    lines = [f"{a.name}: {len(rows)} received, {graded} graded normally, {len(rows) - graded} with problems",
             f"{'status':<20}{'count':>6}"]
    lines += [f"{s:<20}{n:>6}" for s, n in sorted(counts.items(), key=lambda kv: kv[0])]
    mean = sum(r.total for r in rows) / len(rows) if rows else 0.0
    lines.append(f"mean total {mean:.2f} / {a.max_score:g}")
    return "\n".join(lines)
