"""What the instructor opens: grades.csv, the gradebook, feedback HTML per student, summary.html.

Every file is written to a temporary name and moved into place, so a crash never leaves half a CSV. Feedback
shows the student's answer cells with their outputs, the *visible* tests as released, and in place of each
test cell's output the grader's own one-line message: hidden tests, probe inputs and test tracebacks never
appear in it.

Pages are opened by the instructor, so what the student's code printed is made inert: HTML outputs are
cleaned by the `nh3 <https://nh3.readthedocs.io>`_ sanitizer (bindings to the Rust ``ammonia`` crate, an
allow-list of tags and attributes: no ``<script>``, no ``on…=`` handlers, no ``javascript:`` links),
Markdown, LaTeX, SVG and JavaScript outputs are shown as text or left out, and every page carries a
Content-Security-Policy that forbids scripts, so a page stays inert even if something slipped through.
Text is written as UTF-8 with ``errors="replace"`` (a lone surrogate in a notebook cannot stop a report).

>>> safe_outputs([{"output_type": "display_data", "metadata": {},
...                "data": {"text/html": "<b onmouseover='x()'>hi</b><script>x()</script>"}}])[0]["data"]
{'text/html': '<b>hi</b>'}
>>> "script-src 'none'" in CSP, clean_html("<span>\\ud800</span>")
(True, '<span>?</span>')
"""

from __future__ import annotations

import csv
import html
import io
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .collect import file_stem
from .plan import meta, text_of

# No script of any kind, nothing fetched from the network; inline styles and embedded (data:) images only.
CSP = ("default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
SAFE_IMAGES = ("image/png", "image/jpeg", "image/gif")


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


def encode(text: str) -> bytes:
    """UTF-8, with anything unencodable (a lone surrogate from a notebook) replaced, never an exception."""
    return text.encode("utf-8", errors="replace")


def with_csp(page: str) -> str:
    """The page with the Content-Security-Policy as the first element of its head."""
    head = page.find("<head>")
    if head >= 0:
        return page[:head + 6] + "\n" + CSP_META + page[head + 6:]
    return CSP_META + page


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def safe_outputs(outputs: list[dict]) -> list[dict]:
    """The student's outputs with every active format made inert: HTML sanitized by nh3, images kept only as
    PNG/JPEG/GIF data, Markdown/LaTeX/SVG shown as their text, JavaScript and unknown formats dropped."""
    import nh3

    safe = []
    for out in outputs:
        if out.get("output_type") != "display_data":
            safe.append(out)
            continue
        data, clean = out.get("data", {}), {}
        for mime, value in data.items():
            if mime == "text/plain":
                clean[mime] = _text(value)
            elif mime == "text/html":
                clean[mime] = nh3.clean(_valid(_text(value)), url_schemes={"http", "https", "mailto"})
            elif mime in SAFE_IMAGES and isinstance(value, str):
                clean[mime] = value
        if "text/plain" not in clean and not clean:
            shown = next((_text(data[m]) for m in ("text/markdown", "text/latex") if m in data), None)
            if shown is None and data:
                shown = f"[output of type {', '.join(sorted(data))[:200]} not shown in feedback]"
            if shown is not None:
                clean["text/plain"] = shown
        if clean:
            safe.append({"output_type": "display_data", "data": clean, "metadata": {}})
    return safe


def _fmt(x: float) -> str:
    return f"{x:g}"


def csv_bytes(a, rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *[p.grade_id for p in a.parts], "total", "max", "status", "reason"])
    for row in sorted(rows, key=lambda r: r.student):
        writer.writerow([row.student, *[_fmt(row.scores.get(p.grade_id, 0.0)) for p in a.parts], _fmt(row.total),
                         _fmt(row.max), row.status, row.reason])
    return encode(buffer.getvalue())


def write_gradebook(a, rows, out: Path, db_url: str | None = None) -> None:
    """Scores into the gradebook. Default (``db_url`` None): the temporary course's SQLite gradebook, then
    copied to ``out/gradebook.db``. Otherwise straight into the database at ``db_url`` (which may already hold
    other assignments and earlier runs: rows are updated, never duplicated)."""
    from .gradebook import record, sqlite_url

    notebook = Path(a.notebook_name).stem
    parts = [p.grade_id for p in a.parts]
    ordered = sorted(range(len(rows)), key=lambda k: rows[k].student)
    index = {id(rows[k]): k for k in ordered}

    def failed(row, exc) -> None:  # this student's row says so; the others are written
        rows[index[id(row)]] = _gradebook_error(a, row, exc)

    if db_url:
        record(db_url, a.name, notebook, parts, [rows[k] for k in ordered], on_error=failed)
        return
    db = a.course / "gradebook.db"
    record(sqlite_url(db), a.name, notebook, parts, [rows[k] for k in ordered], on_error=failed)
    tmp = out / ".gradebook.db.tmp"
    shutil.copy(db, tmp)
    os.replace(tmp, out / "gradebook.db")


def _gradebook_error(a, row, exc):
    from dataclasses import replace

    why = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return replace(row, scores={p.grade_id: 0.0 for p in a.parts}, total=0.0, status="grader-error",
                   reason="; ".join(filter(None, [row.reason, f"the gradebook refused this row ({type(exc).__name__}"
                                                              f"{': ' + why if why else ''}): grade it again"])),
                   feedback=None)


