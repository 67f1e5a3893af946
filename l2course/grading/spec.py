"""Grading specs: which names each graded part calls, on which inputs, and what counts as right.

A spec is ``solutions/NN_x/grading.json`` beside the solution notebook (listed in ``CourseDirectory.ignore``,
so it never reaches ``exercises/``). It is the hidden test of record: every part of the notebook has an entry,
and the grader never runs the notebook's own test cells (see ``guide/writing_specs.md``)::

    {"seed": 101,
     "parts": {
       "q1_tests": {
         "hint": "...",
         "requires": [{"text": "returns a float array with the inputs' shape", "checks": ["shape"]},
                      {"text": "raises ValueError for an unknown reduction", "checks": ["bad-reduction"]}],
         "checks": [
           {"id": "shape", "call": "squared_error", "for": {"s": [[1], [5, 3]]},
            "args": [{"normal": "$s"}, {"normal": "$s"}], "type": "ndarray"},
           {"id": "bad-reduction", "call": "l2_loss", "args": [[1], [2]], "kwargs": {"reduction": "avg"},
            "raises": "ValueError"}]}}}

**A check** either calls a function (``call`` with ``args``/``kwargs``) or reads a variable (``value``).
What the result must be:

- by default, the solution's result on the same inputs: numbers within ``rtol``/``atol`` (default 1e-9 and
  1e-12; a float32 result is held to float32 precision, rtol 1e-5, unless ``"float64": true``), with the same
  shape; strings, booleans and ``None`` exactly; tuples and lists item by item; dicts key by key;
- ``"raises": "ValueError"`` (or a list of names): the call must raise that exception (a subclass counts);
  ``"match"`` is a fragment its message must contain (case-insensitive);
- ``"type"``: ``"ndarray"`` (a NumPy array), ``"float_dtype"`` (an array of floating dtype), ``"scalar"`` (one
  number: a Python or NumPy int/float, or a 0-d array), ``"str"`` (a ``str``, ``np.str_`` included),
  ``"tuple"``;
- ``"unchanged": true``: the call must leave its array and list arguments as they were.

**Inputs** are JSON literals (lists stay lists) or generators drawn in the grader's process from ``seed``:
``{"normal": shape, "loc": 0, "scale": 1}``, ``{"uniform": shape, "low": 0, "high": 1}``,
``{"integers": shape, "low": 0, "high": 10}``, ``{"array": data}`` (each with an optional ``"dtype"``),
``{"list": generator}`` (as nested lists), ``{"tuple": [items]}``, ``{"ref": "name"}`` (a value drawn once
under ``"let"``) and ``{"func": "lambda v: np.sum(v ** 2)", "bind": {"A": generator}}``: a function built inside
the student's kernel from that source, with ``np`` and the bound values as its globals.
``"for": {"var": [v1, v2]}`` repeats a check with ``"$var"`` replaced by each value; ``"repeat": n`` draws n
times. ``"id"`` names a check for the part's ``"requires"`` list (the text <-> spec audit).

The student's kernel only ever sees the inputs of the calls and sends back plain JSON (:func:`parse_reply`
checks it against a strict schema with size caps); the reference values come from the solution notebook run
the same way in a separate, clean kernel; the comparison (:func:`judge`) happens here.

>>> spec = {"seed": 1, "parts": {"p": {"checks": [{"call": "f", "for": {"n": [2, 3]},
...         "args": [{"normal": ["$n"]}]}]}}}
>>> validate(spec)
>>> checks = expand(spec)["p"]
>>> [len(c["args"][0]["__nd__"]) for c in checks]
[2, 3]
>>> compare({"k": "scalar", "t": "float", "dtype": "f8", "v": 1.0 + 1e-13},
...         {"k": "scalar", "t": "float", "dtype": "f8", "v": 1.0}, {})
>>> compare({"k": "ndarray", "dtype": "f8", "shape": [2], "v": [1.0, 2.0]},
...         {"k": "ndarray", "dtype": "f8", "shape": [3], "v": [1, 2, 3]}, {})
'wrong shape'
>>> compare(encode(np.float32(0.1) * np.ones(2, np.float32)), encode(np.full(2, 0.1)), {})
>>> compare(encode(np.float32(0.1) * np.ones(2, np.float32)), encode(np.full(2, 0.1)), {"float64": True})
'wrong value'
>>> validate({"parts": {"p": {"checks": [{"call": "f", "rtoll": 1}]}}})
Traceback (most recent call last):
...
ValueError: parts.p.checks[0]: unknown key 'rtoll'
"""

