"""A local similarity report of the students' answer cells: ``python -m l2course.grade similarity``.

What is compared: for each submission, the code of its answer cells (the cells nbgrader marks ``solution``,
matched to the release by ``grade_id``), with the code the release already gave (signatures, docstrings,
``# YOUR CODE HERE``) removed line by line and, what is left of it, passed as boilerplate. The comparison is
`copydetect <https://github.com/blingenf/copydetect>`_ (the winnowing algorithm of Schleimer, Wilkerson and
Aiken 2003, as in MOSS): each answer is tokenized by Pygments, with comments and whitespace dropped and every
variable, function and string replaced by one placeholder letter (so renaming changes nothing); k-grams of
``noise`` characters of that text are hashed and winnowed with a window of ``guarantee − noise + 1``, which
guarantees that any shared run of at least ``guarantee`` characters is found. The k-grams are hashed with
BLAKE2b instead of copydetect's use of Python's salted ``hash()``, so the same class gives the same report on
every run (:func:`fingerprint`; tokenizing, winnowing and comparing are copydetect's). For a pair, the similarity of
each side is the share of its tokens inside shared fingerprints; pairs are ranked by the **smaller** of the
two (both answers mostly made of the shared code), and the CSV gives both.

Nothing leaves the machine: the notebooks are read from the folder or zip and compared in this process, and
the HTML page loads nothing from elsewhere and runs no script (a Content-Security-Policy forbids it; every
piece of student text is HTML-escaped).

>>> strip_given("def f(x):\\n    # YOUR CODE HERE\\n    return x + 1\\n", "def f(x):\\n    # YOUR CODE HERE\\n"
...             "    raise NotImplementedError()\\n")
'    return x + 1'
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import html
import io
import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .report import CSP  # the feedback pages' policy: no script, nothing fetched

NOISE, GUARANTEE = 25, 30  # copydetect's defaults: k-gram length and guarantee threshold, in characters
MAX_DOCUMENTS = None  # off by default; MOSS uses 10 (-m): a passage in more submissions is common code


def _source(cell: dict) -> str:
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def _grade_id(cell: dict) -> str | None:
    meta = cell.get("metadata", {})
    nbg = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    return nbg.get("grade_id") if isinstance(nbg, dict) else None


def answer_cells(release_nb: dict) -> dict[str, str]:
    """grade_id -> given code of each answer (solution) cell of the release, in notebook order."""
    out = {}
    for cell in release_nb.get("cells", []):
        nbg = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") == "code" and nbg.get("solution") and nbg.get("grade_id"):
            out[nbg["grade_id"]] = _source(cell)
    return out


def strip_given(student: str, given: str) -> str:
    """The student's cell without the lines the release gave (compared after stripping spaces) and blank lines."""
    given_lines = {line.strip() for line in given.splitlines() if line.strip()}
    kept = [line for line in student.splitlines() if line.strip() and line.strip() not in given_lines]
    return "\n".join(kept)


def answer_code(nb: dict, given: dict[str, str]) -> str:
    """The student's own code in the answer cells, in the release's order (a cell missing from the
    submission contributes nothing)."""
    by_id = {}
    for cell in nb.get("cells", []):
        gid = _grade_id(cell)
        if gid in given and cell.get("cell_type") == "code" and gid not in by_id:
            by_id[gid] = _source(cell)
    parts = [strip_given(by_id[gid], given[gid]) for gid in given if gid in by_id]
    return "\n".join(p for p in parts if p)


@dataclass
class Pair:
    a: str
    b: str
    similarity_a: float  # share of a's answer tokens found in b's
    similarity_b: float
    shared_tokens: int
    slices_a: object = None
    slices_b: object = None

    @property
    def score(self) -> float:
        return min(self.similarity_a, self.similarity_b)


@dataclass
class Report:
    pairs: list[Pair]
    code: dict[str, str]
    skipped: dict[str, str] = field(default_factory=dict)  # student -> why not compared
    noise: int = NOISE
    guarantee: int = GUARANTEE
    max_documents: int | None = MAX_DOCUMENTS
    common: int = 0  # fingerprints ignored as common code