def feedback_notebook(a, row):
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    attempt = row.attempt
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    head = (f"# Feedback: {a.name}\n\n**Student:** {html.escape(row.student)}  \n"
            f"**Score:** {row.total:g} / {row.max:g}  \n"
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
            code.outputs = [nbformat.from_dict(o) for o in safe_outputs(outputs) if o.get("output_type") != "error"]
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


_EXPORTERS = threading.local()
# nbconvert's own clean_html filter (bleach, pure Python: most of a page's rendering time), with its allow-list,
# done by nh3 instead: the same pages (tests/test_grading_faults.py checks it), a quarter of the time
_CLEAN_TAGS = {"a", "abbr", "acronym", "b", "blockquote", "code", "em", "i", "li", "ol", "strong", "ul", "div",
               "pre", "span", "table", "tr", "td"}
_CLEAN_ATTRIBUTES = {"*": {"class", "id"}, "a": {"href", "title"}, "abbr": {"title"}, "acronym": {"title"}}


def clean_html(element) -> str:
    """nbconvert's ``clean_html`` template filter, by nh3 with nbconvert's allow-list."""
    import nh3

    element = element.decode() if isinstance(element, bytes) else str(element)
    return nh3.clean(_valid(element), tags=_CLEAN_TAGS, attributes=_CLEAN_ATTRIBUTES)


def _valid(text: str) -> str:
    """The text with lone surrogates (valid in a notebook's JSON, not in UTF-8) replaced, for nh3's Rust side."""
    return encode(text).decode("utf-8")


def feedback_html(a, row) -> str:
    """The student's feedback page: HTML with the Content-Security-Policy, student outputs made inert."""
    exporter = getattr(_EXPORTERS, "html", None)
    if exporter is None:  # one per thread: building one loads its templates (tens of ms)
        from nbconvert import HTMLExporter

        exporter = _EXPORTERS.html = HTMLExporter(template_name="classic", filters={"clean_html": clean_html})
    body, _ = exporter.from_notebook_node(feedback_notebook(a, row))
    return with_csp(body)


def plain_page(a, row) -> str:
    """The page of a row with no rendered feedback (a grader error): its score and reason, as text."""
    items = "".join(f"<li>{html.escape(r)}</li>" for r in row.reason.split("; ") if r)
    return (f"<!doctype html><html><head>{CSP_META}<meta charset='utf-8'><title>Feedback: "
            f"{html.escape(a.name)}</title></head><body><h1>Feedback: {html.escape(a.name)}</h1>"
            f"<p><b>Student:</b> {html.escape(row.student)}<br><b>Score:</b> {row.total:g} / {row.max:g}<br>"
            f"<b>Status:</b> {html.escape(row.status)}</p><ul>{items}</ul></body></html>")


def feedback_names(rows) -> dict[str, str]:
    """student -> feedback file name. Ids are escaped for the file system (:func:`collect.file_stem`); two
    names that only differ in case (one file on a case-insensitive disk) get a suffix, never one file."""
    import hashlib

    names: dict[str, str] = {}
    taken: set[str] = set()
    for student in sorted({r.student for r in rows}):
        stem = file_stem(student)
        if stem.casefold() in taken:
            stem += "~" + hashlib.sha256(student.encode("utf-8", "replace")).hexdigest()[:8]
        taken.add(stem.casefold())
        names[student] = stem + ".html"
    return names


def write_feedback(a, rows, out: Path) -> None:
    folder = out / "feedback"
    tmp = out / ".feedback.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    names = feedback_names(rows)
    for row in rows:
        page = row.feedback if row.feedback is not None else plain_page(a, row)
        (tmp / names[row.student]).write_bytes(encode(page))
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
    page = (f"<!doctype html>{CSP_META}<meta charset='utf-8'><title>{html.escape(a.name)}: grading summary</title>"
            f"<h1>{html.escape(a.name)}: grading summary</h1>"
            f"<p><b>{html.escape(warning)}</b></p>"
            f"<p>Gradebook: {html.escape(gradebook_label(a))}</p>"
            f"<p>{len(rows)} submissions received; "
            + ", ".join(f"{n} {html.escape(s)}" for s, n in sorted(counts.items())) + "</p>"
            "<img src='histograms.png' alt='score histogram per question'>"
            "<table border='1' cellpadding='4'><tr><th>student</th><th>total</th><th>status</th><th>reason</th></tr>"
            + "".join(lines) + "</table>")
    atomic_write(out / "summary.html", encode(page))


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
    graded = sum(n for s, n in counts.items() if s in ("ok", "tampered", "error"))
    lines = [f"{a.name}: {len(rows)} received, {graded} graded normally, {len(rows) - graded} with problems",
             f"{'status':<20}{'count':>6}"]
    lines += [f"{s:<20}{n:>6}" for s, n in sorted(counts.items(), key=lambda kv: kv[0])]
    mean = sum(r.total for r in rows) / len(rows) if rows else 0.0
    lines.append(f"mean total {mean:.2f} / {a.max_score:g}")
    return "\n".join(lines)
