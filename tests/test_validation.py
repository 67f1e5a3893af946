"""Tests of the shared validators in l2course._validation."""

import re
from fractions import Fraction

import numpy as np
import pytest

from l2course._validation import as_array, as_count, as_design, as_pair, as_scalar, as_weights

# --- as_array -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, expected",
    [
        ([1, 2, 3], [1.0, 2.0, 3.0]),
        ([True, False], [1.0, 0.0]),
        (np.array([-30_000], dtype=np.int16), [-30_000.0]),
        (np.array([200], dtype=np.uint8), [200.0]),
        (np.array([0.5], dtype=np.float32), [0.5]),
        ([Fraction(1, 4), 2], [0.25, 2.0]),
        ([2**70], [2.0**70]),
        (3, 3.0),
        ([[1, 2], [3, 4]], [[1.0, 2.0], [3.0, 4.0]]),
    ],
)
def test_as_array_converts_numbers_to_float64(value, expected):
    out = as_array(value, "v")
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, expected)


def test_as_array_does_not_copy_float64():
    a = np.arange(3.0)
    assert as_array(a, "v") is a


def test_as_array_keeps_nan_and_inf_unless_finite():
    out = as_array([np.nan, np.inf], "v")
    assert np.isnan(out[0]) and np.isinf(out[1])
    with pytest.raises(ValueError, match="v must contain only finite numbers"):
        as_array([1.0, np.nan], "v", finite=True)


@pytest.mark.parametrize(
    "bad, pattern",
    [
        (None, "weights must be an array of numbers; got None"),
        (["a", "b"], r"weights must hold numbers .*dtype <U1"),
        ([1, None], "weights must hold numbers .*element of type NoneType"),
        ([object()], "weights must hold numbers .*element of type object"),
        ([1 + 2j], "weights must hold numbers .*dtype complex128"),
        (np.array(["2020-01-01"], dtype="datetime64[D]"), "weights must hold numbers"),
        ({"a": 1}, "weights must hold numbers .*element of type dict"),
    ],
)
def test_as_array_rejects_non_numeric(bad, pattern):
    with pytest.raises(TypeError, match=pattern):
        as_array(bad, "weights")


def test_as_array_rejects_ragged_empty_and_wrong_ndim():
    with pytest.raises(ValueError, match=r"X is ragged .*rectangular"):
        as_array([[1, 2], [3]], "X")
    with pytest.raises(ValueError, match=r"X is empty \(shape \(0,\)\)"):
        as_array([], "X")
    with pytest.raises(ValueError, match=r"X is empty \(shape \(3, 0\)\)"):
        as_array(np.ones((3, 0)), "X")
    with pytest.raises(ValueError, match=r"X must be 2-D; got a 1-D array of shape \(2,\)"):
        as_array([1, 2], "X", ndim=2)
    with pytest.raises(ValueError, match="X must be 1-D or 2-D; got a 3-D array"):
        as_array(np.ones((1, 1, 1)), "X", ndim=(1, 2))


# --- as_pair --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape_y, shape_hat, hint",
    [
        ((5, 1), (5,), " (did you mean y.ravel()?)"),
        ((5,), (5, 1), " (did you mean y_hat.ravel()?)"),
        ((1, 5), (5,), " (did you mean y.ravel()?)"),
        ((2, 3), (3, 2), " (did you mean y_hat.T?)"),
        ((4,), (5,), ""),
        ((2, 2), (4, 1), ""),
    ],
)
def test_as_pair_refuses_to_broadcast(shape_y, shape_hat, hint):
    message = f"y has shape {shape_y} but y_hat has shape {shape_hat}; pass arrays of the same shape{hint}"
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        as_pair(np.zeros(shape_y), np.zeros(shape_hat))


def test_as_pair_message_exact_and_custom_names():
    with pytest.raises(ValueError) as info:
        as_pair(np.zeros((5, 1)), np.zeros(5))
    assert str(info.value) == (
        "y has shape (5, 1) but y_hat has shape (5,); pass arrays of the same shape (did you mean y.ravel()?)"
    )
    with pytest.raises(ValueError, match=r"^c has shape \(2,\) but cost has shape \(3,\)"):
        as_pair([1, 2], [1, 2, 3], names=("c", "cost"))


def test_as_pair_converts_both():
    y, y_hat = as_pair(np.array([1, 2], np.int8), [True, False])
    assert y.dtype == y_hat.dtype == np.float64
    np.testing.assert_array_equal(y_hat, [1.0, 0.0])


