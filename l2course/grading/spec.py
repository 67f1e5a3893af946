"""Grading specs: which names each graded part calls, on which inputs, compared how.

A spec is ``solutions/NN_x/grading.json`` beside the solution notebook (listed in ``CourseDirectory.ignore``,
so it never reaches ``exercises/``)::

    {"seed": 101,
     "parts": {
       "q1_tests": {"hint": "...", "checks": [
           {"call": "squared_error", "args": [[3, 5, 0], [1, 5, 4]], "type": "ndarray"},
           {"call": "squared_error", "for": {"s": [[1], [5, 3]]},
            "args": [{"normal": "$s", "scale": 10}, {"normal": "$s", "scale": 10}], "rtol": 1e-12}]},
       "q4_tests": {"checks": [{"value": "answer_q4", "exact": true}]}}}

A check either calls a function (``call`` with ``args``/``kwargs``) or reads a variable (``value``). Inputs are
JSON literals (lists stay lists) or generators drawn in the grader's process from ``seed``:
``{"normal": shape, "loc": 0, "scale": 1}``, ``{"uniform": shape, "low": 0, "high": 1}``,
``{"integers": shape, "low": 0, "high": 10, "dtype": "int64"}``, ``{"array": data, "dtype": "int8"}``,
``{"list": generator}`` (as nested lists), ``{"ref": "name"}`` (a value drawn once under ``"let"``).
``"for": {"var": [v1, v2]}`` repeats a check with ``"$var"`` replaced by each value; ``"repeat": n`` draws n
times. Comparison: ``exact`` (strings, choices) or ``rtol``/``atol`` (default 1e-9/1e-12) with the
reference's shape; ``type`` may require ``"ndarray"``, ``"scalar"`` (a single number) or ``"float_dtype"``.

The student's kernel only ever sees the inputs and returns plain JSON values; the reference values come from
the solution notebook run the same way in a separate, clean kernel; the comparison happens here.

>>> spec = {"seed": 1, "parts": {"p": {"checks": [{"call": "f", "for": {"n": [2, 3]},
...         "args": [{"normal": ["$n"]}]}]}}}
>>> checks = expand(spec)["p"]
>>> [len(c["args"][0]["__nd__"]) for c in checks]
[2, 3]
>>> compare({"k": "scalar", "v": 1.0 + 1e-13}, {"k": "scalar", "v": 1.0}, {})
>>> compare({"k": "ndarray", "shape": [2], "v": [1.0, 2.0]}, {"k": "ndarray", "shape": [3], "v": [1, 2, 3]}, {})
'wrong shape'
"""

from __future__ import annotations

import json
import math
from pathlib import Path

PROBE_MIME = "application/vnd.l2course.probe+json"
SPEC_NAMES = ("grading.json",)
DEFAULT_RTOL = 1e-9
DEFAULT_ATOL = 1e-12


def find_spec(source_dir: Path) -> Path | None:
    for name in SPEC_NAMES:
        if (Path(source_dir) / name).is_file():
            return Path(source_dir) / name
    return None