from __future__ import annotations

import builtins
import json
import math
from pathlib import Path

import numpy as np

PROBE_MIME = "application/vnd.l2course.probe+json"
SPEC_NAMES = ("grading.json",)
DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12
FLOAT32_RTOL = 1e-5
MALFORMED = "malformed reply from the kernel"

# caps on what a kernel may send back for one part (anything beyond: malformed)
MAX_REPLY_CHARS = 16_000_000
MAX_VALUES = 2_000_000
MAX_ITEMS = 1000
MAX_DEPTH = 6
MAX_TEXT = 1000

CHECK_KEYS = {"id", "call", "value", "args", "kwargs", "raises", "match", "type", "float64", "exact", "rtol",
              "atol", "unchanged", "hint", "for", "repeat", "let"}
TYPES = {"ndarray", "float_dtype", "scalar", "str", "tuple"}
GENERATORS = {"normal", "uniform", "integers", "array", "list", "tuple", "ref", "func"}


def find_spec(source_dir: Path) -> Path | None:
    for name in SPEC_NAMES:
        if (Path(source_dir) / name).is_file():
            return Path(source_dir) / name
    return None


def load_spec(path: Path | None) -> dict | None:
    """Read and :func:`validate` a spec file: a bad spec fails here, when the assignment is prepared."""
    if path is None:
        return None
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    try:
        validate(spec)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from None
    return spec


# ---------------------------------------------------------------------------------------------------- validation

def _validate_input(obj, where: str, lets: set[str]) -> None:
    if isinstance(obj, list):
        for i, x in enumerate(obj):
            _validate_input(x, f"{where}[{i}]", lets)
        return
    if not isinstance(obj, dict):
        return
    gens = GENERATORS & set(obj)
    if not gens:  # a plain dict argument
        for k, v in obj.items():
            _validate_input(v, f"{where}.{k}", lets)
        return
    if len(gens) > 1:
        raise ValueError(f"{where}: one generator per input, not {sorted(gens)}")
    gen = gens.pop()
    if gen == "ref" and obj["ref"] not in lets:
        raise ValueError(f"{where}: ref {obj['ref']!r} is not defined under 'let'")
    if gen == "func":
        source = obj["func"]
        if not isinstance(source, str) or not source.lstrip().startswith("lambda"):
            raise ValueError(f"{where}: func must be the source of a lambda")
        compile(source, where, "eval")
        for k, v in (obj.get("bind") or {}).items():
            _validate_input(v, f"{where}.bind.{k}", lets)
    if gen in ("list", "tuple"):
        _validate_input(obj[gen], f"{where}.{gen}", lets)
    if "dtype" in obj:
        np.dtype(obj["dtype"])


