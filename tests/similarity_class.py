"""A synthetic class of 60 for the similarity report, on exercise set 03_gradients (four functions to write,
two letters to pick).

Honest students each write every function their own way: for each part an approach drawn from several
genuinely different ones (vectorized, loop, SVD or eigenvalues, preallocated or appended path, …), and within
it their own choices of conversions, names, order, comments and return style. Copiers take one honest
student's notebook and disguise it the way students do: every local variable renamed, independent adjacent
statements swapped, comments changed, blank lines added. Ground truth is therefore known: the copied pairs.
"""

from __future__ import annotations

import ast
import copy
import io
import json
import keyword
import random
import tokenize
from pathlib import Path

from course import EXERCISES

ASSIGNMENT = "03_gradients"
RELEASE = EXERCISES / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
SIGNATURES = {
    "q1_answer": ('def linear_mse_grad(X, y, w, b=0.0):\n    """Gradient of MSE(y, X @ w + b) with respect to w and b: '
                  'a tuple (grad_w, grad_b)."""\n'),
    "q2_answer": ('def central_difference_gradient(f, x, h=1e-6):\n'
                  '    """Central-difference estimate of the gradient of '
                  'the scalar function f at x (any shape)."""\n'),
    "q3_answer": ('def gradient_descent(grad, x0, lr, n_steps):\n    """The path x0, x1, ..., x_n_steps of gradient '
                  'descent with learning rate lr."""\n'),
    "q4_answer": ('def max_stable_lr(X):\n    """Largest stable learning rate 2 / lambda_max((2/n) X^T X) of gradient '
                  'descent on the MSE."""\n'),
}
POOL = ["r", "e", "res", "err", "diff", "delta", "resid", "g", "gw", "gb", "grad_w", "grad_b", "tmp", "acc", "val",
        "out", "step", "k", "j", "idx", "pos", "cur", "xs", "hist", "trace", "lam", "top", "s", "m", "n_rows", "count",
        "pred", "yh", "fit", "u", "v", "z", "q", "p", "t", "a", "c", "d", "result", "total", "buf", "vec", "arr"]
COMMENTS = ["", "# residuals first", "# vectorized", "# loop over entries", "# chain rule", "# see chapter 3",
            "# follows the notes", "# check shapes", "# TODO tidy", "# central difference", "# the bound"]


def _names(rng: random.Random, roles: list[str]) -> dict[str, str]:
    chosen = rng.sample(POOL, len(roles))
    return dict(zip(roles, chosen, strict=True))


def _conv(rng, var):
    return rng.choice([f"{var} = np.asarray({var}, dtype=float)", f"{var} = np.array({var}, dtype=float)",
                       f"{var} = np.asarray({var}).astype(float)", f"{var} = np.asarray({var}, dtype=np.float64)"])


def _scale(rng, n, expr):
    """One of the ways to write (2 / n) * expr."""
    return rng.choice([f"2.0 / {n} * ({expr})", f"2 * ({expr}) / {n}", f"({expr}) * 2 / {n}",
                       f"np.multiply(2.0 / {n}, {expr})", f"(2 / {n}) * ({expr})", f"({expr}) / ({n} / 2)"])


def _extras(rng, options, p=0.35):
    """The optional statements this student happens to write (checks, casts, reshapes)."""
    return [line for line in options if rng.random() < p]


