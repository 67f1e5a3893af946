"""Tests of l2course.gradients: analytic gradients against finite differences and by hand."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import l2course as l2

SEEDS = st.integers(0, 2**32 - 1)


def test_mse_grad_by_hand():
    # MSE = ((y1 - a)^2 + (y2 - b)^2) / 2  =>  dMSE/da = (a - y1), dMSE/db = (b - y2)
    np.testing.assert_allclose(l2.mse_grad([1.0, 2.0], [4.0, 0.0]), [3.0, -2.0], rtol=1e-15)


def test_mse_grad_uses_all_elements_for_2d():
    y = np.zeros((2, 3))
    y_hat = np.ones((2, 3))
    np.testing.assert_allclose(l2.mse_grad(y, y_hat), np.full((2, 3), 2.0 / 6), rtol=1e-15)


def test_mse_grad_int_input_and_nan():
    np.testing.assert_array_equal(
        l2.mse_grad(np.array([0], np.int16), np.array([30_000], np.int16)), [60_000.0]
    )
    g = l2.mse_grad([0.0, np.nan], [1.0, 1.0])
    assert g[0] == 1.0 and np.isnan(g[1])


@settings(max_examples=50, deadline=None)
@given(SEEDS, st.integers(1, 8), st.booleans())
def test_mse_grad_matches_finite_differences(seed, n, two_d):
    rng = np.random.default_rng(seed)
    shape = (n, 2) if two_d else (n,)
    y, y_hat = rng.normal(size=shape), rng.normal(size=shape)
    numeric = l2.numerical_gradient(lambda p: l2.mse(y, p), y_hat)
    assert numeric.shape == shape
    np.testing.assert_allclose(l2.mse_grad(y, y_hat), numeric, rtol=1e-6, atol=1e-8)


@settings(max_examples=50, deadline=None)
@given(SEEDS, st.integers(1, 12), st.integers(1, 5))
def test_linear_mse_grad_matches_finite_differences(seed, n, d):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    w, b = rng.normal(size=d), float(rng.normal())
    grad_w, grad_b = l2.linear_mse_grad(X, y, w, b)
    assert grad_w.shape == (d,) and isinstance(grad_b, float)
    numeric_w = l2.numerical_gradient(lambda v: l2.mse(y, X @ v + b), w)
    numeric_b = l2.numerical_gradient(lambda c: l2.mse(y, X @ w + c), b)
    np.testing.assert_allclose(grad_w, numeric_w, rtol=1e-6, atol=1e-7)
    assert grad_b == pytest.approx(float(numeric_b), rel=1e-6, abs=1e-7)


def test_linear_mse_grad_vanishes_at_least_squares_solution():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    A = np.column_stack([X, np.ones(30)])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    grad_w, grad_b = l2.linear_mse_grad(X, y, coef[:3], coef[3])
    np.testing.assert_allclose(grad_w, 0.0, atol=1e-12)
    assert grad_b == pytest.approx(0.0, abs=1e-12)


def test_linear_mse_grad_default_intercept_is_zero():
    X, y, w = [[1.0, 2.0], [3.0, 5.0]], [1.0, -1.0], [0.5, -0.5]
    gw0, gb0 = l2.linear_mse_grad(X, y, w)
    gw1, gb1 = l2.linear_mse_grad(X, y, w, 0.0)
    np.testing.assert_array_equal(gw0, gw1)
    assert gb0 == gb1
    # by hand: e = Xw - y = [-0.5 - 1, -1 + 1] = [-1.5, 0]; grad_w = X.T e = [-1.5, -3]; 2/n = 1
    np.testing.assert_allclose(gw0, [-1.5, -3.0], rtol=1e-15)
    assert gb0 == pytest.approx(-1.5, rel=1e-15)


@settings(max_examples=50, deadline=None)
@given(SEEDS, st.integers(1, 10), st.floats(0.1, 3.0))
def test_huber_derivative_matches_finite_differences(seed, n, delta):
    """A non-quadratic check: central differences are not exact here."""
    rng = np.random.default_rng(seed)
    y, y_hat = rng.normal(scale=3, size=n), rng.normal(scale=3, size=n)
    r = y - y_hat
    # keep clear of the kink |r| = delta, where the second derivative jumps
    y_hat = np.where(np.abs(np.abs(r) - delta) < 1e-3, y_hat + 0.01, y_hat)
    r = y - y_hat
    # d/d y_hat of mean huber = -psi(r) / n with psi(r) = clip(r, -delta, delta)
    analytic = -np.clip(r, -delta, delta) / n
    numeric = l2.numerical_gradient(lambda p: l2.huber(y, p, delta=delta), y_hat)
    np.testing.assert_allclose(numeric, analytic, rtol=1e-5, atol=1e-8)


def test_numerical_gradient_any_shape_and_known_function():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    g = l2.numerical_gradient(lambda v: np.sum(np.sin(v)), x)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, np.cos(x), rtol=1e-7, atol=1e-9)
    g0 = l2.numerical_gradient(lambda v: float(v) ** 3, 2.0)  # a 0-d point
    assert g0.shape == ()
    assert float(g0) == pytest.approx(12.0, rel=1e-7)


def test_numerical_gradient_error_is_second_order():
    """Halving h divides the error of a cubic's derivative by about 4 (error = h^2 f'''/6)."""
    f = lambda v: float(np.sum(v**3))  # noqa: E731
    x = np.array([1.0])
    err = [abs(l2.numerical_gradient(f, x, h=h)[0] - 3.0) for h in (1e-2, 5e-3)]
    assert err[0] == pytest.approx(1e-4, rel=1e-3)  # h^2 * 6 / 6
    assert err[0] / err[1] == pytest.approx(4.0, rel=1e-3)


def test_numerical_gradient_does_not_modify_x_and_propagates_nan():
    x = np.array([1.0, 2.0])
    l2.numerical_gradient(lambda v: float(v @ v), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])
    g = l2.numerical_gradient(lambda v: float(v @ v), [1.0, np.nan])
    assert np.all(np.isnan(g))  # f is NaN at every probe point


def test_numerical_gradient_validation():
    with pytest.raises(TypeError, match="f must be a callable"):
        l2.numerical_gradient("not a function", [1.0])
    with pytest.raises(ValueError, match="h must be a finite number > 0"):
        l2.numerical_gradient(np.sum, [1.0], h=0.0)
    with pytest.raises(ValueError, match="h must be a finite number > 0"):
        l2.numerical_gradient(np.sum, [1.0], h=-1e-6)
    with pytest.raises(ValueError, match=r"h = 1e-06 is too small for x.flat\[0\]"):
        l2.numerical_gradient(np.sum, [1e20])
    with pytest.raises(ValueError, match="f must return a single real number"):
        l2.numerical_gradient(lambda v: v * 2, [1.0, 2.0])
    with pytest.raises(ValueError, match="f must return a single real number"):
        l2.numerical_gradient(lambda v: "1.0", [1.0])
    with pytest.raises(TypeError, match="x must hold numbers"):
        l2.numerical_gradient(np.sum, ["a"])
    with pytest.raises(ValueError, match="x is empty"):
        l2.numerical_gradient(np.sum, [])


def test_linear_mse_grad_validation():
    X, y, w = np.ones((3, 2)), np.ones(3), np.ones(2)
    with pytest.raises(ValueError, match=r"X must be 2-D.*X\.reshape\(-1, 1\)"):
        l2.linear_mse_grad(np.ones(3), y, np.ones(1))
    with pytest.raises(ValueError, match=r"y must be 1-D.*y\.ravel\(\)"):
        l2.linear_mse_grad(X, np.ones((3, 1)), w)
    with pytest.raises(ValueError, match="X has 3 rows but y has 2 values"):
        l2.linear_mse_grad(X, np.ones(2), w)
    with pytest.raises(ValueError, match=r"w has shape \(3,\) but X has 2 columns"):
        l2.linear_mse_grad(X, y, np.ones(3))
    with pytest.raises(ValueError, match="w must be 1-D"):
        l2.linear_mse_grad(X, y, np.ones((2, 1)))
    with pytest.raises(ValueError, match="b must be 0-D"):
        l2.linear_mse_grad(X, y, w, b=[1.0, 2.0])
    with pytest.raises(TypeError, match="b must"):
        l2.linear_mse_grad(X, y, w, b=None)
    with pytest.raises(TypeError, match="X must hold numbers"):
        l2.linear_mse_grad([["a", "b"]], [1.0], w)
    with pytest.raises(ValueError, match="X is empty"):
        l2.linear_mse_grad(np.ones((0, 2)), np.ones(0), w)