def validate(spec: dict) -> None:
    """Raise ``ValueError`` naming the place of the first problem in a spec; None when it is well formed."""
    if not isinstance(spec, dict) or not isinstance(spec.get("parts"), dict):
        raise ValueError("a grading spec needs a 'parts' object")
    for part, body in spec["parts"].items():
        where = f"parts.{part}"
        checks = body.get("checks") if isinstance(body, dict) else None
        if not isinstance(checks, list) or not checks:
            raise ValueError(f"{where}: needs a non-empty 'checks' list")
        ids = set()
        for i, check in enumerate(checks):
            here = f"{where}.checks[{i}]"
            if not isinstance(check, dict):
                raise ValueError(f"{here}: a check is an object")
            unknown = set(check) - CHECK_KEYS
            if unknown:
                raise ValueError(f"{here}: unknown key {sorted(unknown)[0]!r}")
            if ("call" in check) == ("value" in check):
                raise ValueError(f"{here}: give exactly one of 'call' and 'value'")
            if "value" in check and ({"args", "kwargs", "raises", "unchanged"} & set(check)):
                raise ValueError(f"{here}: a 'value' check reads a variable: no args, raises or unchanged")
            if "type" in check and check["type"] not in TYPES:
                raise ValueError(f"{here}: type must be one of {sorted(TYPES)}")
            raises = check.get("raises")
            for name in [raises] if isinstance(raises, str) else raises or []:
                if not (isinstance(getattr(builtins, name, None), type)
                        and issubclass(getattr(builtins, name), BaseException)):
                    raise ValueError(f"{here}: raises {name!r} is not a built-in exception")
            if "match" in check and "raises" not in check:
                raise ValueError(f"{here}: 'match' needs 'raises'")
            for key in ("rtol", "atol"):
                if key in check and not (isinstance(check[key], int | float) and check[key] >= 0):
                    raise ValueError(f"{here}: {key} must be a number >= 0")
            if "id" in check:
                ids.add(check["id"])
            lets = set(check.get("let") or {})
            _validate_input(check.get("args", []), f"{here}.args", lets)
            _validate_input(check.get("kwargs", {}), f"{here}.kwargs", lets)
        for j, req in enumerate(body.get("requires", [])):
            here = f"{where}.requires[{j}]"
            if not (isinstance(req, dict) and isinstance(req.get("text"), str) and req["text"].strip()):
                raise ValueError(f"{here}: a requirement is {{'text': ..., 'checks': [ids]}}")
            named = req.get("checks")
            if not isinstance(named, list) or not named:
                raise ValueError(f"{here}: requirement {req['text']!r} has no check")
            missing = [c for c in named if c not in ids]
            if missing:
                raise ValueError(f"{here}: requirement {req['text']!r} names unknown checks {missing}")


# ---------------------------------------------------------------------------------------------------- expansion

def _substitute(obj, env: dict):
    if isinstance(obj, str) and obj.startswith("$") and obj[1:] in env:
        return env[obj[1:]]
    if isinstance(obj, list):
        return [_substitute(x, env) for x in obj]
    if isinstance(obj, dict):
        return {k: _substitute(v, env) for k, v in obj.items()}
    return obj