def q1(rng):
    v = _names(rng, ["r", "n", "gw", "gb", "pred", "i"])
    lines = [_conv(rng, x) for x in rng.sample(["X", "y", "w"], 3)]
    lines.append(f"{v['n']} = " + rng.choice(["len(y)", "X.shape[0]", "y.shape[0]", "y.size"]))
    lines += _extras(rng, ["y = y.reshape(-1)", "b = float(b)", f"assert X.shape[0] == {v['n']}",
                           f"{v['n']} = float({v['n']})", "assert X.ndim == 2, 'X must be 2-D'"])
    style = rng.randrange(5)
    if style == 0:
        lines += [f"{v['r']} = " + rng.choice(["X @ w + b - y", "(X @ w + b) - y", "X.dot(w) - y + b"]),
                  f"{v['gw']} = " + _scale(rng, v["n"], f"X.T @ {v['r']}"),
                  f"{v['gb']} = " + _scale(rng, v["n"], rng.choice([f"{v['r']}.sum()", f"np.sum({v['r']})"]))]
    elif style == 1:
        lines += [f"{v['pred']} = X.dot(w) + b", f"{v['r']} = y - {v['pred']}",
                  f"{v['gw']} = -2 * X.T.dot({v['r']}) / {v['n']}", f"{v['gb']} = -2 * np.sum({v['r']}) / {v['n']}"]
    elif style == 2:
        lines += [f"{v['pred']} = np.dot(X, w) + b", f"{v['r']} = {v['pred']} - y",
                  f"{v['gw']} = (2 / {v['n']}) * np.dot(X.T, {v['r']})",
                  f"{v['gb']} = (2 / {v['n']}) * np.sum({v['r']})"]
    elif style == 3:
        lines += [f"{v['gw']} = np.zeros_like(w)", f"{v['gb']} = 0.0", f"for {v['i']} in range({v['n']}):",
                  f"    {v['r']} = X[{v['i']}] @ w + b - y[{v['i']}]",
                  f"    {v['gw']} += 2 * {v['r']} * X[{v['i']}] / {v['n']}",
                  f"    {v['gb']} += 2 * {v['r']} / {v['n']}"]
    else:
        lines += [f"{v['r']} = X @ w + b - y", f"{v['gw']} = 2 * (X * {v['r']}[:, None]).mean(axis=0)",
                  f"{v['gb']} = 2 * {v['r']}.mean()"]
    lines.append(rng.choice([f"return {v['gw']}, float({v['gb']})", f"return ({v['gw']}, float({v['gb']}))"]))
    return lines


def q2(rng):
    v = _names(rng, ["g", "i", "up", "down", "e", "old", "fp", "fm", "flat"])
    lines = [rng.choice(["x = np.array(x, dtype=float)", "x = np.asarray(x, dtype=float).copy()",
                         "x = np.array(x, dtype=np.float64, copy=True)"])]
    lines += _extras(rng, ["h = float(h)", "assert h > 0", "if x.ndim == 0:\n        x = x.reshape(1)"])
    style = rng.randrange(4)
    if style == 0:
        lines += [f"{v['g']} = np.zeros_like(x)", f"for {v['i']} in range(x.size):",
                  f"    {v['up']} = x.copy()", f"    {v['down']} = x.copy()", f"    {v['up']}.flat[{v['i']}] += h",
                  f"    {v['down']}.flat[{v['i']}] -= h",
                  f"    {v['g']}.flat[{v['i']}] = (f({v['up']}) - f({v['down']})) / (2 * h)"]
    elif style == 1:
        lines += [f"{v['g']} = np.empty(x.shape)", f"for {v['i']} in np.ndindex(x.shape):",
                  f"    {v['e']} = np.zeros(x.shape)", f"    {v['e']}[{v['i']}] = h",
                  f"    {v['g']}[{v['i']}] = (f(x + {v['e']}) - f(x - {v['e']})) / (2 * h)"]
    elif style == 2:
        lines += [f"{v['g']} = np.zeros(x.shape)", f"for {v['i']} in range(x.size):",
                  f"    {v['old']} = x.flat[{v['i']}]", f"    x.flat[{v['i']}] = {v['old']} + h",
                  f"    {v['fp']} = f(x)", f"    x.flat[{v['i']}] = {v['old']} - h", f"    {v['fm']} = f(x)",
                  f"    x.flat[{v['i']}] = {v['old']}",
                  f"    {v['g']}.flat[{v['i']}] = ({v['fp']} - {v['fm']}) / (2 * h)"]
    else:
        lines += [f"{v['flat']} = x.ravel()", f"{v['g']} = np.empty({v['flat']}.size)",
                  f"for {v['i']} in range({v['flat']}.size):", f"    {v['e']} = np.zeros({v['flat']}.size)",
                  f"    {v['e']}[{v['i']}] = h",
                  f"    {v['g']}[{v['i']}] = (f(({v['flat']} + {v['e']}).reshape(x.shape))"
                  f" - f(({v['flat']} - {v['e']}).reshape(x.shape))) / (2 * h)",
                  f"{v['g']} = {v['g']}.reshape(x.shape)"]
    lines.append(f"return {v['g']}")
    return lines


