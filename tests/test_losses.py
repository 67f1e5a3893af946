"""Tests of l2course.losses: identities, independent references and scikit-learn."""

import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.special
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import (
    mean_absolute_error,
    mean_squared_error,
    root_mean_squared_error,
)

import l2course as l2

FINITE = st.floats(-1e6, 1e6)
POSITIVE = st.floats(0.1, 10)


def vectors(min_size=1, max_size=50, elements=FINITE):
    return arrays(np.float64, st.integers(min_size, max_size), elements=elements)


@st.composite
def pairs(draw, max_size=50, elements=FINITE):
    """Two float arrays of the same (1-D or 2-D) shape."""
    shape = draw(
        st.one_of(
            st.tuples(st.integers(1, max_size)),
            st.tuples(st.integers(1, 10), st.integers(1, 5)),
        )
    )
    y = draw(arrays(np.float64, shape, elements=elements))
    y_hat = draw(arrays(np.float64, shape, elements=elements))
    return y, y_hat


ALL_LOSSES = [l2.sse, l2.mse, l2.rmse, l2.mae, l2.huber, l2.l2_loss]


# --- worked examples, computed by hand ------------------------------------------------------


def test_house_prices_by_hand():
    y, y_hat = l2.house_price_example()
    # residuals -20 000, 15 000, -5 000 dollars
    expected = np.array([20_000.0**2, 15_000.0**2, 5_000.0**2])
    np.testing.assert_array_equal(l2.squared_error(y, y_hat), expected)
    assert l2.sse(y, y_hat) == 6.5e8
    assert l2.mse(y, y_hat) == pytest.approx(6.5e8 / 3, rel=1e-15)
    assert l2.rmse(y, y_hat) == pytest.approx(math.sqrt(6.5e8 / 3), rel=1e-15)
    assert l2.mae(y, y_hat) == pytest.approx(40_000 / 3, rel=1e-15)


def test_squared_error_keeps_shape():
    y = np.arange(6.0).reshape(2, 3)
    out = l2.squared_error(y, np.zeros((2, 3)))
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out, y**2)