def kgram_hashes(text: str, k: int):
    """A 64-bit BLAKE2b hash of every k-gram: the same on every run and machine (Python's ``hash()``, which
    copydetect uses, is salted per process, so its fingerprints and rankings change from one run to the next)."""
    import numpy as np

    return np.array([int.from_bytes(hashlib.blake2b(text[i:i + k].encode("utf-8"), digest_size=8).digest(),
                                    "little", signed=True) for i in range(len(text) - k + 1)], dtype=np.int64)


def fingerprint(text: str, k: int, window: int, boilerplate: set | None = None):
    """copydetect's ``CodeFingerprint`` of Python ``text`` (its tokenizer, its winnowing, its attributes), with
    :func:`kgram_hashes` for the k-gram hashes; fingerprints in ``boilerplate`` are dropped."""
    import numpy as np
    from copydetect import CodeFingerprint
    from copydetect.utils import filter_code, get_token_coverage, winnow

    filtered, offsets = filter_code(text, "answer.py", "python")
    hashes = kgram_hashes(filtered, k)
    idx = np.array([], dtype=int)
    if len(hashes):
        hashes, idx = winnow(hashes, window, remove_duplicates=False)
        keep = ~np.isin(hashes, np.fromiter(boilerplate or (), dtype=np.int64))
        hashes, idx = hashes[keep], idx[keep]
    hash_idx: dict[int, list[int]] = {}
    for h, i in zip(hashes.tolist(), idx.tolist(), strict=True):
        hash_idx.setdefault(h, []).append(i)
    fp = object.__new__(CodeFingerprint)  # the attributes copydetect documents and compare_files reads
    fp.filename, fp.raw_code, fp.filtered_code, fp.offsets = "answer.py", text, filtered, offsets
    fp.hashes, fp.hash_idx, fp.k, fp.language = set(hash_idx), hash_idx, k, "python"
    fp.token_coverage = get_token_coverage(hash_idx, k, len(filtered))
    return fp


def compare(code: dict[str, str], given_code: str = "", noise: int = NOISE, guarantee: int = GUARANTEE,
            max_documents: int | None = MAX_DOCUMENTS) -> Report:
    """Every pair of non-empty answers, most similar first.

    ``max_documents``: a fingerprint found in more answers than this is common code, ignored like the given
    code (as MOSS's ``-m`` option, whose default is 10); None (the default) keeps every fingerprint."""
    from copydetect import compare_files

    if not 0 < noise <= guarantee:
        raise ValueError(f"noise ({noise}) must be positive and at most guarantee ({guarantee})")
    window = guarantee - noise + 1
    boiler = set(fingerprint(given_code, noise, 1).hashes) if given_code else set()
    skipped = {s: "no code of their own in the answer cells" for s in code if not code[s].strip()}
    students = sorted(s for s in code if s not in skipped)
    first = {s: fingerprint(code[s], noise, window, boiler) for s in students}
    counts: dict[int, int] = {}
    for fp in first.values():
        for h in fp.hashes:
            counts[h] = counts.get(h, 0) + 1
    common = {h for h, n in counts.items() if n > max_documents} if max_documents else set()
    prints = {s: fingerprint(code[s], noise, window, boiler | common) for s in students} if common else first
    pairs = []
    for a, b in itertools.combinations(sorted(prints), 2):
        shared, (sim_a, sim_b), (slices_a, slices_b) = compare_files(prints[a], prints[b])
        pairs.append(Pair(a, b, float(sim_a), float(sim_b), int(shared), slices_a, slices_b))
    pairs.sort(key=lambda p: (-p.score, -max(p.similarity_a, p.similarity_b), p.a, p.b))
    return Report(pairs, code, skipped, noise, guarantee, max_documents, len(common))