def q3(rng):
    v = _names(rng, ["x", "path", "k", "g"])
    pre = _extras(rng, ["lr = float(lr)", "n_steps = int(n_steps)", "assert n_steps >= 0"])
    style = rng.randrange(4)
    if style == 0:
        lines = [f"{v['x']} = np.array(x0, dtype=float)", f"{v['path']} = [{v['x']}.copy()]",
                 f"for {v['k']} in range(n_steps):",
                 f"    {v['x']} = {v['x']} - lr * np.asarray(grad({v['x']}), dtype=float)",
                 f"    {v['path']}.append({v['x']}.copy())", f"return np.array({v['path']})"]
    elif style == 1:
        lines = [f"{v['path']} = np.zeros((n_steps + 1,) + np.shape(x0))", f"{v['path']}[0] = x0",
                 f"for {v['k']} in range(1, n_steps + 1):",
                 f"    {v['path']}[{v['k']}] = {v['path']}[{v['k']} - 1]"
                 f" - lr * np.asarray(grad({v['path']}[{v['k']} - 1]))",
                 f"return {v['path']}"]
    elif style == 2:
        lines = [f"{v['x']} = np.asarray(x0, dtype=float)", f"{v['path']} = [{v['x']}]", f"{v['k']} = 0",
                 f"while {v['k']} < n_steps:", f"    {v['g']} = np.asarray(grad({v['x']}), dtype=float)",
                 f"    {v['x']} = {v['x']} - lr * {v['g']}", f"    {v['path']}.append({v['x']})", f"    {v['k']} += 1",
                 f"return np.stack({v['path']})"]
    else:
        lines = [f"{v['x']} = np.array(x0, dtype=float)", f"{v['path']} = []",
                 f"for {v['k']} in range(n_steps + 1):", f"    {v['path']}.append(np.copy({v['x']}))",
                 f"    if {v['k']} < n_steps:", f"        {v['x']} -= lr * np.asarray(grad({v['x']}), dtype=float)",
                 f"return np.array({v['path']})"]
    return pre + lines


def q4(rng):
    v = _names(rng, ["n", "H", "s", "lam"])
    lines = [_conv(rng, "X"), f"{v['n']} = " + rng.choice(["X.shape[0]", "len(X)"])]
    lines += _extras(rng, ["if X.ndim == 1:\n        X = X[:, None]", "assert X.size > 0",
                           f"{v['n']} = float({v['n']})"])
    style = rng.randrange(5)
    if style == 0:
        lines += [f"{v['H']} = 2.0 / {v['n']} * X.T @ X", f"return 2.0 / np.linalg.eigvalsh({v['H']})[-1]"]
    elif style == 1:
        lines += [f"{v['s']} = np.linalg.svd(X, compute_uv=False)", f"{v['lam']} = 2 * {v['s']}[0] ** 2 / {v['n']}",
                  f"return 2 / {v['lam']}"]
    elif style == 2:
        lines += [f"{v['H']} = (2 / {v['n']}) * (X.T @ X)", f"{v['lam']} = np.max(np.linalg.eigvals({v['H']}).real)",
                  f"return 2 / {v['lam']}"]
    elif style == 3:
        lines += [f"{v['s']} = np.linalg.norm(X, 2)", f"return {v['n']} / {v['s']} ** 2"]
    else:
        lines += [f"return {v['n']} / np.linalg.eigvalsh(X.T @ X).max()"]
    return lines


PARTS = {"q1_answer": q1, "q2_answer": q2, "q3_answer": q3, "q4_answer": q4}


def honest_cell(gid: str, rng: random.Random) -> str:
    body = PARTS[gid](rng)
    comment = rng.choice(COMMENTS)
    if comment:
        body.insert(rng.randrange(len(body)), comment)
    text = SIGNATURES[gid] + "".join(f"    {line}\n" for line in body)
    if gid == "q4_answer":
        text += "\n\nbound_X1 = max_stable_lr(X1)\n"
    return text