def test_as_pair_names_the_bad_argument():
    with pytest.raises(TypeError, match="^y must"):
        as_pair(None, [1.0])
    with pytest.raises(TypeError, match="^y_hat must"):
        as_pair([1.0], None)
    with pytest.raises(ValueError, match="^y_hat is empty"):
        as_pair(1.0, [])


# --- as_weights -----------------------------------------------------------------------------


def test_as_weights_accepts_and_rejects():
    assert as_weights(None, 4) is None
    np.testing.assert_array_equal(as_weights([0, 1, True], 3), [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match=r"sample_weight has shape \(2,\).*shape \(3,\)"):
        as_weights([1, 1], 3)
    with pytest.raises(ValueError, match="sample_weight must be 1-D"):
        as_weights([[1, 1, 1]], 3)
    with pytest.raises(ValueError, match=r"sample_weight must be non-negative; found -0.5 at index 2"):
        as_weights([1, 1, -0.5], 3)
    with pytest.raises(ValueError, match="sample_weight is all zero"):
        as_weights([0, 0], 2)
    with pytest.raises(ValueError, match="sample_weight must contain only finite"):
        as_weights([1, np.inf], 2)
    with pytest.raises(ValueError, match="sample_weight must contain only finite"):
        as_weights([1, np.nan], 2)
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        as_weights(["1", "2"], 2)
    with pytest.raises(ValueError, match="sample_weight is empty"):
        as_weights([], 0)


# --- as_design ------------------------------------------------------------------------------


def test_as_design_shapes_and_hints():
    X, y = as_design([[1, 2], [3, 4]], [1, 2])
    assert X.shape == (2, 2) and y.shape == (2,) and X.dtype == y.dtype == np.float64
    with pytest.raises(ValueError, match=r"X must be 2-D .*got shape \(3,\).*X\.reshape\(-1, 1\)"):
        as_design([1, 2, 3], [1, 2, 3])
    with pytest.raises(ValueError, match=r"X must be 2-D .*got shape \(1, 1, 3\)$"):
        as_design(np.ones((1, 1, 3)), [1])
    with pytest.raises(ValueError, match=r"y must be 1-D .*\(3, 1\).*y\.ravel\(\)"):
        as_design(np.ones((3, 2)), np.ones((3, 1)))
    with pytest.raises(ValueError, match="X has 3 rows but y has 4 values"):
        as_design(np.ones((3, 2)), np.ones(4))
    with pytest.raises(TypeError, match="X must hold numbers"):
        as_design([["a"]], [1])
    with pytest.raises(TypeError, match="y must be an array of numbers; got None"):
        as_design([[1.0]], None)
    with pytest.raises(ValueError, match="X is empty"):
        as_design(np.ones((0, 2)), np.ones(0))
    X, _ = as_design([[np.nan]], [1.0])  # NaN allowed by default
    assert np.isnan(X[0, 0])
    with pytest.raises(ValueError, match="X must contain only finite"):
        as_design([[np.nan]], [1.0], finite=True)


# --- as_scalar and as_count -----------------------------------------------------------------


def test_as_scalar():
    assert as_scalar(np.float32(0.5), "lr") == 0.5
    assert as_scalar(0, "alpha", minimum=0) == 0.0
    assert as_scalar(-3, "slope") == -3.0
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0; got -1"):
        as_scalar(-1, "alpha", minimum=0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0; got 0"):
        as_scalar(0, "lr", minimum=0, strict=True)
    with pytest.raises(ValueError, match="slope must be a finite number; got nan"):
        as_scalar(float("nan"), "slope")
    with pytest.raises(ValueError, match=r"lr must be a single number; got an array of shape \(2,\)"):
        as_scalar([0.1, 0.2], "lr")
    with pytest.raises(TypeError, match="lr must hold numbers"):
        as_scalar("0.1", "lr")
    with pytest.raises(TypeError, match="lr must be an array of numbers; got None"):
        as_scalar(None, "lr")


def test_as_count():
    assert as_count(np.int64(7), "n") == 7
    assert as_count(0, "n") == 0
    with pytest.raises(ValueError, match="n must be an integer >= 1; got 0"):
        as_count(0, "n", minimum=1)
    with pytest.raises(TypeError, match="n must be an integer; got a bool"):
        as_count(True, "n")
    with pytest.raises(TypeError, match="n must be an integer; got a value of type float"):
        as_count(3.0, "n")
    with pytest.raises(TypeError, match="n must be an integer; got None"):
        as_count(None, "n")
    with pytest.raises(TypeError, match="n must be an integer; got a value of type str"):
        as_count("3", "n")