def read_class(submissions: Path, assignment: str, release: Path, regexp: str | None = None) -> tuple[
        dict[str, str], dict[str, str], str]:
    """(student -> answer code, student -> why skipped, the given code) from a folder or LMS zip."""
    import shutil

    from .collect import collect
    from .core import read_notebook

    release_nb, problem = read_notebook(Path(release))
    if problem:
        raise SystemExit(f"similarity: the release notebook {release}: {problem}")
    given = answer_cells(release_nb)
    if not given:
        raise SystemExit(f"similarity: {release} has no answer cells (nbgrader solution cells)")
    subs, notes, tmp = collect(Path(submissions), assignment, regexp)
    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    code, skipped = {}, {}
    try:
        for sub in subs:
            if not sub.notebooks:
                skipped[sub.student] = "no notebook"
                continue
            texts = []
            for path in sub.notebooks:
                nb, problem = read_notebook(path)
                if problem:
                    skipped[sub.student] = problem
                    continue
                texts.append(answer_code(nb, given))
            if texts:
                code[sub.student] = "\n".join(texts)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    return code, skipped, "\n".join(given.values())


def csv_bytes(report: Report) -> bytes:
    buffer = io.StringIO()
    w = csv.writer(buffer, lineterminator="\n")
    w.writerow(["rank", "student_a", "student_b", "similarity", "similarity_a", "similarity_b", "shared_tokens"])
    for rank, p in enumerate(report.pairs, start=1):
        w.writerow([rank, p.a, p.b, f"{p.score:.3f}", f"{p.similarity_a:.3f}", f"{p.similarity_b:.3f}",
                    p.shared_tokens])
    return buffer.getvalue().encode("utf-8")


def _marked(code: str, slices) -> str:
    from copydetect.utils import highlight_overlap

    if slices is None or len(slices) == 0 or slices.shape[-1] == 0:
        return html.escape(code)
    text, _ = highlight_overlap(code, slices, "<mark>", "</mark>", escape_html=True)
    return text


def html_page(report: Report, assignment: str, threshold: float, top: int) -> str:
    shown = [p for p in report.pairs if p.score >= threshold][:top]
    esc = html.escape
    rows = "".join(
        f"<tr><td>{i}</td><td>{esc(p.a)}</td><td>{esc(p.b)}</td><td>{p.score:.0%}</td>"
        f"<td>{p.similarity_a:.0%} / {p.similarity_b:.0%}</td></tr>" for i, p in enumerate(shown, 1))
    blocks = "".join(
        f"<section><h3>{i}. {esc(p.a)} and {esc(p.b)}: {p.score:.0%}</h3><div class='pair'>"
        f"<div><h4>{esc(p.a)} ({p.similarity_a:.0%} of it shared)</h4><pre>{_marked(report.code[p.a], p.slices_a)}"
        f"</pre></div><div><h4>{esc(p.b)} ({p.similarity_b:.0%} of it shared)</h4>"
        f"<pre>{_marked(report.code[p.b], p.slices_b)}</pre></div></div></section>" for i, p in enumerate(shown, 1))
    skipped = "".join(f"<li>{esc(s)}: {esc(why)}</li>" for s, why in sorted(report.skipped.items()))
    n = len(report.code) - len([s for s in report.skipped if s in report.code])
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta http-equiv='Content-Security-Policy' content=\"{CSP}\">"
        f"<title>{esc(assignment)}: similarity of answers</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
        "padding:.2em .6em}.pair{display:flex;gap:1em}.pair>div{flex:1;min-width:0}pre{background:#f6f6f6;"
        "padding:.5em;overflow-x:auto;white-space:pre-wrap}mark{background:#ffd54f}</style></head><body>"
        f"<h1>{esc(assignment)}: similarity of the students' answers</h1>"
        "<p><b>Read this first.</b> Similar is not copied. The answers here are short functions with a given "
        "signature, and short answers to the same task are similar by nature: two honest students often write "
        "the same three lines. A high score is a reason to look at the pair, never a finding on its own.</p>"
        f"<p>Method: the code of the answer cells, without the code the release gave, tokenized with comments, "
        f"whitespace and names normalized, fingerprinted by winnowing (copydetect; k-grams of {report.noise} "
        f"characters, every shared run of {report.guarantee} or more found). Similarity of a pair = the smaller "
        f"of the two shares of each answer found in the other. Threshold used: <b>{threshold:.0%}</b>; shown: "
        f"the {len(shown)} most similar pairs at or above it (at most {top}) of {len(report.pairs)} pairs among "
        f"{n} submissions. Every pair is in similarity.csv.</p>"
        + (f"<p>Code found in more than {report.max_documents} submissions was ignored as common "
           f"({report.common} fingerprints).</p>" if report.max_documents else "")
        + "<p>Computed on this machine; nothing was uploaded anywhere. This page runs no script.</p>"
        f"<table><tr><th>#</th><th>student</th><th>student</th><th>similarity</th><th>each side</th></tr>{rows}"
        f"</table>{blocks}"
        + (f"<h2>Not compared</h2><ul>{skipped}</ul>" if skipped else "")
        + "</body></html>")