def load_spec(path: Path | None) -> dict | None:
    if path is None:
        return None
    spec = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(spec.get("parts"), dict):
        raise ValueError(f"{path}: a grading spec needs a 'parts' object")
    return spec


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
    import numpy as np

    if isinstance(obj, list):
        return [_draw(x, rng, let) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "ref" in obj:
        return let[obj["ref"]]
    if "list" in obj:
        value = _draw(obj["list"], rng, let)
        return value["__nd__"] if isinstance(value, dict) and "__nd__" in value else value
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


def expand(spec: dict) -> dict[str, list[dict]]:
    """The concrete checks of every part, drawn deterministically from the spec's seed."""
    import numpy as np

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


PROBE_TEMPLATE = r'''
def _l2course_probe(_spec):
    import json as _json
    import numpy as _np
    from IPython import get_ipython as _gi
    from IPython.display import display as _display
    _ns = _gi().user_ns

    def _dec(a):
        if isinstance(a, dict) and "__nd__" in a:
            return _np.array(a["__nd__"], dtype=_np.dtype(a["dtype"])).reshape(a["shape"])
        if isinstance(a, list):
            return [_dec(x) for x in a]
        if isinstance(a, dict):
            return {k: _dec(v) for k, v in a.items()}
        return a

    def _enc(r):
        if r is None:
            return {"k": "none"}
        if type(r) is bool or isinstance(r, _np.bool_):
            return {"k": "bool", "v": bool(r)}
        if type(r) is str:
            return {"k": "str", "v": r[:1000]}
        if isinstance(r, _np.ndarray):
            if r.size > 2_000_000:
                return {"k": "toolarge"}
            if r.dtype.kind in "biuf":
                return {"k": "ndarray", "dtype": r.dtype.kind, "shape": list(r.shape),
                        "v": r.astype(float).ravel().tolist()}
            return {"k": "other", "t": "ndarray of " + str(r.dtype)}
        if isinstance(r, (int, float, _np.integer, _np.floating)):
            return {"k": "scalar", "t": type(r).__name__, "v": float(r)}
        if isinstance(r, (list, tuple)):
            try:
                a = _np.asarray(r, dtype=float)
            except Exception:
                return {"k": "other", "t": type(r).__name__}
            return {"k": "list", "shape": list(a.shape), "v": a.ravel().tolist()}
        return {"k": "other", "t": type(r).__name__}

    _out = []
    for _c in _json.loads(_spec):
        try:
            if "value" in _c:
                if _c["value"] not in _ns:
                    raise NameError("name %r is not defined" % _c["value"])
                _r = _ns[_c["value"]]
            else:
                if _c["call"] not in _ns:
                    raise NameError("name %r is not defined" % _c["call"])
                _r = _ns[_c["call"]](*_dec(_c["args"]), **_dec(_c["kwargs"]))
            _out.append({"ok": True, "r": _enc(_r)})
        except (Exception, SystemExit) as _e:
            _out.append({"ok": False, "error": type(_e).__name__ + ": " + str(_e)[:200]})
    _display({MIME: _json.dumps(_out)}, raw=True)

_l2course_probe(SPEC)
del _l2course_probe
'''


def probe_source(checks: list[dict]) -> str:
    """The cell that asks the student's kernel for plain values of this part's names on these inputs."""
    payload = [{k: c[k] for k in ("call", "value", "args", "kwargs") if k in c} for c in checks]
    return PROBE_TEMPLATE.replace("MIME", repr(PROBE_MIME)).replace("SPEC", repr(json.dumps(payload))).strip() + "\n"


def parse_probe(raw) -> list[dict] | None:
    """The probe's payload as sent by the kernel: a list of {"ok", "r"|"error"} (anything else: None)."""
    try:
        data = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return None
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        return None
    return data


def _numbers(enc: dict):
    if enc.get("k") == "scalar":
        return [], [enc.get("v")]
    if enc.get("k") in ("ndarray", "list"):
        return list(enc.get("shape", [])), enc.get("v")
    return None, None


def _close(a, b, rtol: float, atol: float) -> bool:
    if not isinstance(a, int | float) or isinstance(a, bool):
        return False
    if math.isnan(b):
        return math.isnan(a)
    if math.isinf(b):
        return a == b
    return abs(a - b) <= atol + rtol * abs(b)


def compare(got: dict, ref: dict, check: dict) -> str | None:
    """None when the student's encoded value matches the reference under the check's rules, else why not."""
    if not isinstance(got, dict):
        return "no value"
    kind = got.get("k")
    want = check.get("type")
    if check.get("exact") or ref.get("k") in ("str", "bool", "none"):
        return None if (got.get("k"), got.get("v")) == (ref.get("k"), ref.get("v")) else "wrong answer"
    if want == "ndarray" and kind != "ndarray":
        return "not a NumPy array"
    if want == "float_dtype" and not (kind == "ndarray" and got.get("dtype") == "f"):
        return "not a float array"
    ref_shape, ref_values = _numbers(ref)
    shape, values = _numbers(got)
    if shape is None:
        return f"not a number or an array (a {got.get('t', kind)})"
    if ref_shape == [] and shape != []:
        return "not a single number"
    if shape != ref_shape:
        return "wrong shape"
    if not isinstance(values, list) or len(values) != len(ref_values):
        return "wrong shape"
    rtol, atol = float(check.get("rtol", DEFAULT_RTOL)), float(check.get("atol", DEFAULT_ATOL))
    if not all(_close(a, b, rtol, atol) for a, b in zip(values, ref_values, strict=True)):
        return "wrong value"
    return None