def _assigned(tree: ast.AST, params: set[str]) -> list[str]:
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in params:
            if node.id not in names:
                names.append(node.id)
    return names


def disguise(text: str, rng: random.Random) -> str:
    """What a copier does: rename every local variable, swap independent adjacent statements, change comments,
    add blank lines. The result still parses."""
    tree = ast.parse(text)
    params = {a.arg for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for a in f.args.args}
    taken = set(_assigned(tree, params)) | params
    fresh = [n for n in POOL + [f"{p}{i}" for p in "abcuvw" for i in range(9)] if n not in taken]
    rng.shuffle(fresh)
    renames = {old: fresh.pop() for old in _assigned(tree, params) if not old.startswith("bound_")}
    # 1. rename (NAME tokens not after a dot)
    out, previous = [], None
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.NAME and tok.string in renames and not keyword.iskeyword(tok.string) and \
                not (previous is not None and previous.string == "."):
            tok = tok._replace(string=renames[tok.string])
        out.append(tok)
        if tok.type not in (tokenize.NL, tokenize.COMMENT):
            previous = tok
    text = tokenize.untokenize(out)
    # 2. swap independent adjacent one-line statements of each function body
    lines = text.splitlines()
    tree = ast.parse(text)
    for func in [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]:
        body = [s for s in func.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        for s1, s2 in zip(body, body[1:], strict=False):
            if s1.lineno != s1.end_lineno or s2.lineno != s2.end_lineno or not isinstance(s1, ast.Assign) \
                    or not isinstance(s2, ast.Assign):
                continue
            w1 = {n.id for t in s1.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            w2 = {n.id for t in s2.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            r1 = {n.id for n in ast.walk(s1.value) if isinstance(n, ast.Name)}
            r2 = {n.id for n in ast.walk(s2.value) if isinstance(n, ast.Name)}
            if not (w1 & (w2 | r2) or w2 & r1) and rng.random() < 0.8:
                a, b = s1.lineno - 1, s2.lineno - 1
                lines[a], lines[b] = lines[b], lines[a]
    # 3. comments out, new ones and blank lines in
    kept = []
    for line in lines:
        if line.strip().startswith("#"):
            continue
        kept.append(line)
        if line.startswith("    ") and rng.random() < 0.15:
            kept.append(line[: len(line) - len(line.lstrip())] + rng.choice(COMMENTS[1:]))
        elif rng.random() < 0.1:
            kept.append("")
    result = "\n".join(kept) + "\n"
    ast.parse(result)
    return result


def make_class(folder: Path, n: int = 60, copies: int = 5, seed: int = 21) -> set[frozenset[str]]:
    """Write ``folder/<student>/03_gradients.ipynb`` for n students, ``copies`` of them copiers of distinct
    honest students; return the copied pairs."""
    rng = random.Random(seed)
    release = json.loads(RELEASE.read_text(encoding="utf-8"))
    students = [f"s{i:02d}" for i in range(n)]
    copiers = rng.sample(students, copies)
    honest = [s for s in students if s not in copiers]
    originals = rng.sample(honest, copies)
    notebooks, truth = {}, set()
    for student in honest:
        nb = copy.deepcopy(release)
        for cell in nb["cells"]:
            gid = cell["metadata"].get("nbgrader", {}).get("grade_id")
            if gid in PARTS:
                cell["source"] = honest_cell(gid, rng)
            elif gid in ("q5_answer", "q6_answer"):
                cell["source"] = f'answer_{gid[:2]} = "{rng.choice("abcd")}"\n'
        notebooks[student] = nb
    for copier, original in zip(copiers, originals, strict=True):
        nb = copy.deepcopy(notebooks[original])
        for cell in nb["cells"]:
            if cell["metadata"].get("nbgrader", {}).get("grade_id") in PARTS:
                cell["source"] = disguise(cell["source"], rng)
        notebooks[copier] = nb
        truth.add(frozenset((copier, original)))
    for student, nb in notebooks.items():
        (folder / student).mkdir(parents=True, exist_ok=True)
        (folder / student / f"{ASSIGNMENT}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    return truth