def _draw(obj, rng, let: dict):
    """Turn generator objects into concrete values, encoded for the kernel (arrays as ``__nd__``)."""
    if isinstance(obj, list):
        return [_draw(x, rng, let) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "ref" in obj:
        return let[obj["ref"]]
    if "list" in obj:
        value = _draw(obj["list"], rng, let)
        return decode(value).tolist() if isinstance(value, dict) and "__nd__" in value else value
    if "tuple" in obj:
        return {"__tuple__": _draw(obj["tuple"], rng, let)}
    if "func" in obj:
        return {"__fn__": obj["func"], "bind": {k: _draw(v, rng, let) for k, v in (obj.get("bind") or {}).items()}}
    if "normal" in obj:
        arr = rng.normal(obj.get("loc", 0.0), obj.get("scale", 1.0), size=tuple(obj["normal"]))
    elif "uniform" in obj:
        arr = rng.uniform(obj.get("low", 0.0), obj.get("high", 1.0), size=tuple(obj["uniform"]))
    elif "integers" in obj:
        arr = rng.integers(obj.get("low", 0), obj.get("high", 10), size=tuple(obj["integers"]))
    elif "array" in obj:
        arr = np.array(obj["array"])
    else:
        return {k: _draw(v, rng, let) for k, v in obj.items()}
    arr = np.asarray(arr, dtype=obj.get("dtype", arr.dtype))
    return {"__nd__": arr.ravel().tolist(), "dtype": arr.dtype.str, "shape": list(arr.shape)}


def decode(a):
    """An input as encoded for the kernel, back to Python/NumPy values (the kernel runs the same code).

    >>> decode({"__nd__": [1, 2, 3, 4], "dtype": "<i8", "shape": [2, 2]}).tolist()
    [[1, 2], [3, 4]]
    >>> decode({"__fn__": "lambda v: c * v", "bind": {"c": 3}})(2)
    6
    """
    if isinstance(a, dict) and "__nd__" in a:
        return np.array(a["__nd__"], dtype=np.dtype(a["dtype"])).reshape(a["shape"])
    if isinstance(a, dict) and "__tuple__" in a:
        return tuple(decode(x) for x in a["__tuple__"])
    if isinstance(a, dict) and "__fn__" in a:
        return eval(a["__fn__"], {"np": np, **{k: decode(v) for k, v in a.get("bind", {}).items()}})  # noqa: S307
    if isinstance(a, list):
        return [decode(x) for x in a]
    if isinstance(a, dict):
        return {k: decode(v) for k, v in a.items()}
    return a


def expand(spec: dict) -> dict[str, list[dict]]:
    """The concrete checks of every part, drawn deterministically from the spec's seed."""
    rng = np.random.default_rng(spec.get("seed", 0))
    parts: dict[str, list[dict]] = {}
    for part, body in spec["parts"].items():
        checks = []
        for check in body.get("checks", []):
            loops = check.get("for") or {}
            envs = [{}]
            for var, values in loops.items():
                envs = [{**e, var: v} for e in envs for v in values]
            for env in envs:
                for _ in range(int(check.get("repeat", 1))):
                    concrete = _substitute({k: v for k, v in check.items() if k not in ("for", "repeat")}, env)
                    let = {name: _draw(gen, rng, {}) for name, gen in (concrete.pop("let", None) or {}).items()}
                    concrete["args"] = _draw(concrete.get("args", []), rng, let)
                    concrete["kwargs"] = _draw(concrete.get("kwargs", {}), rng, let)
                    concrete.setdefault("hint", body.get("hint", ""))
                    checks.append(concrete)
        parts[part] = checks
    return parts


# ---------------------------------------------------------------------------------------------------- the probe

# One encoder, run both in the student's kernel (inside the probe) and here (for "unchanged" checks).
ENCODER = r'''
def _enc(r, _depth=0):
    import numpy as _np
    if _depth > 5:
        return {"k": "toolarge"}
    if r is None:
        return {"k": "none"}
    if isinstance(r, (bool, _np.bool_)):
        return {"k": "bool", "v": bool(r)}
    if isinstance(r, str):
        return {"k": "str", "v": str(r)[:1000]}
    if isinstance(r, _np.ndarray):
        if r.size > 2_000_000:
            return {"k": "toolarge"}
        if r.dtype.kind in "biuf":
            return {"k": "ndarray", "dtype": r.dtype.kind + str(r.dtype.itemsize), "shape": [int(s) for s in r.shape],
                    "v": r.astype(float).ravel().tolist()}
        return {"k": "other", "t": "ndarray of " + str(r.dtype)[:50]}
    if isinstance(r, (int, float, _np.integer, _np.floating)):
        d = _np.asarray(r).dtype
        return {"k": "scalar", "t": type(r).__name__[:50], "dtype": d.kind + str(d.itemsize), "v": float(r)}
    if isinstance(r, (list, tuple)):
        if len(r) > 1000:
            return {"k": "toolarge"}
        if isinstance(r, list):
            try:
                a = _np.asarray(r, dtype=float)
                if a.size <= 2_000_000:
                    return {"k": "list", "shape": [int(s) for s in a.shape], "v": a.ravel().tolist()}
            except Exception:
                pass
        return {"k": "seq", "t": "tuple" if isinstance(r, tuple) else "list",
                "items": [_enc(x, _depth + 1) for x in r]}
    if isinstance(r, dict) and len(r) <= 1000 and all(isinstance(k, str) for k in r):
        return {"k": "dict", "items": {str(k)[:200]: _enc(v, _depth + 1) for k, v in r.items()}}
    return {"k": "other", "t": type(r).__name__[:50]}
'''

_ns: dict = {}
exec(ENCODER, _ns)  # noqa: S102 -- our own constant source
encode = _ns["_enc"]
encode.__doc__ = """Plain JSON for a value (the schema of a probe reply's results).

>>> encode((np.arange(2), 3.0))["items"][0]
{'k': 'ndarray', 'dtype': 'i8', 'shape': [2], 'v': [0.0, 1.0]}
"""

PROBE_TEMPLATE = r'''
def _l2course_probe(_spec):
    import json as _json
    import numpy as _np
    from IPython import get_ipython as _gi
    from IPython.display import display as _display
    _ns = _gi().user_ns
ENCODER
    def _dec(a):
        if isinstance(a, dict) and "__nd__" in a:
            return _np.array(a["__nd__"], dtype=_np.dtype(a["dtype"])).reshape(a["shape"])
        if isinstance(a, dict) and "__tuple__" in a:
            return tuple(_dec(x) for x in a["__tuple__"])
        if isinstance(a, dict) and "__fn__" in a:
            return eval(a["__fn__"], {"np": _np, **{k: _dec(v) for k, v in a.get("bind", {}).items()}})
        if isinstance(a, list):
            return [_dec(x) for x in a]
        if isinstance(a, dict):
            return {k: _dec(v) for k, v in a.items()}
        return a

    _out = []
    for _c in _json.loads(_spec):
        try:
            if "value" in _c:
                if _c["value"] not in _ns:
                    raise NameError("name %r is not defined" % _c["value"])
                _out.append({"ok": True, "r": _enc(_ns[_c["value"]])})
                continue
            if _c["call"] not in _ns:
                raise NameError("name %r is not defined" % _c["call"])
            _args, _kwargs = _dec(_c["args"]), _dec(_c["kwargs"])
            _r = _ns[_c["call"]](*_args, **_kwargs)
            _reply = {"ok": True, "r": _enc(_r)}
            if _c.get("unchanged"):
                _reply["after"] = [_enc(a) for a in list(_args) + list(_kwargs.values())]
            _out.append(_reply)
        except (Exception, SystemExit) as _e:
            _out.append({"ok": False, "etype": type(_e).__name__[:100],
                         "mro": [t.__name__[:100] for t in type(_e).__mro__][:20], "msg": str(_e)[:300]})
    # keep this cell's source (the inputs of these calls) out of what later cells can read: In, _i, _iN
    try:
        _ip = _gi()
        _hm = _ip.history_manager
        _mine = (_hm._i00, _hm.input_hist_raw[-1] if _hm.input_hist_raw else None)
        for _key, _value in list(_ns.items()):
            if _key.startswith("_i") and isinstance(_value, str) and _value in _mine:
                _ns[_key] = ""
        _hm._i00 = ""
        for _hist in (_hm.input_hist_parsed, _hm.input_hist_raw):
            if _hist:
                _hist[-1] = ""
        with _hm.db_input_cache_lock:
            _hm.db_input_cache.clear()
    except Exception:
        pass
    _display({MIME: _json.dumps(_out)}, raw=True)

_l2course_probe(SPEC)
del _l2course_probe
'''


def _wire(check: dict) -> dict:
    """What the kernel receives of a check: the name and the inputs of the call, nothing else."""
    out = {k: check[k] for k in ("call", "value", "args", "kwargs") if k in check}
    if "value" in out:
        out.pop("args", None)
        out.pop("kwargs", None)
    if check.get("unchanged"):
        out["unchanged"] = True
    return out


def probe_source(checks: list[dict]) -> str:
    """The cell that asks the student's kernel for plain values of this part's names on these inputs."""
    payload = [_wire(c) for c in checks]
    encoder = "\n".join("    " + line for line in ENCODER.strip().splitlines())
    return (PROBE_TEMPLATE.replace("ENCODER", encoder).replace("MIME", repr(PROBE_MIME))
            .replace("SPEC", repr(json.dumps(payload))).strip() + "\n")


# ---------------------------------------------------------------------------------------------------- the reply

class MalformedReply(ValueError):
    """The kernel's reply does not follow the probe's schema."""


def _number(x) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _short_text(x, cap: int = MAX_TEXT) -> bool:
    return isinstance(x, str) and len(x) <= cap


def _check_enc(enc, depth: int, budget: list[int]) -> None:
    if depth > MAX_DEPTH or not isinstance(enc, dict):
        raise MalformedReply("value")
    kind = enc.get("k")
    if kind in ("none", "toolarge"):
        return
    if kind == "bool":
        if not isinstance(enc.get("v"), bool):
            raise MalformedReply("bool")
    elif kind == "str":
        if not _short_text(enc.get("v")):
            raise MalformedReply("str")
    elif kind == "scalar":
        if not (_number(enc.get("v")) and _short_text(enc.get("t"), 100) and _short_text(enc.get("dtype"), 10)):
            raise MalformedReply("scalar")
    elif kind in ("ndarray", "list"):
        shape, values = enc.get("shape"), enc.get("v")
        if not (isinstance(shape, list) and len(shape) <= 32 and all(isinstance(s, int) and not isinstance(s, bool)
                                                                     and s >= 0 for s in shape)):
            raise MalformedReply("shape")
        if not (isinstance(values, list) and len(values) == math.prod(shape) and all(map(_number, values))):
            raise MalformedReply("values")
        budget[0] -= len(values)
        if budget[0] < 0:
            raise MalformedReply("too many values")
        if kind == "ndarray" and not _short_text(enc.get("dtype"), 10):
            raise MalformedReply("dtype")
    elif kind == "seq":
        items = enc.get("items")
        if enc.get("t") not in ("tuple", "list") or not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise MalformedReply("seq")
        for item in items:
            _check_enc(item, depth + 1, budget)
    elif kind == "dict":
        items = enc.get("items")
        if not isinstance(items, dict) or len(items) > MAX_ITEMS:
            raise MalformedReply("dict")
        for key, item in items.items():
            if not _short_text(key, 200):
                raise MalformedReply("dict key")
            _check_enc(item, depth + 1, budget)
    elif kind == "other":
        if not _short_text(enc.get("t"), 100):
            raise MalformedReply("other")
    else:
        raise MalformedReply("kind")
    if set(enc) - {"k", "v", "t", "dtype", "shape", "items"}:
        raise MalformedReply("keys")


def parse_reply(raw, n_checks: int) -> list[dict]:
    """The kernel's reply for one part, checked against the probe's schema; ``MalformedReply`` otherwise.

    One result per check: ``{"ok": true, "r": value[, "after": [values]]}`` or ``{"ok": false, "etype": name,
    "mro": [names], "msg": text}``, where a value is what :data:`ENCODER` produces.

    >>> parse_reply('[{"ok": true, "r": {"k": "scalar", "t": "float", "dtype": "f8", "v": 2.0}}]', 1)[0]["ok"]
    True
    >>> parse_reply('[{"ok": true, "r": {"k": "ndarray", "dtype": "f8", "shape": 3, "v": [1, 2, 3]}}]', 1)
    Traceback (most recent call last):
    ...
    l2course.grading.spec.MalformedReply: shape
    """
    if isinstance(raw, str):
        if len(raw) > MAX_REPLY_CHARS:
            raise MalformedReply("too large")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            raise MalformedReply("not JSON") from None
    else:
        data = raw
    if not isinstance(data, list) or len(data) != n_checks:
        raise MalformedReply("not one result per check")
    budget = [MAX_VALUES]
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("ok"), bool):
            raise MalformedReply("result")
        if item["ok"]:
            if set(item) - {"ok", "r", "after"}:
                raise MalformedReply("result keys")
            _check_enc(item.get("r"), 0, budget)
            after = item.get("after", [])
            if not isinstance(after, list) or len(after) > 64:
                raise MalformedReply("after")
            for enc in after:
                _check_enc(enc, 0, budget)
        else:
            mro = item.get("mro")
            if set(item) - {"ok", "etype", "mro", "msg"} or not _short_text(item.get("etype"), 100) \
                    or not _short_text(item.get("msg"), 1000) or not isinstance(mro, list) or len(mro) > 64 \
                    or not all(_short_text(m, 100) for m in mro):
                raise MalformedReply("error result")
    return data