def test_inputs_are_not_modified():
    y, y_hat = np.array([1.0, 2.0, 3.0]), np.array([0.0, 0.0, 0.0])
    for f in (l2.squared_error, l2.mse, l2.mae, l2.huber, l2.sse):
        f(y, y_hat)
    np.testing.assert_array_equal(y, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(y_hat, [0.0, 0.0, 0.0])


# --- integer, bool and exotic numeric input is computed in float ----------------------------


def test_int16_prices_do_not_overflow():
    y = np.array([30_000, -30_000, 100], dtype=np.int16)
    y_hat = np.array([-30_000, 30_000, 0], dtype=np.int16)
    # in int16 both the difference (60 000) and its square overflow
    expected = np.array([60_000.0**2, 60_000.0**2, 100.0**2])
    np.testing.assert_array_equal(l2.squared_error(y, y_hat), expected)
    assert l2.sse(y, y_hat) == expected.sum()
    assert l2.mse(y, y_hat) == pytest.approx(expected.mean(), rel=1e-15)
    assert l2.mae(y, y_hat) == pytest.approx((60_000 + 60_000 + 100) / 3, rel=1e-15)


def test_unsigned_and_int64_do_not_wrap():
    # uint8: 0 - 255 wraps to 1 in integer arithmetic
    assert l2.sse(np.array([0], np.uint8), np.array([255], np.uint8)) == 255.0**2
    # int64: (4e9)**2 = 1.6e19 exceeds the int64 maximum 9.2e18
    assert l2.sse(np.array([4_000_000_000]), np.array([0])) == 1.6e19


def test_bool_and_python_number_input():
    assert l2.mse([True, False, True, True], [False, False, False, False]) == 0.75
    assert l2.sse([2**70], [0]) == 2.0**140  # too large for int64: an object array of ints
    assert l2.sse([Fraction(1, 2)], [0]) == 0.25


def test_scalars_are_one_element():
    assert l2.mse(3, 5) == 4.0
    assert l2.squared_error(3, 5) == 4.0


# --- NaN propagates -------------------------------------------------------------------------


@pytest.mark.parametrize("f", ALL_LOSSES)
def test_nan_propagates(f):
    y = np.array([1.0, np.nan, 3.0])
    assert math.isnan(f(y, np.zeros(3)))
    assert math.isnan(f(np.zeros(3), y))


def test_nan_propagates_elementwise_and_weighted():
    out = l2.squared_error([1.0, np.nan, 3.0], [0.0, 0.0, 0.0])
    assert out[0] == 1.0 and math.isnan(out[1]) and out[2] == 9.0
    assert math.isnan(l2.mse([1.0, np.nan], [0.0, 0.0], sample_weight=[1.0, 2.0]))
    assert math.isnan(l2.sse([1.0, np.nan], [0.0, 0.0], sample_weight=[1.0, 2.0]))
    assert math.isnan(l2.mae([1.0, np.nan], [0.0, 0.0], sample_weight=[1.0, 2.0]))
    h = l2.huber([1.0, np.nan, 5.0], [0.0, 0.0, 0.0], reduction="none")
    assert math.isnan(h[1]) and h[0] == 0.5 and h[2] == 4.5


def test_infinity_gives_infinity():
    assert l2.mse([np.inf, 0.0], [0.0, 0.0]) == np.inf


# --- shapes are never broadcast -------------------------------------------------------------


@pytest.mark.parametrize("f", [*ALL_LOSSES, l2.squared_error, l2.mse_grad])
def test_column_vs_flat_raises(f):
    y, y_hat = np.ones((5, 1)), np.zeros(5)
    with pytest.raises(ValueError, match=r"y has shape \(5, 1\) but y_hat has shape \(5,\)"):
        f(y, y_hat)
    with pytest.raises(ValueError, match=r"did you mean y_hat\.ravel\(\)\?"):
        f(y_hat, y)


def test_shape_message_is_the_documented_one():
    with pytest.raises(ValueError) as info:
        l2.mse(np.zeros((5, 1)), np.zeros(5))
    assert str(info.value) == (
        "y has shape (5, 1) but y_hat has shape (5,); pass arrays of the same shape (did you mean y.ravel()?)"
    )


@pytest.mark.parametrize("f", ALL_LOSSES)
def test_empty_raises(f):
    with pytest.raises(ValueError, match="y is empty"):
        f([], [])


@pytest.mark.parametrize("f", ALL_LOSSES)
@pytest.mark.parametrize("bad", [None, ["a", "b"], [1, None], [object(), 1.0], [1j, 2.0]])
def test_non_numeric_raises_type_error_naming_the_argument(f, bad):
    with pytest.raises(TypeError, match="^y_hat must"):
        f([1.0, 2.0], bad)
    with pytest.raises(TypeError, match="^y must"):
        f(bad, [1.0, 2.0])


@pytest.mark.parametrize("f", ALL_LOSSES)
def test_ragged_raises(f):
    with pytest.raises(ValueError, match="y_hat is ragged"):
        f([[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0]])


# --- sample_weight --------------------------------------------------------------------------


@pytest.mark.parametrize("f", [l2.sse, l2.mse, l2.rmse, l2.mae])
def test_sample_weight_validation(f):
    y = np.arange(4.0)
    with pytest.raises(ValueError, match=r"sample_weight has shape \(3,\).*expected shape \(4,\)"):
        f(y, y, sample_weight=[1, 1, 1])
    with pytest.raises(ValueError, match="sample_weight must be non-negative"):
        f(y, y, sample_weight=[1, -1, 1, 1])
    with pytest.raises(ValueError, match="sample_weight is all zero"):
        f(y, y, sample_weight=[0, 0, 0, 0])
    with pytest.raises(ValueError, match="sample_weight must contain only finite"):
        f(y, y, sample_weight=[1, np.nan, 1, 1])
    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        f(y, y, sample_weight=["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="sample_weight must be 1-D"):
        f(y, y, sample_weight=np.ones((4, 1)))
    with pytest.raises(ValueError, match="sample_weight needs y and y_hat with at least one"):
        f(1.0, 2.0, sample_weight=[1.0])


@settings(max_examples=50)
@given(
    st.lists(st.tuples(FINITE, FINITE, st.integers(0, 4)), min_size=1, max_size=20).filter(
        lambda rows: any(k > 0 for _, _, k in rows)
    )
)
def test_integer_weights_equal_repeated_rows(rows):
    y = np.array([r[0] for r in rows])
    y_hat = np.array([r[1] for r in rows])
    w = np.array([r[2] for r in rows])
    y_rep, y_hat_rep = np.repeat(y, w), np.repeat(y_hat, w)
    for f in (l2.mse, l2.sse, l2.mae, l2.rmse):
        assert f(y, y_hat, sample_weight=w) == pytest.approx(f(y_rep, y_hat_rep), rel=1e-9, abs=1e-200)


def test_weighted_2d_weights_rows():
    y = np.array([[1.0, 3.0], [0.0, 0.0], [2.0, 2.0]])
    w = np.array([2.0, 5.0, 1.0])
    # every element of row i carries weight w_i: sum(w_i * sum_j r_ij^2) / (2 * sum(w))
    expected = (2 * (1 + 9) + 5 * 0 + 1 * (4 + 4)) / (2 * 8.0)
    assert l2.mse(y, np.zeros_like(y), sample_weight=w) == pytest.approx(expected, rel=1e-15)
    assert l2.sse(y, np.zeros_like(y), sample_weight=w) == 2 * 10 + 8


# --- mathematical laws (hypothesis) ----------------------------------------------------------


@given(pairs())
def test_losses_are_non_negative(pair):
    y, y_hat = pair
    assert np.all(l2.squared_error(y, y_hat) >= 0)
    for f in ALL_LOSSES:
        assert f(y, y_hat) >= 0


@given(pairs())
def test_zero_loss_for_perfect_predictions(pair):
    y, _ = pair
    for f in ALL_LOSSES:
        assert f(y, y.copy()) == 0.0


@given(pairs())
def test_mse_is_sse_over_number_of_elements(pair):
    y, y_hat = pair
    assert l2.mse(y, y_hat) == pytest.approx(l2.sse(y, y_hat) / y.size, rel=1e-12, abs=1e-300)


@given(vectors(), POSITIVE)
def test_mse_scales_quadratically(residual, c):
    zeros = np.zeros_like(residual)
    assert l2.mse(c * residual, zeros) == pytest.approx(c**2 * l2.mse(residual, zeros), rel=1e-9, abs=1e-250)


@given(pairs())
def test_rmse_squared_is_mse(pair):
    y, y_hat = pair
    assert l2.rmse(y, y_hat) ** 2 == pytest.approx(l2.mse(y, y_hat), rel=1e-12, abs=1e-300)


@given(pairs())
def test_l2_loss_reductions_are_consistent(pair):
    y, y_hat = pair
    none = l2.l2_loss(y, y_hat, reduction="none")
    assert none.shape == y.shape
    np.testing.assert_array_equal(none, (y - y_hat) ** 2)
    total = l2.l2_loss(y, y_hat, reduction="sum")
    mean = l2.l2_loss(y, y_hat, reduction="mean")
    assert total == pytest.approx(math.fsum(none.ravel()), rel=1e-12, abs=1e-300)
    assert mean == pytest.approx(total / y.size, rel=1e-12, abs=1e-300)
    assert l2.l2_loss(y, y_hat) == mean  # the default is "mean"


@given(pairs())
def test_matches_math_fsum(pair):
    """An exactly rounded reference sum, independent of NumPy's summation order."""
    y, y_hat = pair
    ref = math.fsum(float(a - b) ** 2 for a, b in zip(y.ravel(), y_hat.ravel(), strict=True))
    assert l2.sse(y, y_hat) == pytest.approx(ref, rel=1e-12, abs=1e-300)


@given(vectors(min_size=2, elements=st.floats(-1e3, 1e3)), st.floats(1e-3, 10))
def test_mean_minimizes_sse_among_constants(y, eps):
    mean = y.mean()
    best = l2.sse(y, np.full_like(y, mean))
    for c in (mean + eps, mean - eps):
        # SSE(c) = SSE(mean) + n (c - mean)^2: strictly larger, by a known amount
        other = l2.sse(y, np.full_like(y, c))
        assert other > best
        assert other - best == pytest.approx(y.size * eps**2, rel=1e-6, abs=1e-12 * (best + other))


@settings(max_examples=30, deadline=None)
@given(vectors(min_size=2, elements=st.floats(-100, 100)))
def test_mean_is_the_grid_minimizer(y):
    grid = np.linspace(y.min() - 1, y.max() + 1, 2001)
    costs = np.array([l2.sse(y, np.full_like(y, c)) for c in grid])
    spacing = grid[1] - grid[0]
    assert abs(grid[np.argmin(costs)] - y.mean()) <= spacing
    # no grid point beats the mean (up to round-off in the sums of squares)
    round_off = 1e-12 * y.size * (np.max(np.abs(y)) + 1) ** 2
    assert costs.min() >= l2.sse(y, np.full_like(y, y.mean())) - round_off


# --- scikit-learn as an independent reference -----------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 4),
    st.integers(0, 2**32 - 1),
    st.booleans(),
    st.booleans(),
)
def test_agrees_with_scikit_learn(n, k, seed, two_d, weighted):
    rng = np.random.default_rng(seed)
    shape = (n, k) if two_d else (n,)
    y = rng.normal(scale=10, size=shape)
    y_hat = y + rng.normal(size=shape)
    w = rng.uniform(0, 3, size=n) if weighted else None
    assert l2.mse(y, y_hat, sample_weight=w) == pytest.approx(mean_squared_error(y, y_hat, sample_weight=w), rel=1e-12)
    assert l2.mae(y, y_hat, sample_weight=w) == pytest.approx(mean_absolute_error(y, y_hat, sample_weight=w), rel=1e-12)
    if two_d:
        # scikit-learn averages per-column RMSEs; ours is sqrt of the MSE over all elements
        expected = math.sqrt(mean_squared_error(y, y_hat, sample_weight=w))
    else:
        expected = root_mean_squared_error(y, y_hat, sample_weight=w)
    assert l2.rmse(y, y_hat, sample_weight=w) == pytest.approx(expected, rel=1e-12)


# --- l2_loss and huber ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["avg", "MEAN", None, "sum "])
def test_l2_loss_rejects_unknown_reduction(bad):
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none'"):
        l2.l2_loss([1.0], [2.0], reduction=bad)
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum', 'none'"):
        l2.huber([1.0], [2.0], reduction=bad)


def huber_reference(r, delta):
    """The piecewise definition, one element at a time in plain Python."""
    a = abs(r)
    return 0.5 * r * r if a <= delta else delta * a - 0.5 * delta * delta


@given(vectors(elements=st.floats(-1e3, 1e3)), st.floats(0.01, 100))
def test_huber_matches_piecewise_formula_and_scipy(residual, delta):
    zeros = np.zeros_like(residual)
    per_element = l2.huber(residual, zeros, delta=delta, reduction="none")
    expected = np.array([huber_reference(float(r), delta) for r in residual])
    np.testing.assert_allclose(per_element, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(per_element, scipy.special.huber(delta, residual), rtol=1e-12)
    assert l2.huber(residual, zeros, delta=delta) == pytest.approx(expected.mean(), rel=1e-12)
    assert l2.huber(residual, zeros, delta=delta, reduction="sum") == pytest.approx(
        math.fsum(expected), rel=1e-12, abs=1e-12
    )
    # symmetric in the sign of the residual
    np.testing.assert_array_equal(l2.huber(zeros, residual, delta=delta, reduction="none"), per_element)


@given(vectors(elements=st.floats(-0.999, 0.999)))
def test_huber_is_half_squared_error_near_zero(residual):
    zeros = np.zeros_like(residual)
    np.testing.assert_allclose(
        l2.huber(residual, zeros, delta=1.0, reduction="none"),
        0.5 * l2.squared_error(residual, zeros),
        rtol=1e-15,
        atol=1e-300,  # squares of tiny residuals underflow to subnormals, rounded differently
    )


@given(st.floats(0.01, 100))
def test_huber_is_continuous_and_linear_beyond_delta(delta):
    eps = 1e-9 * delta
    left = l2.huber([delta - eps], [0.0], delta=delta)
    right = l2.huber([delta + eps], [0.0], delta=delta)
    assert left == pytest.approx(0.5 * delta**2, rel=1e-6)
    assert right == pytest.approx(0.5 * delta**2, rel=1e-6)
    # slope delta far out
    far = l2.huber([10 * delta, 11 * delta], [0.0, 0.0], delta=delta, reduction="none")
    assert far[1] - far[0] == pytest.approx(delta * delta, rel=1e-9)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf])
def test_huber_rejects_bad_delta(bad):
    with pytest.raises(ValueError, match="delta must be a finite number > 0"):
        l2.huber([1.0], [2.0], delta=bad)


def test_huber_rejects_non_numeric_delta():
    with pytest.raises(TypeError, match="delta must hold numbers"):
        l2.huber([1.0], [2.0], delta="1")
    with pytest.raises(ValueError, match="delta must be a single number"):
        l2.huber([1.0], [2.0], delta=[1.0, 2.0])