def write(report: Report, out: Path, assignment: str, threshold: float = 0.5, top: int = 30) -> tuple[Path, Path]:
    from .report import atomic_write

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "similarity.csv", csv_bytes(report))
    atomic_write(out / "similarity.html", html_page(report, assignment, threshold, top).encode("utf-8"))
    return out / "similarity.html", out / "similarity.csv"


def main(argv) -> int:
    p = argparse.ArgumentParser(prog="python -m l2course.grade similarity",
                                description="A local similarity report of the answer cells (nothing is uploaded).")
    p.add_argument("assignment", help="e.g. 03_gradients")
    p.add_argument("submissions", type=Path, help="folder of submissions or an LMS zip")
    p.add_argument("--course", type=Path, default=Path.cwd(), help="course root holding exercises/ (default .)")
    p.add_argument("--release", type=Path, default=None,
                   help="the release notebook (default COURSE/exercises/ASSIGNMENT/ASSIGNMENT.ipynb)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default .grading/results/ASSIGNMENT)")
    p.add_argument("--threshold", type=float, default=0.5, help="show pairs at or above this similarity (0-1)")
    p.add_argument("--top", type=int, default=30, help="at most this many pairs on the page")
    p.add_argument("--regexp", default=None, help="zip_collect-style file name pattern")
    p.add_argument("--max-documents", type=int, default=None,
                   help="ignore code found in more submissions than this, as common (like MOSS's -m; default: off)")
    args = p.parse_args(argv)
    if not 0 <= args.threshold <= 1:
        raise SystemExit(f"--threshold must be between 0 and 1 (got {args.threshold})")
    if args.max_documents is not None and args.max_documents < 1:
        raise SystemExit(f"--max-documents must be at least 1 (got {args.max_documents})")
    name = Path(args.assignment).name
    release = args.release
    if release is None:
        found = sorted((args.course / "exercises" / name).glob("*.ipynb"))
        if len(found) != 1:
            raise SystemExit(f"similarity: no single release notebook in {args.course / 'exercises' / name}; "
                             "give --release")
        release = found[0]
    code, skipped, given = read_class(args.submissions, name, release, args.regexp)
    report = compare(code, given, max_documents=args.max_documents)
    report.skipped.update(skipped)
    page, sheet = write(report, args.out or args.course / ".grading" / "results" / name, name, args.threshold,
                        args.top)
    above = sum(1 for x in report.pairs if x.score >= args.threshold)
    print(f"{len(code)} submissions, {len(report.pairs)} pairs, {above} at or above {args.threshold:.0%}; "
          f"wrote {page} and {sheet}", file=sys.stdout)
    for rank, x in enumerate(report.pairs[:5], 1):
        print(f"  {rank}. {x.a} – {x.b}: {x.score:.0%} ({x.similarity_a:.0%} / {x.similarity_b:.0%})")
    return 0
