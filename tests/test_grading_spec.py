"""The spec language and the probe reply, without a kernel: the probe's own source runs here against a fake
IPython namespace, so encoding, decoding and the comparison are exercised exactly as in a grading run.

The laws: a reply that breaks the schema is "malformed reply from the kernel" and never an exception; the
kernel receives the inputs of the calls and nothing else of the spec; expected exceptions, unchanged inputs,
callable inputs, float32 precision and ``np.str_`` answers are judged as documented.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from l2course.grading import spec as S


def run_probe(checks: list[dict], namespace: dict, monkeypatch) -> str:
    """Execute the probe cell for these checks in ``namespace``; return the raw reply it displays."""
    import IPython
    import IPython.display

    shown = []

    class FakeHistory:
        input_hist_parsed, input_hist_raw, db_input_cache, _i00 = [""], [""], [], ""

        import threading
        db_input_cache_lock = threading.Lock()

    class FakeShell:
        user_ns, history_manager, execution_count = namespace, FakeHistory(), 1

    monkeypatch.setattr(IPython, "get_ipython", lambda: FakeShell())
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw=False: shown.append(obj))
    exec(S.probe_source(checks), {})  # noqa: S102 -- our own probe
    (reply,) = shown
    return reply[S.PROBE_MIME]


def grade_part(part: dict, student: dict, solution: dict, monkeypatch) -> str | None:
    S.validate({"parts": {"p": part}})
    checks = S.expand({"seed": 3, "parts": {"p": part}})["p"]
    reference = S.parse_reply(run_probe(checks, solution, monkeypatch), len(checks))
    assert not S.reference_problems(reference, checks)
    return S.judge(run_probe(checks, student, monkeypatch), reference, checks)


def safe_mean(y):
    y = np.asarray(y, dtype=float)
    if y.size == 0:
        raise ValueError("y is empty")
    return float(y.mean())


PART = {"checks": [{"call": "m", "args": [[1, 2, 3]], "type": "scalar"},
                   {"call": "m", "args": [[]], "raises": "ValueError", "match": "empty"}]}


def test_expected_exception(monkeypatch):
    assert grade_part(PART, {"m": safe_mean}, {"m": safe_mean}, monkeypatch) is None
    never_raises = {"m": lambda y: float(np.mean(y)) if len(y) else 0.0}
    assert "instead of raising ValueError" in grade_part(PART, never_raises, {"m": safe_mean}, monkeypatch)

    def wrong_type(y):
        if not len(y):
            raise TypeError("empty")
        return safe_mean(y)
    assert "raised TypeError, not ValueError" in grade_part(PART, {"m": wrong_type}, {"m": safe_mean}, monkeypatch)


def test_unchanged_inputs_and_callables(monkeypatch):
    part = {"checks": [{"call": "g", "args": [{"func": "lambda v: np.sum(c * v ** 2)", "bind": {"c": 3.0}},
                                              {"normal": [2, 3]}], "unchanged": True, "rtol": 1e-6}]}

    def grad(f, x):
        x = np.array(x, dtype=float)
        out = np.zeros_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e.flat[i] = 1e-6
            out.flat[i] = (f(x + e) - f(x - e)) / 2e-6
        return out

    def grad_in_place(f, x):
        g = grad(f, x)
        x += 1.0
        return g
    assert grade_part(part, {"g": grad}, {"g": grad}, monkeypatch) is None
    assert "modified its input" in grade_part(part, {"g": grad_in_place}, {"g": grad}, monkeypatch)


def test_float32_and_numpy_strings(monkeypatch):
    part = {"checks": [{"call": "sq", "args": [{"normal": [5]}]}, {"value": "answer", "exact": True}]}
    solution = {"sq": lambda a: np.asarray(a, float) ** 2, "answer": "b"}
    student = {"sq": lambda a: np.asarray(a, np.float32) ** 2, "answer": np.array(["a", "b"])[1]}
    assert grade_part(part, student, solution, monkeypatch) is None
    part["checks"][0]["float64"] = True
    assert "wrong value" in grade_part(part, student, solution, monkeypatch)


def test_the_kernel_receives_only_the_inputs():
    checks = S.expand({"seed": 1, "parts": {"p": {"checks": [
        {"call": "f", "args": [[1.0]], "hint": "SECRET-HINT", "rtol": 0.123, "raises": "ValueError",
         "match": "SECRET-MATCH", "id": "SECRET-ID"}]}}})["p"]
    source = S.probe_source(checks)
    for secret in ("SECRET-HINT", "SECRET-MATCH", "SECRET-ID", "0.123", "ValueError"):
        assert secret not in source


@pytest.mark.parametrize("reply", [
    '[{"ok": true, "r": {"k": "ndarray", "dtype": "f8", "shape": 3, "v": [1, 2, 3]}}]',   # shape an int
    '[{"ok": true, "r": {"k": "ndarray", "dtype": "f8", "shape": [2], "v": [1, 2, 3]}}]',  # size mismatch
    '[{"ok": true, "r": {"k": "scalar", "v": "1"}}]',                                        # a string number
    '[{"ok": true}]', '[{"ok": "yes", "r": {"k": "none"}}]', '[]', '{}', "not json", "[" * 100_000,
    '[{"ok": false, "etype": "ValueError"}]',                                                 # no mro
    '[{"ok": true, "r": {"k": "seq", "t": "tuple", "items": [' + ",".join(['{"k": "none"}'] * 1001) + "]}}]",
    json.dumps([{"ok": True, "r": {"k": "str", "v": "x" * 5000}}]),
    json.dumps([{"ok": True, "r": {"k": "ndarray", "dtype": "f8", "shape": [True], "v": [1.0]}}]),
    json.dumps([{"ok": True, "r": {"k": "ndarray", "dtype": "f8", "shape": [1], "v": [1.0]}, "extra": 1}]),
])
def test_malformed_replies_score_zero_without_raising(reply):
    checks = [{"call": "f", "args": [], "kwargs": {}}]
    reference = [{"ok": True, "r": S.encode(np.zeros(3))}]
    assert S.judge(reply, reference, checks) == S.MALFORMED


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=3), kids, max_size=3),
                    max_leaves=20))
def test_judge_never_raises_on_any_json(value):
    checks = [{"call": "f", "args": [], "kwargs": {}}]
    reference = [{"ok": True, "r": S.encode((np.zeros(2), 1.0))}]
    result = S.judge(json.dumps([{"ok": True, "r": value}]), reference, checks)
    assert result is None or isinstance(result, str)


def test_bad_specs_fail_loudly():
    bad = [
        ({"parts": {"p": {"checks": [{"call": "f", "raises": "NoSuchError"}]}}}, "not a built-in exception"),
        ({"parts": {"p": {"checks": [{"call": "f", "args": [{"normal": [2], "uniform": [2]}]}]}}}, "one generator"),
        ({"parts": {"p": {"checks": [{"call": "f", "value": "x"}]}}}, "exactly one"),
        ({"parts": {"p": {"checks": [{"call": "f", "args": [{"func": "np.sum"}]}]}}}, "lambda"),
        ({"parts": {"p": {"checks": []}}}, "non-empty"),
    ]
    for spec, message in bad:
        with pytest.raises(ValueError, match=message):
            S.validate(spec)