# ---------------------------------------------------------------------------------------------------- comparison

def _close(a, b, rtol: float, atol: float) -> bool:
    if math.isnan(b):
        return math.isnan(a)
    if math.isinf(b) or math.isinf(a):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def _numbers(enc: dict):
    if enc.get("k") == "scalar":
        return [], [enc["v"]], enc.get("dtype", "")
    if enc.get("k") == "ndarray":
        return enc["shape"], enc["v"], enc.get("dtype", "")
    if enc.get("k") == "list":
        return enc["shape"], enc["v"], "f8"
    return None, None, None


def _items(enc: dict):
    """A value as a sequence of encoded items (a tuple, a list, or a 1-D array of numbers), else None."""
    if enc.get("k") == "seq":
        return enc["items"]
    if enc.get("k") in ("list", "ndarray") and len(enc["shape"]) == 1:
        dtype = enc.get("dtype", "f8")
        return [{"k": "scalar", "t": "float", "dtype": dtype, "v": v} for v in enc["v"]]
    return None


def compare(got, ref: dict, check: dict, _depth: int = 0) -> str | None:
    """None when the student's encoded value matches the reference under the check's rules, else why not."""
    if not isinstance(got, dict):
        return "no value"
    kind, rkind = got.get("k"), ref.get("k")
    want = check.get("type") if _depth == 0 else None
    if got.get("k") == "toolarge":
        return "the result is too large"
    if want == "str" and kind != "str":
        return f"not a string (a {got.get('t', kind)})"
    if want == "tuple" and not (kind == "seq" and got.get("t") == "tuple"):
        return "not a tuple"
    if want == "ndarray" and kind != "ndarray":
        return "not a NumPy array"
    if want == "float_dtype" and not (kind == "ndarray" and got.get("dtype", "")[:1] == "f"):
        return "not an array of floats"
    if want == "scalar" and not (kind == "scalar" or (kind == "ndarray" and got.get("shape") == [])):
        return "not a single number"
    if check.get("exact") or rkind in ("str", "bool", "none"):
        if rkind == "str" and kind == "str":
            return None if got.get("v") == ref.get("v") else "wrong answer"
        return None if (kind, got.get("v")) == (rkind, ref.get("v")) else "wrong answer"
    if rkind == "dict":
        if kind != "dict" or set(got["items"]) != set(ref["items"]):
            return "not a dict with the expected keys"
        for key in ref["items"]:
            why = compare(got["items"][key], ref["items"][key], check, _depth + 1)
            if why:
                return f"[{key!r}]: {why}"
        return None
    if rkind == "seq":
        items = _items(got)
        if items is None or len(items) != len(ref["items"]):
            return f"not a sequence of {len(ref['items'])} items"
        for i, (g, r) in enumerate(zip(items, ref["items"], strict=True)):
            why = compare(g, r, check, _depth + 1)
            if why:
                return f"item {i}: {why}"
        return None
    ref_shape, ref_values, _ = _numbers(ref)
    if ref_shape is None:
        return "the reference is not comparable"
    shape, values, dtype = _numbers(got)
    if shape is None:
        return f"not a number or an array (a {got.get('t', kind)})"
    if ref_shape == [] and shape != []:
        return "not a single number"
    if shape != ref_shape or len(values) != len(ref_values):
        return "wrong shape"
    rtol, atol = float(check.get("rtol", DEFAULT_RTOL)), float(check.get("atol", DEFAULT_ATOL))
    if dtype in ("f4", "f2") and not check.get("float64"):
        scale = max((abs(v) for v in ref_values if math.isfinite(v)), default=0.0)
        rtol, atol = max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_RTOL * scale)
    if not all(_close(a, b, rtol, atol) for a, b in zip(values, ref_values, strict=True)):
        return "wrong value"
    return None


