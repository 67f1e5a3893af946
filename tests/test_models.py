"""Tests of l2course.models against numpy.linalg, scikit-learn and optimality conditions."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LinearRegression, Ridge

import l2course as l2

SEEDS = st.integers(0, 2**32 - 1)
ALPHAS = [1e-3, 0.1, 1.0, 10.0, 1e3]


def random_problem(seed, n, d):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(scale=2, size=d)
    y = X @ rng.normal(size=d) + rng.normal(scale=2) + rng.normal(scale=0.5, size=n)
    return X, y


def rel_err(model, w, b):
    """Relative distance between (model.w, model.b) and (w, b), in the Euclidean norm."""
    ours, ref = np.append(model.w, model.b), np.append(w, b)
    return np.linalg.norm(ours - ref) / np.linalg.norm(ref)


def ridge_objective_gradient(X, y, w, b, alpha):
    """Gradient of ||y - Xw - b||^2 + alpha ||w||^2 in (w, b): zero at the minimizer."""
    e = X @ w + b - y
    return np.append(2 * X.T @ e + 2 * alpha * w, 2 * e.sum())


# --- LinearModel ----------------------------------------------------------------------------


def test_linear_model_is_a_named_tuple_and_predicts():
    model = l2.LinearModel(w=np.array([1.0, -2.0]), b=3.0)
    w, b = model
    assert b == 3.0 and model.w is w
    X = np.array([[1.0, 1.0], [2.0, 0.5], [0.0, 0.0]])
    np.testing.assert_array_equal(model.predict(X), [2.0, 4.0, 3.0])


def test_linear_model_predict_validation():
    model = l2.LinearModel(w=np.array([1.0, -2.0]), b=0.0)
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\).*got shape \(3, 3\)"):
        model.predict(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"X must have shape \(m, 2\).*X\.reshape\(-1, 1\)"):
        model.predict(np.ones(2))
    with pytest.raises(TypeError, match="X must hold numbers"):
        model.predict([["a", "b"]])


# --- least squares --------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(SEEDS, st.integers(1, 6), st.integers(0, 30), st.booleans())
def test_least_squares_matches_lstsq_on_augmented_design(seed, d, extra, fit_intercept):
    n = d + 2 + extra  # full column rank with the intercept column
    X, y = random_problem(seed, n, d)
    model = l2.fit_least_squares(X, y, fit_intercept=fit_intercept)
    A = np.column_stack([X, np.ones(n)]) if fit_intercept else X
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    w, b = (coef[:-1], coef[-1]) if fit_intercept else (coef, 0.0)
    assert rel_err(model, w, b) < 1e-8
    assert isinstance(model.b, float) and model.w.shape == (d,)
    if not fit_intercept:
        assert model.b == 0.0


@settings(max_examples=40, deadline=None)
@given(SEEDS, st.integers(2, 25), st.integers(1, 25), st.booleans())
def test_least_squares_matches_scikit_learn(seed, n, d, fit_intercept):
    """Includes n < d: both return the minimum-norm solution on the centred data."""
    X, y = random_problem(seed, n, d)
    model = l2.fit_least_squares(X, y, fit_intercept=fit_intercept)
    ref = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert rel_err(model, ref.coef_, ref.intercept_) < 1e-8


def test_least_squares_rank_deficient_is_minimum_norm():
    X, y = random_problem(0, 40, 3)
    X = np.column_stack([X, X[:, 0]])  # a duplicated column
    model = l2.fit_least_squares(X, y)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    np.testing.assert_allclose(model.w, np.linalg.pinv(Xc) @ yc, rtol=1e-9)
    assert model.w[0] == pytest.approx(model.w[3], rel=1e-9)  # the weight is split evenly
    # and it is a minimizer: the normal equations hold
    np.testing.assert_allclose(Xc.T @ (Xc @ model.w - yc), 0.0, atol=1e-9)


def test_least_squares_exact_line_and_normal_equations():
    x = np.array([0.0, 1.0, 2.0, 3.0])
    model = l2.fit_least_squares(x.reshape(-1, 1), 1.5 - 0.5 * x)
    assert model.w[0] == pytest.approx(-0.5, rel=1e-12)
    assert model.b == pytest.approx(1.5, rel=1e-12)


def test_least_squares_does_not_invert(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("fit_least_squares must not call np.linalg.inv")

    monkeypatch.setattr(np.linalg, "inv", forbidden)
    X, y = random_problem(1, 10, 2)
    l2.fit_least_squares(X, y)


def test_least_squares_validation():
    with pytest.raises(ValueError, match="X must contain only finite numbers"):
        l2.fit_least_squares([[1.0], [np.nan]], [1.0, 2.0])
    with pytest.raises(ValueError, match="y must contain only finite numbers"):
        l2.fit_least_squares([[1.0], [2.0]], [1.0, np.inf])
    with pytest.raises(ValueError, match=r"X must be 2-D.*X\.reshape\(-1, 1\)"):
        l2.fit_least_squares([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="X has 2 rows but y has 3 values"):
        l2.fit_least_squares([[1.0], [2.0]], [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="y must hold numbers"):
        l2.fit_least_squares([[1.0], [2.0]], ["a", "b"])


# --- ridge ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n, d", [(50, 5), (8, 20), (3, 1), (12, 12)])
@pytest.mark.parametrize("alpha", ALPHAS)
@pytest.mark.parametrize("solver", ["svd", "cholesky"])
def test_ridge_matches_scikit_learn(n, d, alpha, fit_intercept, solver):
    X, y = random_problem(n * 1000 + d, n, d)
    model = l2.fit_ridge(X, y, alpha, fit_intercept=fit_intercept)
    ref = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver=solver).fit(X, y)
    assert rel_err(model, ref.coef_, ref.intercept_) < 1e-8
    # the comparison is genuine: the penalty moved the solution away from least squares
    ols = l2.fit_least_squares(X, y, fit_intercept=fit_intercept)
    assert rel_err(ols, ref.coef_, ref.intercept_) > 1e-6
    # and it is the minimizer: the gradient of the objective vanishes (b unpenalized)
    grad = ridge_objective_gradient(X, y, model.w, model.b, alpha)
    if not fit_intercept:
        grad = grad[:-1]
    scale = np.linalg.norm(X, 2) ** 2 * (np.linalg.norm(model.w) + abs(model.b)) + np.linalg.norm(X.T @ y)
    assert np.linalg.norm(grad) < 1e-10 * scale


@settings(max_examples=40, deadline=None)
@given(SEEDS, st.integers(2, 30), st.integers(1, 30), st.sampled_from(ALPHAS), st.booleans())
def test_ridge_matches_scikit_learn_random(seed, n, d, alpha, fit_intercept):
    X, y = random_problem(seed, n, d)
    model = l2.fit_ridge(X, y, alpha, fit_intercept=fit_intercept)
    ref = Ridge(alpha=alpha, fit_intercept=fit_intercept, solver="svd").fit(X, y)
    assert rel_err(model, ref.coef_, ref.intercept_) < 1e-8


@pytest.mark.parametrize("n, d", [(50, 5), (8, 20)])
def test_ridge_matches_closed_forms(n, d):
    """Primal (n > d) and dual (n < d) normal equations, solved without any SVD."""
    X, y = random_problem(7, n, d)
    alpha = 2.5
    model = l2.fit_ridge(X, y, alpha)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    if n > d:
        w = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(d), Xc.T @ yc)
    else:
        w = Xc.T @ np.linalg.solve(Xc @ Xc.T + alpha * np.eye(n), yc)
    np.testing.assert_allclose(model.w, w, rtol=1e-9)
    assert model.b == pytest.approx(y.mean() - X.mean(axis=0) @ w, rel=1e-9, abs=1e-12)


def test_ridge_alpha_zero_is_least_squares_and_minimum_norm():
    X, y = random_problem(11, 40, 4)
    assert rel_err(l2.fit_ridge(X, y, 0.0), *l2.fit_least_squares(X, y)) < 1e-10
    X, y = random_problem(12, 6, 15)  # n < d: infinitely many exact fits
    model = l2.fit_ridge(X, y, 0.0)
    Xc, yc = X - X.mean(axis=0), y - y.mean()
    np.testing.assert_allclose(model.w, np.linalg.pinv(Xc) @ yc, rtol=1e-9)
    np.testing.assert_allclose(model.predict(X), y, atol=1e-9)  # interpolates
    # a tiny alpha approaches the same solution
    assert rel_err(l2.fit_ridge(X, y, 1e-9), model.w, model.b) < 1e-6


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_ridge_alpha_zero_exactly_rank_deficient(fit_intercept):
    """Duplicated columns: a zero singular value (up to round-off) must be dropped, not inverted."""
    X, y = random_problem(13, 30, 3)
    X = np.column_stack([X, 2 * X[:, 1]])
    model = l2.fit_ridge(X, y, 0.0, fit_intercept=fit_intercept)
    Xc, yc = (X - X.mean(axis=0), y - y.mean()) if fit_intercept else (X, y)
    np.testing.assert_allclose(model.w, np.linalg.pinv(Xc) @ yc, rtol=1e-9)
    assert rel_err(model, *l2.fit_least_squares(X, y, fit_intercept=fit_intercept)) < 1e-9
    ref = LinearRegression(fit_intercept=fit_intercept).fit(X, y)
    assert rel_err(model, ref.coef_, ref.intercept_) < 1e-9


def test_ridge_shrinks_monotonically_and_leaves_intercept_alone():
    X, y = random_problem(5, 30, 3)
    norms = [np.linalg.norm(l2.fit_ridge(X, y, a).w) for a in (0.0, 1.0, 10.0, 100.0, 1e4)]
    assert all(a > b for a, b in zip(norms, norms[1:], strict=False))
    huge = l2.fit_ridge(X, y, 1e12)
    assert np.linalg.norm(huge.w) < 1e-8
    assert huge.b == pytest.approx(y.mean(), rel=1e-6)  # the intercept is not shrunk to 0


def test_ridge_single_example():
    model = l2.fit_ridge([[1.0, 2.0]], [5.0], 0.0)
    np.testing.assert_array_equal(model.w, [0.0, 0.0])
    assert model.b == 5.0


@pytest.mark.parametrize("alpha", [-1.0, np.nan, np.inf])
def test_ridge_rejects_bad_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must be a finite number >= 0"):
        l2.fit_ridge([[1.0], [2.0]], [1.0, 2.0], alpha)


def test_ridge_validation():
    with pytest.raises(TypeError, match="alpha must hold numbers"):
        l2.fit_ridge([[1.0], [2.0]], [1.0, 2.0], "1.0")
    with pytest.raises(TypeError, match="alpha must be an array of numbers; got None"):
        l2.fit_ridge([[1.0], [2.0]], [1.0, 2.0], None)
    with pytest.raises(ValueError, match="alpha must be a single number"):
        l2.fit_ridge([[1.0], [2.0]], [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="X must contain only finite numbers"):
        l2.fit_ridge([[np.nan], [2.0]], [1.0, 2.0], 1.0)
    with pytest.raises(ValueError, match=r"y must be 1-D.*y\.ravel\(\)"):
        l2.fit_ridge([[1.0], [2.0]], [[1.0], [2.0]], 1.0)


# --- gradient descent -----------------------------------------------------------------------


def linear_problem():
    rng = np.random.default_rng(42)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([1.0, -2.0, 0.5]) + 0.7 + rng.normal(scale=0.1, size=40)
    A = np.column_stack([X, np.ones(40)])  # parameters theta = (w, b)
    H = (2 / 40) * A.T @ A
    lam_max = np.linalg.eigvalsh(H)[-1]

    def grad(theta):
        gw, gb = l2.linear_mse_grad(X, y, theta[:-1], theta[-1])
        return np.append(gw, gb)

    return X, y, grad, lam_max


def test_gradient_descent_reaches_least_squares_below_the_bound():
    X, y, grad, lam_max = linear_problem()
    target = l2.fit_least_squares(X, y)
    target = np.append(target.w, target.b)
    for factor in (0.5, 0.95):
        path = l2.gradient_descent(grad, np.zeros(4), lr=factor * 2 / lam_max, n_steps=2000)
        assert path.shape == (2001, 4)
        np.testing.assert_allclose(path[-1], target, rtol=1e-8, atol=1e-10)


def test_gradient_descent_diverges_above_the_bound():
    X, y, grad, lam_max = linear_problem()
    x0 = np.zeros(4)
    path = l2.gradient_descent(grad, x0, lr=1.05 * 2 / lam_max, n_steps=300)
    norms = np.linalg.norm(path, axis=1)
    assert path.shape == (301, 4) and np.all(np.isfinite(path))
    assert norms[-1] > 1e6 * norms[1]  # |1 - 2.1| = 1.1 per step in the top direction
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warnings escape
        path = l2.gradient_descent(grad, x0, lr=4 / lam_max, n_steps=10_000)
    assert len(path) < 10_001  # stopped early
    assert np.all(np.isfinite(path[:-1])) and not np.all(np.isfinite(path[-1]))


def test_gradient_descent_follows_the_update_rule():
    X, y, grad, lam_max = linear_problem()
    lr = 0.3 / lam_max
    path = l2.gradient_descent(grad, np.ones(4), lr=lr, n_steps=5)
    np.testing.assert_array_equal(path[0], np.ones(4))
    for k in range(5):
        np.testing.assert_allclose(path[k + 1], path[k] - lr * grad(path[k]), rtol=1e-14)


def test_gradient_descent_stops_on_tol_and_keeps_x0():
    x0 = np.array([[4.0, -2.0]])  # any shape
    path = l2.gradient_descent(lambda x: 2 * x, x0, lr=0.25, n_steps=1000, tol=1e-6)
    assert path.shape[1:] == (1, 2)
    assert len(path) < 1001
    assert np.linalg.norm(2 * path[-1]) < 1e-6 <= np.linalg.norm(2 * path[-2])
    np.testing.assert_array_equal(path[0], x0)
    # x_{k+1} = x_k / 2 exactly
    np.testing.assert_array_equal(path[1:], path[:-1] / 2)
    assert x0[0, 0] == 4.0  # the start point is not modified


def test_gradient_descent_zero_steps_and_int_start():
    path = l2.gradient_descent(lambda x: x, [1, 2], lr=0.1, n_steps=0)
    assert path.dtype == np.float64
    np.testing.assert_array_equal(path, [[1.0, 2.0]])


def test_gradient_descent_grad_cannot_corrupt_path():
    def nasty(x):
        g = x.copy()
        x[:] = 1e9  # modifies its argument
        return g

    path = l2.gradient_descent(nasty, np.array([1.0]), lr=0.5, n_steps=2)
    np.testing.assert_array_equal(path.ravel(), [1.0, 0.5, 0.25])


def test_gradient_descent_validation():
    g = lambda x: x  # noqa: E731
    with pytest.raises(TypeError, match="grad must be a callable"):
        l2.gradient_descent(None, [1.0], lr=0.1, n_steps=1)
    for lr in (0.0, -0.1, np.nan, np.inf):
        with pytest.raises(ValueError, match="lr must be a finite number > 0"):
            l2.gradient_descent(g, [1.0], lr=lr, n_steps=1)
    with pytest.raises(TypeError, match="lr must hold numbers"):
        l2.gradient_descent(g, [1.0], lr="0.1", n_steps=1)
    with pytest.raises(ValueError, match="n_steps must be an integer >= 0"):
        l2.gradient_descent(g, [1.0], lr=0.1, n_steps=-1)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        l2.gradient_descent(g, [1.0], lr=0.1, n_steps=10.0)
    with pytest.raises(TypeError, match="n_steps must be an integer"):
        l2.gradient_descent(g, [1.0], lr=0.1, n_steps=True)
    with pytest.raises(ValueError, match="tol must be a finite number >= 0"):
        l2.gradient_descent(g, [1.0], lr=0.1, n_steps=1, tol=-1.0)
    with pytest.raises(TypeError, match="x0 must hold numbers"):
        l2.gradient_descent(g, ["a"], lr=0.1, n_steps=1)
    with pytest.raises(ValueError, match=r"grad must return an array of shape \(2,\)"):
        l2.gradient_descent(lambda x: x[:1], [1.0, 2.0], lr=0.1, n_steps=1)
    with pytest.raises(TypeError, match="the value returned by grad must"):
        l2.gradient_descent(lambda x: None, [1.0], lr=0.1, n_steps=1)