def judge(reply, reference: list[dict], checks: list[dict]) -> str | None:
    """The first reason this part's reply fails its checks (None: full marks). Never raises.

    ``reply`` is the raw probe output of the student's kernel; ``reference`` the parsed reply of the solution.

    >>> check = {"call": "f", "args": [[1], [2]], "raises": "ValueError", "match": "reduction"}
    >>> judge('[{"ok": false, "etype": "ValueError", "mro": ["ValueError"], "msg": "bad reduction"}]',
    ...       [{"ok": False}], [check])
    >>> print(judge('[{"ok": true, "r": {"k": "none"}}]', [{"ok": False}], [check]))
    f() returned instead of raising ValueError on one of the grader's inputs
    >>> judge('[{"ok": true, "r": {"k": "ndarray", "shape": 2, "v": []}}]', [{"ok": False}], [check])
    'malformed reply from the kernel'
    """
    if reply is None:
        return "no values came back from the kernel"
    try:
        results = parse_reply(reply, len(checks))
        return _judge(results, reference, checks)
    except (MalformedReply, KeyError, TypeError, ValueError, AttributeError, RecursionError):
        return MALFORMED


def _judge(results: list[dict], reference: list[dict], checks: list[dict]) -> str | None:
    for got, ref, check in zip(results, reference, checks, strict=True):
        name = check.get("call") or check.get("value")
        what = f"{name}()" if "call" in check else name
        hint = f" (hint: {check['hint']})" if check.get("hint") else ""
        raises = check.get("raises")
        if raises:
            expected = [raises] if isinstance(raises, str) else list(raises)
            if got["ok"]:
                return f"{what} returned instead of raising {' or '.join(expected)} on one of the grader's inputs{hint}"
            if not set(expected) & set(got["mro"]):
                return f"{what} raised {got['etype']}, not {' or '.join(expected)}{hint}"
            if check.get("match") and check["match"].lower() not in got["msg"].lower():
                return f"{what} raised {got['etype']} without saying {check['match']!r}{hint}"
            continue
        if not got["ok"]:
            return f"{name} raised {got['etype']}: {got['msg'][:200]}{hint}"
        why = compare(got["r"], ref["r"], check)
        if why:
            return f"{what}: {why} on one of the grader's inputs{hint}"
        if check.get("unchanged"):
            inputs = list(decode(check.get("args", []))) + list(decode(check.get("kwargs", {})).values())
            sent = [encode(a) for a in inputs]
            after = got.get("after", [])
            if len(after) != len(sent) or any(compare(a, s, {"rtol": 0, "atol": 0})
                                              for a, s in zip(after, sent, strict=True)
                                              if s.get("k") in ("ndarray", "list", "seq")):
                return f"{what} modified its input{hint}"
    return None


def reference_problems(reference: list[dict], checks: list[dict]) -> list[str]:
    """What is wrong with the solution's own reply (it must pass every check of its spec)."""
    problems = []
    for ref, check in zip(reference, checks, strict=True):
        name = check.get("call") or check.get("value")
        if check.get("raises"):
            if ref["ok"]:
                problems.append(f"{name} did not raise {check['raises']}")
        elif not ref["ok"]:
            problems.append(f"{name} raised {ref.get('etype')}: {ref.get('msg', '')[:100]}")
        elif check.get("type"):
            why = compare(ref["r"], ref["r"], check)
            if why:
                problems.append(f"{name}: {why}")
    return problems
